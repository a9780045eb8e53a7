//! Transactions: listing with the workbench's filters, per-category totals, the trader's
//! categories, the cash-flow report's sums, and applying a sync atomically.

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
    /// The user's transactions that pass `filter`, in its order, one page of it.
    async fn transactions(&self, user: UserId, filter: &TransactionFilter) -> Result<Vec<Transaction>>;
    /// Money in and out per effective category and currency over all the user's
    /// transactions that pass `filter` (its page and order do not matter), summed exactly.
    async fn category_totals(&self, user: UserId, filter: &TransactionFilter) -> Result<Vec<CategoryTotal>>;
    /// Files one of the user's transactions under `category` (`None`: back to Plaid's) and
    /// returns it as now stored; `NotFound` when it is not theirs.
    async fn set_user_category(
        &self,
        user: UserId,
        transaction_id: &str,
        category: Option<&str>,
        now: i64,
    ) -> Result<Transaction>;
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
    Option<bool>: Column<DB>,
    String: Column<DB>,
    Option<String>: Column<DB>,
    Vec<u8>: Column<DB>,
{
    async fn transactions(&self, user: UserId, filter: &TransactionFilter) -> Result<Vec<Transaction>> {
        let sql = format!(
            "SELECT {TRANSACTION_COLUMNS} FROM transactions WHERE {FILTER} ORDER BY {} LIMIT $9 OFFSET $10",
            order_by(filter.sort)
        );
        let mut arguments = filter_arguments::<DB>(user, filter)?;
        add(&mut arguments, i64::from(filter.limit.clamp(1, TransactionFilter::MAX_ROWS)))?;
        add(&mut arguments, i64::from(filter.offset))?;
        let rows: Vec<TransactionRow> = sqlx::query_as_with(&sql, arguments).fetch_all(&self.pool).await?;
        rows.into_iter().map(Transaction::try_from).collect()
    }

    async fn category_totals(&self, user: UserId, filter: &TransactionFilter) -> Result<Vec<CategoryTotal>> {
        // Summed in the database from the amounts' integer ten-thousandths...
        let sql = format!(
            "SELECT COALESCE(user_category, category), currency, COUNT(*), \
             CAST(COALESCE(SUM(CASE WHEN amount_e4 < 0 THEN -amount_e4 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN amount_e4 > 0 THEN amount_e4 ELSE 0 END), 0) AS BIGINT) \
             FROM transactions WHERE {FILTER} AND amount_e4 IS NOT NULL GROUP BY 1, 2"
        );
        let sums: Vec<(Option<String>, Option<String>, i64, i64, i64)> =
            sqlx::query_as_with(&sql, filter_arguments::<DB>(user, filter)?).fetch_all(&self.pool).await?;
        // ...and the few with more than four decimals here, from their text.
        let sql = format!(
            "SELECT COALESCE(user_category, category), currency, amount FROM transactions \
             WHERE {FILTER} AND amount_e4 IS NULL"
        );
        let finer: Vec<(Option<String>, Option<String>, String)> =
            sqlx::query_as_with(&sql, filter_arguments::<DB>(user, filter)?).fetch_all(&self.pool).await?;
        let mut totals: Vec<CategoryTotal> = sums
            .into_iter()
            .map(|(category, currency, count, money_in, money_out)| CategoryTotal {
                category,
                currency,
                count: count.max(0) as u64,
                money_in: Decimal::new(money_in, 4),
                money_out: Decimal::new(money_out, 4),
            })
            .collect();
        for (category, currency, amount) in finer {
            let amount: Decimal = amount.parse().map_err(|_| Error::Internal)?;
            let total = match totals.iter().position(|t| t.category == category && t.currency == currency) {
                Some(i) => &mut totals[i],
                None => {
                    let zero = Decimal::ZERO;
                    totals.push(CategoryTotal { category, currency, count: 0, money_in: zero, money_out: zero });
                    totals.last_mut().ok_or(Error::Internal)?
                }
            };
            total.count += 1;
            match amount < Decimal::ZERO {
                true => total.money_in -= amount,
                false => total.money_out += amount,
            }
        }
        totals.sort_by_key(|t| std::cmp::Reverse(t.money_out + t.money_in));
        Ok(totals)
    }

    #[tracing::instrument(skip_all, fields(user = user))]
    async fn set_user_category(
        &self,
        user: UserId,
        transaction_id: &str,
        category: Option<&str>,
        now: i64,
    ) -> Result<Transaction> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE transactions SET user_category = $3, updated_at = $4 WHERE user_id = $1 AND transaction_id = $2",
        )
        .bind(user)
        .bind(transaction_id)
        .bind(category)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if DB::rows_affected(&updated) != 1 {
            return Err(Error::NotFound("transaction"));
        }
        let row: TransactionRow =
            sqlx::query_as(&format!("SELECT {TRANSACTION_COLUMNS} FROM transactions WHERE transaction_id = $1"))
                .bind(transaction_id)
                .fetch_one(&mut *tx)
                .await?;
        let transaction = Transaction::try_from(row)?;
        if self.outbox {
            outbox::lock_item::<DB>(&mut tx, &transaction.item_id).await?;
            let change = cashflow_api::stream::Change::TransactionsModified {
                transactions: vec![outbox::stream_transaction(&transaction)],
            };
            outbox::write::<DB>(&mut tx, user, &transaction.item_id, vec![change], now).await?;
        }
        tx.commit().await?;
        Ok(transaction)
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
        // A pending transaction Plaid now posts under a new id keeps the trader's category
        // (the pending one is among `removed`, deleted just below).
        let posted: Vec<&str> = changes
            .upserts
            .iter()
            .filter(|t| t.pending_transaction_id.is_some())
            .map(|t| t.transaction_id.as_str())
            .collect();
        for chunk in posted.chunks(ROWS_PER_STATEMENT) {
            let ids = (2..chunk.len() + 2).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
            let sql = format!(
                "UPDATE transactions SET user_category = (SELECT p.user_category FROM transactions p \
                 WHERE p.transaction_id = transactions.pending_transaction_id AND p.item_id = $1) \
                 WHERE item_id = $1 AND user_category IS NULL AND transaction_id IN ({ids})"
            );
            let carry = chunk.iter().fold(sqlx::query(&sql).bind(item_id), |query, id| query.bind(*id));
            carry.execute(&mut *tx).await?;
        }
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

/// The filter's conditions, parameters `$1` to `$8` (see [`filter_arguments`]).
const FILTER: &str = "user_id = $1 AND ($2 IS NULL OR account_id = $2) AND ($3 IS NULL OR posted_date >= $3) \
     AND ($4 IS NULL OR posted_date <= $4) AND ($5 IS NULL OR item_id = $5) \
     AND ($6 IS NULL OR COALESCE(user_category, category) = $6) AND ($7 IS NULL OR pending = $7) \
     AND ($8 IS NULL OR LOWER(name) LIKE $8 ESCAPE '\\' OR LOWER(COALESCE(merchant_name, '')) LIKE $8 ESCAPE '\\')";

/// The parameters of [`FILTER`], in order: the user, account, dates, Item, category,
/// pending, and the text as a lower-case `LIKE` pattern.
fn filter_arguments<'q, DB>(user: UserId, filter: &TransactionFilter) -> Result<DB::Arguments<'q>>
where
    DB: Backend,
    i64: Column<DB>,
    Option<bool>: Column<DB>,
    Option<String>: Column<DB>,
{
    let pattern = filter.text.as_deref().filter(|t| !t.is_empty()).map(|text| {
        let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        format!("%{escaped}%")
    });
    let mut arguments = DB::Arguments::default();
    add(&mut arguments, user)?;
    add(&mut arguments, filter.account_id.clone())?;
    add(&mut arguments, filter.from.map(|d| d.to_string()))?;
    add(&mut arguments, filter.to.map(|d| d.to_string()))?;
    add(&mut arguments, filter.item_id.clone())?;
    add(&mut arguments, filter.category.clone())?;
    add(&mut arguments, filter.pending)?;
    add(&mut arguments, pattern)?;
    Ok(arguments)
}

/// Appends one parameter.
fn add<'q, DB: sqlx::Database, T>(arguments: &mut DB::Arguments<'q>, value: T) -> Result<()>
where
    T: 'q + sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    use sqlx::Arguments;
    arguments.add(value).map_err(|e| {
        tracing::error!(error = %e, "could not encode a query parameter");
        Error::Internal
    })
}

/// The `ORDER BY` of a sort (ties broken by date and id, so pages never overlap). Amounts
/// are compared in ten-thousandths (those finer than that rounded from their text).
fn order_by(sort: TransactionSort) -> &'static str {
    match sort {
        TransactionSort::DateDesc => "posted_date DESC, transaction_id",
        TransactionSort::DateAsc => "posted_date ASC, transaction_id",
        TransactionSort::AmountDesc => {
            "COALESCE(amount_e4, CAST(ROUND(CAST(amount AS DOUBLE PRECISION) * 10000) AS BIGINT)) DESC, \
             posted_date DESC, transaction_id"
        }
        TransactionSort::AmountAsc => {
            "COALESCE(amount_e4, CAST(ROUND(CAST(amount AS DOUBLE PRECISION) * 10000) AS BIGINT)) ASC, \
             posted_date DESC, transaction_id"
        }
    }
}

/// The last version of each transaction id, in order of last sight: one statement may not
/// upsert the same row twice (Postgres refuses), and the last version is what sequential
/// upserts would have left.
fn latest_per_id(transactions: &[Transaction]) -> Vec<&Transaction> {
    let mut seen = std::collections::HashSet::with_capacity(transactions.len());
    let mut latest: Vec<&Transaction> =
        transactions.iter().rev().filter(|t| seen.insert(t.transaction_id.as_str())).collect();
    latest.reverse();
    latest
}
