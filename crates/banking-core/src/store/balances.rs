//! Balance history: a snapshot per account and day (and one per real-time refresh), written
//! with every balance write and by the safety net for days without one.

use async_trait::async_trait;
use chrono::NaiveDate;

use super::{
    accounts::ACCOUNT_KEY,
    backend::Column,
    rows::{day, decimal},
    Backend, SqlStore,
};
use crate::{model::*, Error, Result};

/// The accounts' balance history.
#[async_trait]
pub trait BalanceStore: Send + Sync + 'static {
    /// The user's snapshots of `source` taken on `from` or later, oldest first; for daily
    /// snapshots also each account's last one before `from` (the balance the range starts
    /// with).
    async fn balance_snapshots(
        &self,
        user: UserId,
        source: SnapshotSource,
        from: NaiveDate,
    ) -> Result<Vec<BalanceSnapshot>>;
    /// Takes `day`'s snapshot, from the stored balances, of every account that has none for
    /// that day yet (no balance write that day); returns how many were taken.
    async fn take_daily_snapshots(&self, day: NaiveDate, now: i64) -> Result<u64>;
    /// Deletes daily snapshots before `daily_before` and real-time ones before
    /// `realtime_before`; returns how many.
    async fn prune_balance_snapshots(&self, daily_before: NaiveDate, realtime_before: NaiveDate) -> Result<u64>;
}

#[async_trait]
impl<DB> BalanceStore for SqlStore<DB>
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
    Option<bool>: Column<DB>,
    String: Column<DB>,
    Option<String>: Column<DB>,
{
    async fn balance_snapshots(
        &self,
        user: UserId,
        source: SnapshotSource,
        from: NaiveDate,
    ) -> Result<Vec<BalanceSnapshot>> {
        let rows: Vec<SnapshotRow> = sqlx::query_as(&format!(
            "SELECT s.account_id, s.day, s.source, s.taken_at, s.current_balance, s.available, s.currency, \
             a.account_type, p.in_total_cash \
             FROM balance_snapshots s JOIN accounts a ON a.account_id = s.account_id \
             JOIN plaid_items i ON i.item_id = a.item_id \
             LEFT JOIN account_preferences p ON p.user_id = a.user_id AND p.account_key = {ACCOUNT_KEY} \
             WHERE s.user_id = $1 AND s.source = $2 AND (s.day >= $3 OR (s.source = 'daily' AND s.day = \
               (SELECT MAX(b.day) FROM balance_snapshots b \
                WHERE b.account_id = s.account_id AND b.source = 'daily' AND b.day < $3))) \
             ORDER BY s.day, s.taken_at, s.account_id"
        ))
        .bind(user)
        .bind(source.as_str())
        .bind(from.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(SnapshotRow::into_snapshot).collect()
    }

    async fn take_daily_snapshots(&self, day: NaiveDate, now: i64) -> Result<u64> {
        let taken = sqlx::query(
            "INSERT INTO balance_snapshots \
             (account_id, user_id, day, source, taken_at, current_balance, available, currency) \
             SELECT account_id, user_id, $1, 'daily', $2, current_balance, available, currency FROM accounts \
             WHERE current_balance IS NOT NULL OR available IS NOT NULL \
             ON CONFLICT (account_id, day) WHERE source = 'daily' DO NOTHING",
        )
        .bind(day.to_string())
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(DB::rows_affected(&taken))
    }

    async fn prune_balance_snapshots(&self, daily_before: NaiveDate, realtime_before: NaiveDate) -> Result<u64> {
        let pruned = sqlx::query(
            "DELETE FROM balance_snapshots \
             WHERE (source = 'daily' AND day < $1) OR (source = 'realtime' AND day < $2)",
        )
        .bind(daily_before.to_string())
        .bind(realtime_before.to_string())
        .execute(&self.pool)
        .await?;
        Ok(DB::rows_affected(&pruned))
    }
}

/// Keeps the snapshots of the account just written (inside the write's database
/// transaction, from the row as stored): the day's, and with `realtime` a real-time one.
pub(super) async fn snapshot_account<DB>(
    conn: &mut DB::Connection,
    account_id: &str,
    taken_at: i64,
    realtime: bool,
) -> Result<()>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: Column<DB>,
    i64: Column<DB>,
{
    let day = chrono::DateTime::from_timestamp(taken_at, 0).ok_or(Error::Internal)?.date_naive().to_string();
    let copy = "INSERT INTO balance_snapshots \
         (account_id, user_id, day, source, taken_at, current_balance, available, currency) \
         SELECT account_id, user_id, $2, $4, $3, current_balance, available, currency FROM accounts \
         WHERE account_id = $1";
    sqlx::query(&format!(
        "{copy} ON CONFLICT (account_id, day) WHERE source = 'daily' DO UPDATE SET taken_at = excluded.taken_at, \
         current_balance = excluded.current_balance, available = excluded.available, currency = excluded.currency"
    ))
    .bind(account_id)
    .bind(day.as_str())
    .bind(taken_at)
    .bind("daily")
    .execute(&mut *conn)
    .await?;
    if realtime {
        sqlx::query(copy)
            .bind(account_id)
            .bind(day.as_str())
            .bind(taken_at)
            .bind("realtime")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A snapshot row with its account's type and total-cash choice.
#[derive(sqlx::FromRow)]
struct SnapshotRow {
    account_id: String,
    day: String,
    source: String,
    taken_at: i64,
    current_balance: Option<String>,
    available: Option<String>,
    currency: Option<String>,
    account_type: String,
    in_total_cash: Option<bool>,
}

impl SnapshotRow {
    fn into_snapshot(self) -> Result<BalanceSnapshot> {
        Ok(BalanceSnapshot {
            day: day(Some(self.day)).ok_or(Error::Internal)?,
            source: if self.source == "realtime" { SnapshotSource::Realtime } else { SnapshotSource::Daily },
            taken_at: self.taken_at,
            current: decimal(self.current_balance),
            available: decimal(self.available),
            currency: self.currency,
            counted: self.account_type == "depository" && self.in_total_cash.unwrap_or(true),
            account_id: self.account_id,
        })
    }
}
