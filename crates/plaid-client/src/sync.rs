use crate::{
    api::{Account, RemovedTransaction, Transaction, TransactionsSyncRequest, TransactionsUpdateStatus},
    AccessToken, Error, PlaidClient,
};

/// How many times [`PlaidClient::sync_transactions`] restarts after
/// `TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION` before giving up.
const MAX_RESTARTS: u32 = 3;

/// Everything `/transactions/sync` returned from a cursor to the end, for the caller to
/// commit together with [`SyncResult::next_cursor`].
#[derive(Debug, Clone, PartialEq)]
pub struct SyncResult {
    /// New transactions, in page order.
    pub added: Vec<Transaction>,
    /// Changed transactions, in page order.
    pub modified: Vec<Transaction>,
    /// Removed transactions, in page order.
    pub removed: Vec<RemovedTransaction>,
    /// Accounts with balances from the last page.
    pub accounts: Vec<Account>,
    /// Cursor to store; `None` when Plaid's data is not ready yet (`next_cursor == ""`), in
    /// which case keep the old cursor and try again later.
    pub next_cursor: Option<String>,
    /// Readiness reported by the last page.
    pub update_status: TransactionsUpdateStatus,
    /// Pages fetched in the successful pass.
    pub pages: u32,
    /// Times the loop restarted after a mutation during pagination.
    pub restarts: u32,
}

impl PlaidClient {
    /// Pages `/transactions/sync` from `cursor` until `has_more` is false.
    ///
    /// On `TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION` it discards what it collected and
    /// restarts from `cursor` (the one the loop began with), up to a few times. Any other
    /// error is returned and nothing collected is kept, so the caller's stored cursor stays
    /// valid.
    pub async fn sync_transactions(
        &self,
        access_token: &AccessToken,
        cursor: Option<&str>,
        count: u32,
    ) -> Result<SyncResult, Error> {
        let mut restarts = 0;
        loop {
            match self.sync_pass(access_token, cursor, count).await {
                Err(e)
                    if e.code() == Some("TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION") && restarts < MAX_RESTARTS =>
                {
                    restarts += 1;
                    tracing::info!(restarts, "transactions changed during pagination; restarting sync");
                }
                Err(e) => return Err(e),
                Ok(mut result) => {
                    result.restarts = restarts;
                    return Ok(result);
                }
            }
        }
    }

    async fn sync_pass(
        &self,
        access_token: &AccessToken,
        start: Option<&str>,
        count: u32,
    ) -> Result<SyncResult, Error> {
        let mut result = SyncResult {
            added: Vec::new(),
            modified: Vec::new(),
            removed: Vec::new(),
            accounts: Vec::new(),
            next_cursor: None,
            update_status: TransactionsUpdateStatus::TransactionsUpdateStatusUnknown,
            pages: 0,
            restarts: 0,
        };
        let mut cursor = start.filter(|c| !c.is_empty()).map(str::to_string);
        loop {
            let page = self
                .send(&TransactionsSyncRequest {
                    access_token: access_token.clone(),
                    cursor: cursor.clone(),
                    count: Some(count.clamp(1, 500)),
                    options: None,
                })
                .await?;
            result.pages += 1;
            result.update_status = page.transactions_update_status;
            result.accounts = page.accounts;
            if page.next_cursor.is_empty() {
                // Not ready: nothing to commit, keep the caller's cursor.
                result.next_cursor = None;
                return Ok(result);
            }
            result.added.extend(page.added);
            result.modified.extend(page.modified);
            result.removed.extend(page.removed);
            cursor = Some(page.next_cursor);
            if !page.has_more {
                result.next_cursor = cursor;
                return Ok(result);
            }
        }
    }
}
