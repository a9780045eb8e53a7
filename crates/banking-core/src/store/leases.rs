//! Leases and throttles shared by every instance through the database: one sync per Item
//! at a time, real-time balance and transactions-refresh calls spaced out, and sign-in
//! failures counted.

use async_trait::async_trait;

use super::{backend::Column, Backend, SqlStore};
use crate::Result;

/// A Plaid call made for one Item that the instances together space out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemCall {
    /// `/accounts/balance/get` (real-time balances).
    Balances,
    /// `/transactions/refresh` (ask the bank for new transactions).
    TransactionsRefresh,
    /// `/liabilities/get` (cards' and loans' terms), by a sync.
    Liabilities,
    /// `/investments/holdings/get` and `/investments/transactions/get`, by a sync.
    Investments,
}

/// Cross-instance leases and counters.
#[async_trait]
pub trait LeaseStore: Send + Sync + 'static {
    /// Takes the cross-process sync lease of the Item until `until`; false if another
    /// sync holds it, in which case a follow-up is requested from the holder.
    async fn try_lease_sync(&self, item_id: &str, now: i64, until: i64) -> Result<bool>;
    /// Releases the lease; returns true when a follow-up sync was requested meanwhile.
    async fn release_sync(&self, item_id: &str) -> Result<bool>;
    /// Claims a rate-limited Plaid `call` for the Item at `now` unless one was made after
    /// `not_after`; false when another such call (from any instance) was that recent.
    async fn claim_item_call(&self, item_id: &str, call: ItemCall, now: i64, not_after: i64) -> Result<bool>;
    /// Counts a failed sign-in for `username_key` at `now`; a count whose last failure is at
    /// or before `stale_before` starts again at 1 (and such rows are pruned).
    async fn record_sign_in_failure(&self, username_key: &str, now: i64, stale_before: i64) -> Result<()>;
    /// The failure count of `username_key` and the time of its last failure, if any.
    async fn sign_in_failures(&self, username_key: &str) -> Result<Option<(i64, i64)>>;
    /// Forgets the failures of `username_key`.
    async fn clear_sign_in_failures(&self, username_key: &str) -> Result<()>;
}

#[async_trait]
impl<DB> LeaseStore for SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB> + sqlx::ColumnIndex<DB::Row>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
    i64: Column<DB>,
    Option<i64>: Column<DB>,
    bool: Column<DB>,
    String: Column<DB>,
    Option<String>: Column<DB>,
    Vec<u8>: Column<DB>,
{
    async fn try_lease_sync(&self, item_id: &str, now: i64, until: i64) -> Result<bool> {
        let taken = sqlx::query(
            "UPDATE plaid_items SET sync_lease_until = $3, sync_requested = FALSE \
             WHERE item_id = $1 AND COALESCE(sync_lease_until, 0) < $2",
        )
        .bind(item_id)
        .bind(now)
        .bind(until)
        .execute(&self.pool)
        .await?;
        if DB::rows_affected(&taken) == 1 {
            return Ok(true);
        }
        sqlx::query("UPDATE plaid_items SET sync_requested = TRUE WHERE item_id = $1")
            .bind(item_id)
            .execute(&self.pool)
            .await?;
        Ok(false)
    }

    async fn release_sync(&self, item_id: &str) -> Result<bool> {
        let requested: Option<bool> = sqlx::query_scalar(
            "UPDATE plaid_items SET sync_lease_until = NULL WHERE item_id = $1 RETURNING sync_requested",
        )
        .bind(item_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(requested.unwrap_or(false))
    }

    async fn claim_item_call(&self, item_id: &str, call: ItemCall, now: i64, not_after: i64) -> Result<bool> {
        let column = match call {
            ItemCall::Balances => "balance_refresh_at",
            ItemCall::TransactionsRefresh => "transactions_refresh_at",
            ItemCall::Liabilities => "liabilities_refresh_at",
            ItemCall::Investments => "investments_refresh_at",
        };
        let claimed = sqlx::query(&format!(
            "UPDATE plaid_items SET {column} = $2 WHERE item_id = $1 AND COALESCE({column}, 0) <= $3"
        ))
        .bind(item_id)
        .bind(now)
        .bind(not_after)
        .execute(&self.pool)
        .await?;
        Ok(DB::rows_affected(&claimed) == 1)
    }

    async fn record_sign_in_failure(&self, username_key: &str, now: i64, stale_before: i64) -> Result<()> {
        sqlx::query("DELETE FROM sign_in_failures WHERE last_failure_at <= $1 AND username_key <> $2")
            .bind(stale_before)
            .bind(username_key)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO sign_in_failures (username_key, failures, last_failure_at) VALUES ($1, 1, $2) \
             ON CONFLICT (username_key) DO UPDATE SET failures = CASE \
               WHEN sign_in_failures.last_failure_at <= $3 THEN 1 ELSE sign_in_failures.failures + 1 END, \
             last_failure_at = excluded.last_failure_at",
        )
        .bind(username_key)
        .bind(now)
        .bind(stale_before)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn sign_in_failures(&self, username_key: &str) -> Result<Option<(i64, i64)>> {
        Ok(sqlx::query_as("SELECT failures, last_failure_at FROM sign_in_failures WHERE username_key = $1")
            .bind(username_key)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn clear_sign_in_failures(&self, username_key: &str) -> Result<()> {
        sqlx::query("DELETE FROM sign_in_failures WHERE username_key = $1")
            .bind(username_key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
