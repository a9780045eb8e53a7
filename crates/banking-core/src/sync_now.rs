//! "Sync now": real-time balances and new transactions asked of the bank, each spaced out
//! per Item across instances.

use chrono::Utc;
use plaid_client::api::TransactionsRefreshRequest;

use crate::{
    model::{Actor, ItemStatus, UserId},
    service::{BalanceRefresh, BankingService},
    store::leases::ItemCall,
    Error, Result,
};

/// What "Sync now" did for one Item.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncNow {
    /// The balances: fresh from the bank, or the last known ones with why.
    pub balances: BalanceRefresh,
    /// None when Plaid was asked to fetch new transactions from the bank (they arrive with
    /// its SYNC_UPDATES_AVAILABLE webhook); otherwise why it was not asked.
    pub transactions_reason: Option<String>,
}

impl BankingService {
    /// Real-time balances (as [`BankingService::refresh_balances`]), then `/transactions/refresh`
    /// (at most once per `transactions_refresh_interval` per Item, from any instance) and a
    /// sync at once of what Plaid already has; what the bank still sends comes with Plaid's
    /// webhook.
    pub async fn sync_now(&self, user: UserId, item_id: &str) -> Result<SyncNow> {
        let balances = self.refresh_balances(user, item_id).await?;
        self.audit(item_id, user, Actor::User(user), "sync_now", None).await;
        let transactions_reason = self.request_new_transactions(user, item_id).await?;
        Ok(SyncNow { balances, transactions_reason })
    }

    async fn request_new_transactions(&self, user: UserId, item_id: &str) -> Result<Option<String>> {
        let stored = self.inner.store.item(user, item_id).await?;
        match stored.item.status {
            ItemStatus::Good | ItemStatus::PendingExpiration => {}
            ItemStatus::LoginRequired => {
                return Ok(Some("Your bank needs you to sign in again before new transactions can be fetched.".into()))
            }
            ItemStatus::Revoked => return Ok(Some("Access to this bank was revoked.".into())),
        }
        let now = Utc::now().timestamp();
        let not_after = now - self.inner.config.transactions_refresh_interval.as_secs() as i64;
        if !self.inner.store.claim_item_call(item_id, ItemCall::TransactionsRefresh, now, not_after).await? {
            return Ok(Some(
                "New transactions were asked of your bank moments ago; they appear as soon as it answers.".into(),
            ));
        }
        let token = self.token(&stored).await?;
        match self.inner.plaid.send(&TransactionsRefreshRequest { access_token: token }).await {
            Ok(_) => {
                tracing::info!(item_id, "new transactions requested from the bank");
                self.spawn_sync(item_id.to_string());
                Ok(None)
            }
            Err(e) => {
                if let Some(api) = e.api() {
                    self.note_plaid_error(&stored.item, api).await?;
                }
                let err = Error::from(e);
                tracing::info!(item_id, error = %err, "transactions refresh failed");
                Ok(Some(format!("{err} New transactions were not requested; they arrive with the next sync.")))
            }
        }
    }
}
