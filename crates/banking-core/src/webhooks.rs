//! Acting on verified Plaid webhooks.

use std::time::Duration;

use chrono::Utc;
use plaid_client::{
    api::{ItemGetRequest, ItemWebhookUpdateRequest},
    webhook::{hex, WebhookPayload},
};
use sha2::{Digest, Sha256};

use crate::{model::ItemStatus, service::BankingService, Result};

/// A verified webhook as recorded, ready to be acted on.
#[derive(Debug, Clone)]
pub struct RecordedWebhook {
    digest: String,
    /// False when this exact body was already handled (a repeated delivery).
    pub needs_action: bool,
}

impl BankingService {
    /// Records a verified webhook and acts on it: [`Self::record_webhook`] then
    /// [`Self::act_on_webhook`].
    pub async fn handle_webhook(&self, payload: &WebhookPayload, raw_body: &[u8]) -> Result<()> {
        let recorded = self.record_webhook(payload, raw_body).await?;
        self.act_on_webhook(payload, &recorded).await
    }

    /// Records a verified webhook (for audit and idempotency, keyed by the SHA-256 of the raw
    /// body). The app does this before acknowledging, so a webhook it could not record is
    /// refused and Plaid delivers it again.
    pub async fn record_webhook(&self, payload: &WebhookPayload, raw_body: &[u8]) -> Result<RecordedWebhook> {
        let digest = hex(&Sha256::digest(raw_body));
        let body = String::from_utf8_lossy(raw_body);
        let needs_action = self
            .inner
            .store
            .record_webhook(&digest, payload.item_id(), &payload.kind(), &body, Utc::now().timestamp())
            .await?;
        Ok(RecordedWebhook { digest, needs_action })
    }

    /// Acts on a recorded webhook, then marks it handled. A delivery of a body already
    /// handled changes nothing; one whose earlier handling failed half-way is acted on again.
    /// An unknown Item or code is logged and is not an error. Sync requests are always
    /// honoured (a sync is idempotent and coalesced).
    #[tracing::instrument(skip_all, fields(kind = %payload.kind(), item_id = payload.item_id().unwrap_or("-")))]
    pub async fn act_on_webhook(&self, payload: &WebhookPayload, recorded: &RecordedWebhook) -> Result<()> {
        self.apply_webhook(payload, recorded.needs_action).await?;
        self.inner.store.mark_webhook_handled(&recorded.digest, Utc::now().timestamp()).await
    }

    /// Acts again on webhooks recorded within the last day, at least `settled` ago, that were
    /// never handled (the process stopped, or the database failed half-way, after Plaid got
    /// its 200). Returns how many were retried. Run by the safety net.
    pub async fn retry_unhandled_webhooks(&self, settled: Duration) -> Result<usize> {
        let now = Utc::now().timestamp();
        let rows = self.inner.store.unhandled_webhooks(now - 86_400, now - settled.as_secs() as i64, 100).await?;
        let count = rows.len();
        for (digest, body) in rows {
            let recorded = RecordedWebhook { digest, needs_action: true };
            match WebhookPayload::parse(body.as_bytes()) {
                Ok(payload) => {
                    if let Err(e) = self.act_on_webhook(&payload, &recorded).await {
                        tracing::warn!(error = %e, kind = %payload.kind(), "retried webhook failed again");
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "a recorded webhook no longer parses; marking it handled");
                    self.inner.store.mark_webhook_handled(&recorded.digest, now).await?;
                }
            }
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

    async fn apply_webhook(&self, payload: &WebhookPayload, needs_action: bool) -> Result<()> {
        let store = &self.inner.store;
        let Some(item_id) = payload.item_id() else {
            tracing::info!("webhook without an item; recorded");
            return Ok(());
        };
        let Some(stored) = store.item_by_id(item_id).await? else {
            tracing::warn!("webhook for an unknown item; recorded and ignored");
            return Ok(());
        };
        let item = &stored.item;
        if let WebhookPayload::SyncUpdatesAvailable { .. } = payload {
            self.sync_item(item_id).await?;
            return Ok(());
        }
        if !needs_action {
            tracing::info!("webhook already handled; nothing to do");
            return Ok(());
        }
        match payload {
            WebhookPayload::ItemError { error, .. } => {
                let code = error.as_ref().map(|e| e.error_code.as_str()).unwrap_or("UNKNOWN");
                if code == "ITEM_LOGIN_REQUIRED" {
                    // Webhooks can arrive out of order: believe Plaid's current view.
                    let token = self.token(&stored).await?;
                    let still_broken = match self.inner.plaid.send(&ItemGetRequest { access_token: token }).await {
                        Ok(r) => r.item.error.is_some(),
                        Err(_) => true,
                    };
                    if still_broken {
                        self.set_status(item, ItemStatus::LoginRequired, Some(code), None).await?;
                    }
                } else {
                    store.set_sync_error(item_id, &format!("Plaid reported {code}")).await?;
                }
            }
            WebhookPayload::LoginRepaired { .. } => {
                self.set_status(item, ItemStatus::Good, None, None).await?;
                self.sync_item(item_id).await?;
            }
            WebhookPayload::PendingExpiration { consent_expiration_time, .. } => {
                let deadline = consent_expiration_time.map(|t| t.timestamp());
                self.set_status(item, ItemStatus::PendingExpiration, Some("PENDING_EXPIRATION"), deadline).await?;
            }
            WebhookPayload::PendingDisconnect { reason, disconnect_time, .. } => {
                let detail = reason.as_deref().unwrap_or("PENDING_DISCONNECT");
                self.set_status(
                    item,
                    ItemStatus::PendingExpiration,
                    Some(detail),
                    disconnect_time.map(|t| t.timestamp()),
                )
                .await?;
            }
            WebhookPayload::UserPermissionRevoked { .. } => {
                self.set_status(item, ItemStatus::Revoked, Some("USER_PERMISSION_REVOKED"), None).await?;
            }
            WebhookPayload::NewAccountsAvailable { .. } | WebhookPayload::UserAccountRevoked { .. } => {
                store.set_needs_update(item_id, true).await?;
                self.inner
                    .events
                    .publish(
                        item.user_id,
                        crate::events::Event::ItemStatusChanged { item_id: item_id.into(), status: item.status },
                    )
                    .await;
            }
            WebhookPayload::WebhookUpdateAcknowledged { new_webhook_url, .. } => {
                tracing::info!(new_webhook_url, "Plaid acknowledged the new webhook URL");
            }
            WebhookPayload::SyncUpdatesAvailable { .. } => unreachable!("handled above"),
            WebhookPayload::Unknown { .. } => tracing::info!("webhook we do not act on; recorded"),
        }
        Ok(())
    }
}
