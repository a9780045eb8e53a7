//! Transaction sync: one at a time per Item across processes, applied atomically.

use std::time::Duration;

use chrono::Utc;

use crate::{
    events::Event,
    model::{Actor, ItemStatus, SyncCounts, Transaction},
    service::{account_from_plaid, BankingService},
    store::SyncChanges,
    Error, Result,
};

/// How long a sync may hold an Item's lease before another process may take over.
const LEASE: Duration = Duration::from_secs(120);

/// `cashflow_syncs_total{outcome}`, `cashflow_sync_duration_seconds` and
/// `cashflow_sync_transactions_total{change}` for one sync pass.
fn record_sync_metrics(result: &Result<SyncCounts>, took: std::time::Duration) {
    metrics::histogram!("cashflow_sync_duration_seconds").record(took.as_secs_f64());
    let outcome = if result.is_ok() { "ok" } else { "failed" };
    metrics::counter!("cashflow_syncs_total", "outcome" => outcome).increment(1);
    if let Ok(counts) = result {
        for (change, n) in [("added", counts.added), ("modified", counts.modified), ("removed", counts.removed)] {
            metrics::counter!("cashflow_sync_transactions_total", "change" => change).increment(n as u64);
        }
    }
}

impl BankingService {
    /// Syncs the Item now and returns what changed, or `None` when another sync holds the
    /// Item (it was asked to run once more after it finishes, so nothing is lost). Follow-up
    /// requests that arrive while this sync runs are coalesced into one more pass.
    pub async fn sync_item(&self, item_id: &str) -> Result<Option<SyncCounts>> {
        let store = &self.inner.store;
        let mut total: Option<SyncCounts> = None;
        loop {
            let now = Utc::now().timestamp();
            let until = now + LEASE.as_secs() as i64;
            // A failed attempt records a request for the holder; trying once more closes the
            // race with a holder that released just before the request was recorded.
            if !store.try_lease_sync(item_id, now, until).await? && !store.try_lease_sync(item_id, now, until).await? {
                return Ok(total);
            }
            let started = std::time::Instant::now();
            let result = self.sync_once(item_id).await;
            record_sync_metrics(&result, started.elapsed());
            let again = store.release_sync(item_id).await?;
            let counts = result?;
            let sum = total.get_or_insert_with(SyncCounts::default);
            sum.added += counts.added;
            sum.modified += counts.modified;
            sum.removed += counts.removed;
            if !again {
                return Ok(total);
            }
        }
    }

    /// Runs [`BankingService::sync_item`] in the background, logging failures.
    pub fn spawn_sync(&self, item_id: String) {
        let service = self.clone();
        tokio::spawn(async move {
            if let Err(e) = service.sync_item(&item_id).await {
                tracing::warn!(item_id, error = %e, "background sync failed");
            }
        });
    }

    async fn sync_once(&self, item_id: &str) -> Result<SyncCounts> {
        let Some(stored) = self.inner.store.item_by_id(item_id).await? else {
            return Err(Error::NotFound("bank connection"));
        };
        let item = &stored.item;
        if item.status == ItemStatus::Revoked {
            return Ok(SyncCounts::default());
        }
        let user = item.user_id;
        let events = &self.inner.events;
        events.publish(user, Event::SyncStarted { item_id: item_id.into() }).await;
        let token = self.token(&stored).await?;
        let result = match self
            .inner
            .plaid
            .sync_transactions(&token, stored.cursor.as_deref(), self.inner.config.sync_page_size)
            .await
        {
            Ok(r) => r,
            Err(e) => {
                if let Some(api) = e.api() {
                    self.note_plaid_error(item, api).await?;
                }
                let err = Error::from(e);
                // A broken Item is left alone longer after each failure (up to a day).
                let failures = item.sync_failures + 1;
                let retry_at = Utc::now().timestamp() + crate::lifecycle::backoff(failures).as_secs() as i64;
                self.inner.store.record_sync_failure(item_id, &err.to_string(), failures, retry_at).await?;
                self.audit(item_id, user, Actor::System, "sync_failed", Some(err.to_string())).await;
                events.publish(user, Event::SyncFailed { item_id: item_id.into(), message: err.to_string() }).await;
                return Err(err);
            }
        };
        let Some(next_cursor) = result.next_cursor else {
            tracing::info!(item_id, "transactions not ready yet");
            events.publish(user, Event::SyncFinished { item_id: item_id.into(), counts: SyncCounts::default() }).await;
            return Ok(SyncCounts::default());
        };
        let now = Utc::now().timestamp();
        let counts =
            SyncCounts { added: result.added.len(), modified: result.modified.len(), removed: result.removed.len() };
        let changes = SyncChanges {
            upserts: result
                .added
                .iter()
                .chain(result.modified.iter())
                .map(|t| transaction_from_plaid(item_id, t))
                .collect(),
            modified: result.modified.iter().map(|t| t.transaction_id.clone()).collect(),
            removed: result.removed.iter().map(|r| r.transaction_id.clone()).collect(),
            accounts: result
                .accounts
                .iter()
                .map(|a| account_from_plaid(item_id, a, now, crate::model::BalanceSource::Sync))
                .collect(),
        };
        let applied =
            self.inner.store.apply_sync(item_id, user, stored.cursor.as_deref(), &next_cursor, &changes, now).await?;
        if !applied {
            tracing::info!(item_id, "another sync committed first; discarding this pass");
            return Ok(SyncCounts::default());
        }
        // Plaid answered for the Item, so an error state we still show is stale.
        if item.status == ItemStatus::LoginRequired {
            self.set_status(item, ItemStatus::Good, None, None, None).await?;
        }
        let detail = format!("{} added, {} modified, {} removed", counts.added, counts.modified, counts.removed);
        self.audit(item_id, user, Actor::System, "synced", Some(detail)).await;
        tracing::info!(
            item_id,
            added = counts.added,
            modified = counts.modified,
            removed = counts.removed,
            pages = result.pages,
            "sync applied"
        );
        // The institution's identity (logo, colour), when missing or a week old: after the
        // sync's own Plaid calls, before the page is told to reload.
        if let Some(institution_id) = &item.institution_id {
            self.refresh_institution(institution_id).await;
        }
        // A card's or loan's terms, at most daily (Plaid's webhook announces changes).
        if let Err(e) = self.refresh_liabilities(&stored, false).await {
            tracing::warn!(item_id, error = %e, "liabilities were not refreshed");
        }
        // Brokerage positions and activity, likewise.
        if let Err(e) = self.refresh_investments(&stored, false).await {
            tracing::warn!(item_id, error = %e, "investments were not refreshed");
        }
        if counts != SyncCounts::default() {
            events.publish(user, Event::TransactionsChanged { item_id: item_id.into(), counts }).await;
        }
        events.publish(user, Event::BalancesChanged { item_id: item_id.into() }).await;
        events.publish(user, Event::SyncFinished { item_id: item_id.into(), counts }).await;
        Ok(counts)
    }

    /// Syncs every Item not synced within the configured age, because webhooks get lost;
    /// Items whose syncs keep failing are skipped until their back-off ends.
    pub async fn sync_stale_items(&self) -> Result<usize> {
        let now = Utc::now().timestamp();
        let before = now - self.inner.config.stale_after.as_secs() as i64;
        let items = self.inner.store.items_due_for_sync(before, now).await?;
        let count = items.len();
        for item in items {
            if let Err(e) = self.sync_item(&item.item_id).await {
                tracing::warn!(item_id = %item.item_id, error = %e, "safety-net sync failed");
            }
        }
        Ok(count)
    }

    /// Every `every` until the process ends: retries webhooks that were recorded but never
    /// handled ([`BankingService::retry_unhandled_webhooks`]), keeps the balance history
    /// and prunes old records ([`BankingService::daily_upkeep`]), then syncs stale Items
    /// ([`BankingService::sync_stale_items`]).
    pub fn spawn_safety_net(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let service = self.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                match service.retry_unhandled_webhooks(Duration::from_secs(60)).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(webhooks = n, "safety net retried unhandled webhooks"),
                    Err(e) => tracing::warn!(error = %e, "safety net could not list unhandled webhooks"),
                }
                match service.daily_upkeep().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(accounts = n, "today's balance snapshots taken"),
                    Err(e) => tracing::warn!(error = %e, "safety net could not do the daily upkeep"),
                }
                match service.sync_stale_items().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(items = n, "safety-net sync ran"),
                    Err(e) => tracing::warn!(error = %e, "safety-net sync could not list items"),
                }
            }
        })
    }
}

fn transaction_from_plaid(item_id: &str, t: &plaid_client::api::Transaction) -> Transaction {
    Transaction {
        transaction_id: t.transaction_id.clone(),
        account_id: t.account_id.clone(),
        item_id: item_id.to_string(),
        amount: t.amount,
        currency: t.iso_currency_code.clone().or_else(|| t.unofficial_currency_code.clone()),
        date: t.date,
        authorized_date: t.authorized_date,
        name: t.merchant_name.clone().or_else(|| t.name.clone()).unwrap_or_else(|| "Transaction".into()),
        merchant_name: t.merchant_name.clone(),
        category: t.personal_finance_category.as_ref().map(|c| c.primary.clone()),
        pending: t.pending,
        user_category: None,
        pending_transaction_id: t.pending_transaction_id.clone(),
    }
}
