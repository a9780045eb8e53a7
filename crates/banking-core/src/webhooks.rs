//! Acting on verified Plaid webhooks.

use std::time::Duration;

use chrono::Utc;
use plaid_client::{
    api::ItemWebhookUpdateRequest,
    webhook::{hex, WebhookPayload},
};
use sha2::{Digest, Sha256};

use crate::{
    model::{Actor, ItemStatus},
    service::BankingService,
    Result,
};

/// A verified webhook as recorded, ready to be acted on.
#[derive(Debug, Clone)]
pub struct RecordedWebhook {
    digest: String,
    episode: i64,
    /// False when this delivery repeats an event already handled.
    pub needs_action: bool,
}

/// How long an instance may act on a webhook before another delivery may take over.
const CLAIM: Duration = Duration::from_secs(120);

impl BankingService {
    /// Records a verified webhook and acts on it: [`Self::record_webhook`] then
    /// [`Self::act_on_webhook`].
    pub async fn handle_webhook(&self, payload: &WebhookPayload, raw_body: &[u8]) -> Result<()> {
        let recorded = self.record_webhook(payload, raw_body).await?;
        self.act_on_webhook(payload, &recorded).await
    }

    /// Records a verified webhook (for audit and idempotency). The app does this before
    /// acknowledging, so a webhook it could not record is refused and Plaid delivers it again.
    ///
    /// Plaid's bodies carry no event id, so a second event of the same kind for the same Item
    /// is byte-identical to the first. The same body is a redelivery (acted on once) while
    /// the first is unhandled, or within the configured window with no other webhook for the
    /// Item and no update mode since; otherwise it is a new event and is acted on.
    pub async fn record_webhook(&self, payload: &WebhookPayload, raw_body: &[u8]) -> Result<RecordedWebhook> {
        let digest = hex(&Sha256::digest(raw_body));
        let body = String::from_utf8_lossy(raw_body);
        let now = Utc::now().timestamp();
        let window_start = now - self.inner.config.webhook_redelivery_window.as_secs() as i64;
        let (episode, needs_action) = self
            .inner
            .store
            .record_webhook(&digest, payload.item_id(), &payload.kind(), &body, now, window_start)
            .await?;
        Ok(RecordedWebhook { digest, episode, needs_action })
    }

    /// Acts on a recorded webhook, then marks it handled. A redelivery of an event already
    /// handled, or being handled by another delivery, changes nothing; one whose earlier
    /// handling failed half-way is acted on again. An unknown Item or code, or a body we could
    /// not read, is logged and is not an error. Sync requests are always honoured (a sync is
    /// idempotent and coalesced).
    #[tracing::instrument(skip_all, fields(kind = %payload.kind(), item_id = payload.item_id().unwrap_or("-")))]
    pub async fn act_on_webhook(&self, payload: &WebhookPayload, recorded: &RecordedWebhook) -> Result<()> {
        let store = &self.inner.store;
        let now = Utc::now().timestamp();
        let claimed = recorded.needs_action
            && store.claim_webhook(&recorded.digest, recorded.episode, now, now + CLAIM.as_secs() as i64).await?;
        if !claimed {
            if let WebhookPayload::SyncUpdatesAvailable { item_id, .. } = payload {
                if store.item_by_id(item_id).await?.is_some() {
                    self.sync_item(item_id).await?;
                }
            } else {
                tracing::info!("webhook already handled or being handled; nothing to do");
            }
            return Ok(());
        }
        if let Err(e) = self.apply_webhook(payload).await {
            store.release_webhook(&recorded.digest, recorded.episode).await?;
            return Err(e);
        }
        store.mark_webhook_handled(&recorded.digest, recorded.episode, Utc::now().timestamp()).await
    }

    /// Acts again on webhooks recorded within the last day, at least `settled` ago, that were
    /// never handled (the process stopped, or the database failed half-way, after Plaid got
    /// its 200), then deletes recorded webhooks older than the retention period. Returns how
    /// many were retried. Run by the safety net.
    pub async fn retry_unhandled_webhooks(&self, settled: Duration) -> Result<usize> {
        let now = Utc::now().timestamp();
        let rows = self.inner.store.unhandled_webhooks(now - 86_400, now - settled.as_secs() as i64, 100).await?;
        let count = rows.len();
        for (digest, episode, body) in rows {
            let recorded = RecordedWebhook { digest, episode, needs_action: true };
            let payload = WebhookPayload::parse(body.as_bytes());
            if let Err(e) = self.act_on_webhook(&payload, &recorded).await {
                tracing::warn!(error = %e, kind = %payload.kind(), "retried webhook failed again");
            }
        }
        let retention = self.inner.config.webhook_retention.as_secs() as i64;
        let pruned = self.inner.store.prune_webhooks(now - retention).await?;
        if pruned > 0 {
            tracing::info!(pruned, "recorded webhooks past retention deleted");
        }
        Ok(count)
    }

    /// Gives Plaid the configured webhook URL for every Item that still has another one (the
    /// app's public URL changed), with `/item/webhook/update`; Plaid confirms with
    /// WEBHOOK_UPDATE_ACKNOWLEDGED at the new URL. Returns how many Items were re-pointed.
    /// Run at start-up; an Item Plaid refuses is logged and tried again next start.
    pub async fn repoint_webhooks(&self) -> Result<usize> {
        let Some(url) = self.inner.config.webhook_url.clone() else {
            return Ok(0);
        };
        let mut repointed = 0;
        for stored in self.inner.store.items_with_other_webhook(&url).await? {
            let item_id = stored.item.item_id.clone();
            let access_token = self.token(&stored).await?;
            match self.inner.plaid.send(&ItemWebhookUpdateRequest { access_token, webhook: Some(url.clone()) }).await {
                Ok(_) => {
                    self.inner.store.set_item_webhook(&item_id, &url).await?;
                    repointed += 1;
                }
                Err(e) => tracing::warn!(%item_id, error = %e, "could not give Plaid the new webhook URL"),
            }
        }
        if repointed > 0 {
            tracing::info!(items = repointed, url, "Items re-pointed to this webhook URL");
        }
        Ok(repointed)
    }

    async fn apply_webhook(&self, payload: &WebhookPayload) -> Result<()> {
        let store = &self.inner.store;
        if let WebhookPayload::Unreadable { reason, .. } = payload {
            tracing::warn!(reason, "verified webhook we could not read; recorded and acknowledged");
            return Ok(());
        }
        let Some(item_id) = payload.item_id() else {
            tracing::info!("webhook without an item; recorded");
            return Ok(());
        };
        let Some(stored) = store.item_by_id(item_id).await? else {
            tracing::warn!("webhook for an unknown item; recorded and ignored");
            return Ok(());
        };
        let item = &stored.item;
        self.audit(item_id, item.user_id, Actor::Plaid, "webhook", Some(payload.kind())).await;
        match payload {
            WebhookPayload::SyncUpdatesAvailable { .. } => {
                self.sync_item(item_id).await?;
            }
            WebhookPayload::ItemError { error, .. } => {
                let code = error.as_ref().map(|e| e.error_code.as_str()).unwrap_or("UNKNOWN");
                tracing::warn!(
                    error_code = code,
                    error_type = error.as_ref().map(|e| e.error_type.as_str()).unwrap_or("-"),
                    "Plaid reported an Item error"
                );
                // Webhooks arrive late and out of order: believe Plaid's current view.
                if item.status != ItemStatus::Revoked {
                    self.reconcile_with_plaid(&stored).await?;
                }
            }
            WebhookPayload::LoginRepaired { .. } => {
                if item.status != ItemStatus::Revoked && self.reconcile_with_plaid(&stored).await? {
                    store.clear_sync_backoff(item_id).await?;
                    // The repair is taken; a sync that fails now is recorded on the Item.
                    if let Err(e) = self.sync_item(item_id).await {
                        tracing::warn!(error = %e, "sync after a repair failed");
                    }
                }
            }
            WebhookPayload::PendingExpiration { consent_expiration_time, .. } => {
                let deadline = consent_expiration_time.map(|t| t.timestamp());
                let message = "Your bank's consent ends soon. Re-authenticate to keep this bank connected.";
                self.set_status(
                    item,
                    ItemStatus::PendingExpiration,
                    Some("PENDING_EXPIRATION"),
                    Some(message),
                    deadline,
                )
                .await?;
            }
            WebhookPayload::PendingDisconnect { reason, disconnect_time, .. } => {
                let detail = reason.as_deref().unwrap_or("PENDING_DISCONNECT");
                let message = "This connection will stop working soon. Re-authenticate to keep it.";
                self.set_status(
                    item,
                    ItemStatus::PendingExpiration,
                    Some(detail),
                    Some(message),
                    disconnect_time.map(|t| t.timestamp()),
                )
                .await?;
            }
            WebhookPayload::UserPermissionRevoked { .. } => {
                let message = "You revoked this app's access at your bank, so it is no longer updated. \
                               Remove it, or connect the bank again.";
                self.set_status(item, ItemStatus::Revoked, Some("USER_PERMISSION_REVOKED"), Some(message), None)
                    .await?;
            }
            WebhookPayload::NewAccountsAvailable { .. } => {
                store.set_needs_update(item_id, true).await?;
                self.publish_status(item).await;
            }
            WebhookPayload::UserAccountRevoked { account_id, .. } => {
                store.delete_account(item_id, account_id).await?;
                tracing::info!(account_id, "account access revoked at the bank; its data is deleted");
                self.inner
                    .events
                    .publish(item.user_id, crate::events::Event::BalancesChanged { item_id: item_id.into() })
                    .await;
                self.inner
                    .events
                    .publish(
                        item.user_id,
                        crate::events::Event::TransactionsChanged {
                            item_id: item_id.into(),
                            counts: crate::model::SyncCounts::default(),
                        },
                    )
                    .await;
            }
            WebhookPayload::LiabilitiesUpdated { .. } => {
                self.refresh_liabilities(&stored, true).await?;
            }
            WebhookPayload::HoldingsUpdated { .. } | WebhookPayload::InvestmentTransactionsUpdated { .. } => {
                self.refresh_investments(&stored, true).await?;
            }
            WebhookPayload::WebhookUpdateAcknowledged { new_webhook_url, .. } => {
                tracing::info!(new_webhook_url, "Plaid acknowledged the new webhook URL");
            }
            WebhookPayload::Unknown { .. } | WebhookPayload::Unreadable { .. } => {
                tracing::info!("webhook we do not act on; recorded")
            }
        }
        Ok(())
    }
}
