//! The transactional outbox: every committed change, as a [`StreamEvent`] row written in the
//! same database transaction as the change (only when the store was opened with the outbox
//! on), and what the relay needs to publish them once, in order, and forget them.

use async_trait::async_trait;
use cashflow_api::stream::{Change, StreamAccount, StreamEvent, StreamTransaction, BATCH, SCHEMA_VERSION};
use chrono::{DateTime, Utc};

use super::{
    backend::Column,
    rows::{AccountRow, ACCOUNT_COLUMNS},
    Backend, SqlStore, SyncChanges,
};
use crate::{model::*, Result};

/// An event waiting in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingEvent {
    /// Its place in the outbox: events are published in this order.
    pub seq: i64,
    /// The event's id (the message's `Nats-Msg-Id`).
    pub event_id: String,
    /// The owner (the subject's second part).
    pub user_id: UserId,
    /// The event's `type` (the subject's last part).
    pub event_type: String,
    /// The event as JSON.
    pub body: String,
}

/// What waits in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backlog {
    /// Events not yet published.
    pub pending: i64,
    /// When the oldest of them was written (Unix seconds).
    pub oldest_at: Option<i64>,
}

/// The outbox as the relay sees it.
#[async_trait]
pub trait OutboxStore: Send + Sync + 'static {
    /// Whether changes write events (the store was opened with the outbox on).
    fn outbox_enabled(&self) -> bool;
    /// Takes or keeps the relay lease for `holder` until `until`; false while another
    /// instance holds it (one relay publishes at a time, so events leave in order).
    async fn try_lease_relay(&self, holder: &str, now: i64, until: i64) -> Result<bool>;
    /// Up to `limit` unpublished events, oldest first.
    async fn pending_events(&self, limit: i64) -> Result<Vec<PendingEvent>>;
    /// Marks events as published at `now`.
    async fn mark_published(&self, seqs: &[i64], now: i64) -> Result<()>;
    /// Deletes events published before `before`; returns how many.
    async fn prune_published(&self, before: i64) -> Result<u64>;
    /// How many events wait, and since when.
    async fn backlog(&self) -> Result<Backlog>;
}

#[async_trait]
impl<DB> OutboxStore for SqlStore<DB>
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
    fn outbox_enabled(&self) -> bool {
        self.outbox
    }

    async fn try_lease_relay(&self, holder: &str, now: i64, until: i64) -> Result<bool> {
        let taken = sqlx::query(
            "UPDATE relay_lease SET holder = $1, lease_until = $3 \
             WHERE id = 1 AND (holder = $1 OR COALESCE(lease_until, 0) < $2)",
        )
        .bind(holder)
        .bind(now)
        .bind(until)
        .execute(&self.pool)
        .await?;
        Ok(DB::rows_affected(&taken) == 1)
    }

    async fn pending_events(&self, limit: i64) -> Result<Vec<PendingEvent>> {
        let rows: Vec<(i64, String, i64, String, String)> = sqlx::query_as(
            "SELECT seq, event_id, user_id, event_type, body FROM event_outbox \
             WHERE published_at IS NULL ORDER BY seq LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(seq, event_id, user_id, event_type, body)| PendingEvent { seq, event_id, user_id, event_type, body })
            .collect())
    }

    async fn mark_published(&self, seqs: &[i64], now: i64) -> Result<()> {
        for chunk in seqs.chunks(super::backend::ROWS_PER_STATEMENT) {
            let list = (2..chunk.len() + 2).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
            let sql = format!("UPDATE event_outbox SET published_at = $1 WHERE seq IN ({list})");
            let mark = chunk.iter().fold(sqlx::query(&sql).bind(now), |query, seq| query.bind(*seq));
            mark.execute(&self.pool).await?;
        }
        Ok(())
    }

    async fn prune_published(&self, before: i64) -> Result<u64> {
        let pruned = sqlx::query("DELETE FROM event_outbox WHERE published_at IS NOT NULL AND published_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&pruned))
    }

    async fn backlog(&self) -> Result<Backlog> {
        let (pending, oldest_at): (i64, Option<i64>) =
            sqlx::query_as("SELECT COUNT(*), MIN(created_at) FROM event_outbox WHERE published_at IS NULL")
                .fetch_one(&self.pool)
                .await?;
        Ok(Backlog { pending, oldest_at })
    }
}

/// Writes `changes` of the user's Item as outbox rows inside the change's own database
/// transaction, at `now` (Unix seconds).
pub(super) async fn write<DB>(
    conn: &mut DB::Connection,
    user: UserId,
    item_id: &str,
    changes: Vec<Change>,
    now: i64,
) -> Result<()>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: Column<DB>,
    String: Column<DB>,
{
    let occurred_at = DateTime::<Utc>::from_timestamp(now, 0).unwrap_or_default().to_rfc3339();
    for change in changes {
        let event = StreamEvent {
            schema_version: SCHEMA_VERSION,
            event_id: uuid::Uuid::now_v7().to_string(),
            user_id: user,
            item_id: item_id.to_string(),
            occurred_at: occurred_at.clone(),
            change,
        };
        let body = serde_json::to_string(&event).map_err(|_| crate::Error::Internal)?;
        sqlx::query(
            "INSERT INTO event_outbox (event_id, user_id, item_id, event_type, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(event.event_id.as_str())
        .bind(user)
        .bind(item_id)
        .bind(event.change.kind())
        .bind(body)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Locks the Item's row until the change commits (Postgres; SQLite writes one at a time), so
/// its events take their outbox places in the order the Item's changes commit.
pub(super) async fn lock_item<DB>(conn: &mut DB::Connection, item_id: &str) -> Result<()>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query("UPDATE plaid_items SET needs_update = needs_update WHERE item_id = $1")
        .bind(item_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The Item's accounts as stored now (inside the change's transaction), for an event.
pub(super) async fn stored_accounts<DB>(conn: &mut DB::Connection, item_id: &str) -> Result<Vec<StreamAccount>>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB> + sqlx::ColumnIndex<DB::Row>,
    i64: Column<DB>,
    Option<i64>: Column<DB>,
    String: Column<DB>,
    Option<String>: Column<DB>,
{
    let rows: Vec<AccountRow> =
        sqlx::query_as(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE item_id = $1 ORDER BY account_id"))
            .bind(item_id)
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows.into_iter().map(|row| stream_account(&Account::from(row))).collect())
}

/// The events of one applied sync: its transactions in batches, then the balances.
pub(super) fn sync_changes(changes: &SyncChanges, accounts: Vec<StreamAccount>) -> Vec<Change> {
    let (modified, added): (Vec<&Transaction>, Vec<&Transaction>) =
        changes.upserts.iter().partition(|t| changes.modified.contains(&t.transaction_id));
    let mut events = Vec::new();
    for chunk in added.chunks(BATCH) {
        events.push(Change::TransactionsAdded { transactions: chunk.iter().map(|t| stream_transaction(t)).collect() });
    }
    for chunk in modified.chunks(BATCH) {
        events
            .push(Change::TransactionsModified { transactions: chunk.iter().map(|t| stream_transaction(t)).collect() });
    }
    for chunk in changes.removed.chunks(BATCH) {
        events.push(Change::TransactionsRemoved { transaction_ids: chunk.to_vec() });
    }
    if !accounts.is_empty() {
        events.push(Change::BalancesUpdated { accounts });
    }
    events
}

pub(super) fn stream_transaction(t: &Transaction) -> StreamTransaction {
    StreamTransaction {
        transaction_id: t.transaction_id.clone(),
        account_id: t.account_id.clone(),
        amount: t.amount.to_string(),
        currency: t.currency.clone(),
        date: t.date.to_string(),
        authorized_date: t.authorized_date.map(|d| d.to_string()),
        name: t.name.clone(),
        merchant_name: t.merchant_name.clone(),
        category: t.category.clone(),
        user_category: t.user_category.clone(),
        pending: t.pending,
        pending_transaction_id: t.pending_transaction_id.clone(),
    }
}

fn stream_account(a: &Account) -> StreamAccount {
    StreamAccount {
        account_id: a.account_id.clone(),
        name: a.name.clone(),
        mask: a.mask.clone(),
        account_type: a.account_type.clone(),
        subtype: a.subtype.clone(),
        available: a.available.map(|d| d.to_string()),
        current: a.current.map(|d| d.to_string()),
        limit: a.limit.map(|d| d.to_string()),
        currency: a.currency.clone(),
        balance_source: a.balance_source,
        fetched_at: DateTime::<Utc>::from_timestamp(a.fetched_at, 0).unwrap_or_default().to_rfc3339(),
    }
}
