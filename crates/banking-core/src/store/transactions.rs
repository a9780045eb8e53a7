//! Transactions: listing, the cash-flow report's sums, and applying a sync atomically.

use async_trait::async_trait;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{
    accounts::upsert_account,
    backend::{Column, ROWS_PER_STATEMENT},
    outbox,
    rows::{TransactionRow, TRANSACTION_COLUMNS},
    Backend, SqlStore, SyncChanges,
};
use crate::{model::*, Error, Result};

/// The user's transactions and the syncs that change them.
#[async_trait]
pub trait TransactionStore: Send + Sync + 'static {
    /// The user's transactions, newest first.
    async fn transactions(&self, user: UserId, filter: &TransactionFilter) -> Result<Vec<Transaction>>;
    /// Money in and out of the user's transactions dated `from..=to`, summed exactly per
    /// account, currency and day (in the database, from the amounts' integer ten-thousandths).
    async fn daily_flows(&self, user: UserId, from: NaiveDate, to: NaiveDate) -> Result<Vec<DailyFlow>>;
    /// Number of the Item's stored transactions.
    async fn transaction_count(&self, item_id: &str) -> Result<i64>;
    /// Applies a sync and the new cursor atomically, only if the stored cursor still equals
    /// `expected_cursor`. Returns false (and changes nothing) if it moved.
    async fn apply_sync(
        &self,
        item_id: &str,
        user: UserId,
        expected_cursor: Option<&str>,
        next_cursor: &str,
        changes: &SyncChanges,
        now: i64,
    ) -> Result<bool>;
}

#[async_trait]
impl<DB> TransactionStore for SqlStore<DB>
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
    async fn transactions(&self, user: UserId, filter: &TransactionFilter) -> Result<Vec<Transaction>> {
        let rows: Vec<TransactionRow> = sqlx::query_as(&format!(
            "SELECT {TRANSACTION_COLUMNS} FROM transactions WHERE user_id = $1 \
             AND ($2 IS NULL OR account_id = $2) AND ($3 IS NULL OR posted_date >= $3) \
             AND ($4 IS NULL OR posted_date <= $4) \
             ORDER BY posted_date DESC, transaction_id LIMIT $5 OFFSET $6"
        ))
        .bind(user)
        .bind(&filter.account_id)
        .bind(filter.from.map(|d| d.to_string()))
        .bind(filter.to.map(|d| d.to_string()))
        .bind(i64::from(filter.limit.clamp(1, TransactionFilter::MAX_ROWS)))
        .bind(i64::from(filter.offset))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Transaction::try_from).collect()
    }

    async fn daily_flows(&self, user: UserId, from: NaiveDate, to: NaiveDate) -> Result<Vec<DailyFlow>> {
        // Summed in the database per account, currency and day, in ten-thousandths.
        let sums: Vec<(String, Option<String>, String, i64, i64)> = sqlx::query_as(
            "SELECT account_id, currency, posted_date, \
             CAST(COALESCE(SUM(CASE WHEN amount_e4 < 0 THEN -amount_e4 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN amount_e4 > 0 THEN amount_e4 ELSE 0 END), 0) AS BIGINT) \
             FROM transactions WHERE user_id = $1 AND posted_date >= $2 AND posted_date <= $3 \
             AND amount_e4 IS NOT NULL GROUP BY account_id, currency, posted_date",
        )
        .bind(user)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.pool)
        .await?;
        // Amounts with more than four decimals are summed here, from their text.
        let finer: Vec<(String, Option<String>, String, String)> = sqlx::query_as(
            "SELECT account_id, currency, posted_date, amount FROM transactions \
             WHERE user_id = $1 AND posted_date >= $2 AND posted_date <= $3 AND amount_e4 IS NULL",
        )
        .bind(user)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.pool)
        .await?;
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| Error::Internal);
        let e4 = |n: i64| Decimal::new(n, 4);
        let mut flows = Vec::with_capacity(sums.len() + finer.len());
        for (account_id, currency, day, money_in, money_out) in sums {
            flows.push(DailyFlow {
                account_id,
                currency,
                date: date(&day)?,
                money_in: e4(money_in),
                money_out: e4(money_out),
            });
        }
        for (account_id, currency, day, amount) in finer {
            let amount: Decimal = amount.parse().map_err(|_| Error::Internal)?;
            let (money_in, money_out) =
                if amount < Decimal::ZERO { (-amount, Decimal::ZERO) } else { (Decimal::ZERO, amount) };
            flows.push(DailyFlow { account_id, currency, date: date(&day)?, money_in, money_out });
        }
        Ok(flows)
    }

    async fn transaction_count(&self, item_id: &str) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM transactions WHERE item_id = $1")
            .bind(item_id)
            .fetch_one(&self.pool)
            .await?)
    }

    #[tracing::instrument(skip_all, fields(item_id = %item_id, user = user, added = changes.upserts.len(), removed = changes.removed.len()))]
    async fn apply_sync(
        &self,
        item_id: &str,
        user: UserId,
        expected_cursor: Option<&str>,
        next_cursor: &str,
        changes: &SyncChanges,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        // Compare-and-swap on the cursor: a concurrent sync that committed first wins,
        // and on Postgres this row update also locks the Item until commit.
        let moved = sqlx::query(
            "UPDATE plaid_items SET sync_cursor = $3, last_sync_at = $4, last_sync_error = NULL, \
             sync_failures = 0, sync_retry_at = NULL \
             WHERE item_id = $1 AND COALESCE(sync_cursor, '') = $2",
        )
        .bind(item_id)
        .bind(expected_cursor.unwrap_or(""))
        .bind(next_cursor)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if DB::rows_affected(&moved) != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        DB::upsert_transactions(&mut tx, item_id, user, &latest_per_id(&changes.upserts), now).await?;
        for chunk in changes.removed.chunks(ROWS_PER_STATEMENT) {
            let ids = (2..chunk.len() + 2).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
            let sql = format!("DELETE FROM transactions WHERE item_id = $1 AND transaction_id IN ({ids})");
            let delete = chunk.iter().fold(sqlx::query(&sql).bind(item_id), |query, id| query.bind(id));
            delete.execute(&mut *tx).await?;
        }
        for account in &changes.accounts {
            upsert_account::<DB>(&mut tx, user, account).await?;
        }
        if self.outbox {
            let accounts = match changes.accounts.is_empty() {
                true => Vec::new(),
                false => outbox::stored_accounts::<DB>(&mut tx, item_id).await?,
            };
            outbox::write::<DB>(&mut tx, user, item_id, outbox::sync_changes(changes, accounts), now).await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}

/// The last version of each transaction id, in order of last sight: one statement may not
/// upsert the same row twice (Postgres refuses), and the last version is what sequential
/// upserts would have left.
fn latest_per_id(transactions: &[Transaction]) -> Vec<&Transaction> {
    let mut seen = std::collections::HashSet::new();
    let mut latest: Vec<&Transaction> =
        transactions.iter().rev().filter(|t| seen.insert(t.transaction_id.as_str())).collect();
    latest.reverse();
    latest
}
