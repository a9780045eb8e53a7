//! The transactional outbox: every committed change, as a [`StreamEvent`] row written in the
//! same database transaction as the change (only when the store was opened with the outbox
//! on), and what the relay needs to publish them once, in order, and forget them.

use async_trait::async_trait;
use cashflow_api::stream::{
    Change, StreamAccount, StreamEvent, StreamHolding, StreamInvestmentTransaction, StreamLiability, StreamTransaction,
    BATCH, SCHEMA_VERSION,
};
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

/// The events of a holdings fetch that changed what is stored: the Item's positions as stored
/// now, at most [`BATCH`] per event (one event with none when none are left).
pub(super) fn holdings_changes(holdings: &[Holding]) -> Vec<Change> {
    let chunks: Vec<&[Holding]> = match holdings.is_empty() {
        true => vec![&[]],
        false => holdings.chunks(BATCH).collect(),
    };
    let parts = chunks.len() as u32;
    chunks
        .into_iter()
        .zip(1..)
        .map(|(chunk, part)| Change::HoldingsUpdated {
            holdings: chunk.iter().map(stream_holding).collect(),
            part,
            parts,
        })
        .collect()
}

/// The events of an investment transactions fetch: what it added, changed and removed
/// among the Item's stored ones (`before` and `after` it), in batches of at most [`BATCH`].
pub(super) fn investment_transaction_changes(
    before: &[InvestmentTransaction],
    after: &[InvestmentTransaction],
) -> Vec<Change> {
    use std::collections::HashMap;
    let old: HashMap<&str, &InvestmentTransaction> =
        before.iter().map(|t| (t.investment_transaction_id.as_str(), t)).collect();
    let new: HashMap<&str, &InvestmentTransaction> =
        after.iter().map(|t| (t.investment_transaction_id.as_str(), t)).collect();
    let added: Vec<&InvestmentTransaction> =
        after.iter().filter(|t| !old.contains_key(t.investment_transaction_id.as_str())).collect();
    let modified: Vec<&InvestmentTransaction> =
        after.iter().filter(|t| old.get(t.investment_transaction_id.as_str()).is_some_and(|o| *o != *t)).collect();
    let removed: Vec<String> = before
        .iter()
        .filter(|t| !new.contains_key(t.investment_transaction_id.as_str()))
        .map(|t| t.investment_transaction_id.clone())
        .collect();
    let stream = |chunk: &[&InvestmentTransaction]| chunk.iter().map(|t| stream_investment_transaction(t)).collect();
    let mut events = Vec::new();
    for chunk in added.chunks(BATCH) {
        events.push(Change::InvestmentTransactionsAdded { transactions: stream(chunk) });
    }
    for chunk in modified.chunks(BATCH) {
        events.push(Change::InvestmentTransactionsModified { transactions: stream(chunk) });
    }
    for chunk in removed.chunks(BATCH) {
        events.push(Change::InvestmentTransactionsRemoved { investment_transaction_ids: chunk.to_vec() });
    }
    events
}

/// The event of a liabilities fetch that changed what is stored: all of the Item's as stored now.
pub(super) fn liabilities_change(liabilities: &[Liability]) -> Change {
    Change::LiabilitiesUpdated { liabilities: liabilities.iter().map(stream_liability).collect() }
}

fn stream_holding(h: &Holding) -> StreamHolding {
    StreamHolding {
        account_id: h.account_id.clone(),
        security_id: h.security_id.clone(),
        ticker: h.ticker.clone(),
        name: h.name.clone(),
        security_type: h.security_type.clone(),
        is_cash: h.is_cash,
        quantity: h.quantity.to_string(),
        price: h.price.to_string(),
        price_as_of: h.price_as_of.map(|d| d.to_string()),
        value: h.value.to_string(),
        cost_basis: h.cost_basis.map(|d| d.to_string()),
        currency: h.currency.clone(),
    }
}

fn stream_investment_transaction(t: &InvestmentTransaction) -> StreamInvestmentTransaction {
    StreamInvestmentTransaction {
        investment_transaction_id: t.investment_transaction_id.clone(),
        account_id: t.account_id.clone(),
        date: t.date.to_string(),
        name: t.name.clone(),
        kind: t.kind.clone(),
        subtype: t.subtype.clone(),
        ticker: t.ticker.clone(),
        quantity: t.quantity.to_string(),
        price: t.price.to_string(),
        amount: t.amount.to_string(),
        fees: t.fees.map(|d| d.to_string()),
        currency: t.currency.clone(),
    }
}

fn stream_liability(l: &Liability) -> StreamLiability {
    StreamLiability {
        account_id: l.account_id.clone(),
        kind: l.kind,
        apr: l.apr.map(|d| d.to_string()),
        is_overdue: l.is_overdue,
        minimum_payment: l.minimum_payment.map(|d| d.to_string()),
        next_payment_due_date: l.next_payment_due.map(|d| d.to_string()),
        last_payment_amount: l.last_payment_amount.map(|d| d.to_string()),
        last_payment_date: l.last_payment_date.map(|d| d.to_string()),
        last_statement_balance: l.last_statement_balance.map(|d| d.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_set_of_positions_is_split_into_numbered_parts_and_an_empty_one_is_one_event() {
        let position = |n: usize| Holding {
            account_id: "acc".into(),
            item_id: "item".into(),
            security_id: format!("s{n}"),
            ticker: None,
            name: None,
            security_type: None,
            is_cash: false,
            quantity: rust_decimal::Decimal::ONE,
            price: rust_decimal::Decimal::ONE,
            price_as_of: None,
            value: rust_decimal::Decimal::ONE,
            cost_basis: None,
            currency: None,
        };
        let held: Vec<Holding> = (0..BATCH * 2 + 1).map(position).collect();
        let parts: Vec<(usize, u32, u32)> = holdings_changes(&held)
            .into_iter()
            .map(|change| match change {
                Change::HoldingsUpdated { holdings, part, parts } => (holdings.len(), part, parts),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(parts, [(BATCH, 1, 3), (BATCH, 2, 3), (1, 3, 3)]);
        assert!(matches!(
            holdings_changes(&[]).as_slice(),
            [Change::HoldingsUpdated { holdings, part: 1, parts: 1 }] if holdings.is_empty()
        ));
    }
}
