//! Credit cards' and loans' terms and payments due, as Plaid's `/liabilities/get` last
//! reported them.

use async_trait::async_trait;
use chrono::NaiveDate;

use super::{
    backend::Column,
    outbox,
    rows::{day, decimal},
    Backend, SqlStore,
};
use crate::{model::*, Error, Result};

/// The users' liabilities.
#[async_trait]
pub trait LiabilityStore: Send + Sync + 'static {
    /// Replaces what is kept for the Item's accounts with `liabilities` (accounts of the
    /// Item only; one that is not stored is skipped).
    async fn replace_liabilities(&self, user: UserId, item_id: &str, liabilities: &[Liability], now: i64)
        -> Result<()>;
    /// The user's liabilities, soonest payment first.
    async fn liabilities(&self, user: UserId) -> Result<Vec<Liability>>;
}

#[async_trait]
impl<DB> LiabilityStore for SqlStore<DB>
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
    async fn replace_liabilities(
        &self,
        user: UserId,
        item_id: &str,
        liabilities: &[Liability],
        now: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        // With the outbox on: what was stored, to tell whether the fetch changed anything.
        let before = match self.outbox {
            true => {
                outbox::lock_item::<DB>(&mut tx, item_id).await?;
                Some(item_liabilities::<DB>(&mut tx, item_id).await?)
            }
            false => None,
        };
        sqlx::query("DELETE FROM liabilities WHERE item_id = $1 AND user_id = $2")
            .bind(item_id)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        let text = |d: Option<rust_decimal::Decimal>| d.map(|d| d.to_string());
        let day = |d: Option<NaiveDate>| d.map(|d| d.to_string());
        for l in liabilities.iter().filter(|l| l.item_id == item_id) {
            sqlx::query(
                "INSERT INTO liabilities (account_id, item_id, user_id, kind, apr, is_overdue, minimum_payment, \
                 next_payment_due_date, last_payment_amount, last_payment_date, last_statement_balance, fetched_at) \
                 SELECT account_id, item_id, user_id, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM accounts \
                 WHERE account_id = $1 AND item_id = $2",
            )
            .bind(l.account_id.as_str())
            .bind(item_id)
            .bind(l.kind.as_str())
            .bind(text(l.apr))
            .bind(l.is_overdue)
            .bind(text(l.minimum_payment))
            .bind(day(l.next_payment_due))
            .bind(text(l.last_payment_amount))
            .bind(day(l.last_payment_date))
            .bind(text(l.last_statement_balance))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(before) = before {
            let after = item_liabilities::<DB>(&mut tx, item_id).await?;
            if after != before {
                outbox::write::<DB>(&mut tx, user, item_id, vec![outbox::liabilities_change(&after)], now).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn liabilities(&self, user: UserId) -> Result<Vec<Liability>> {
        let rows: Vec<LiabilityRow> = sqlx::query_as(&format!(
            "SELECT {LIABILITY_COLUMNS} FROM liabilities WHERE user_id = $1 \
             ORDER BY CASE WHEN next_payment_due_date IS NULL THEN 1 ELSE 0 END, next_payment_due_date, account_id"
        ))
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(LiabilityRow::into_liability).collect()
    }
}

/// The columns [`LiabilityRow`] reads.
const LIABILITY_COLUMNS: &str = "account_id, item_id, kind, apr, is_overdue, minimum_payment, next_payment_due_date, \
     last_payment_amount, last_payment_date, last_statement_balance";

/// The Item's liabilities as stored now (inside a change's transaction), by account.
async fn item_liabilities<DB>(conn: &mut DB::Connection, item_id: &str) -> Result<Vec<Liability>>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> LiabilityRow: sqlx::FromRow<'r, DB::Row>,
{
    let sql = format!("SELECT {LIABILITY_COLUMNS} FROM liabilities WHERE item_id = $1 ORDER BY account_id");
    let rows: Vec<LiabilityRow> = sqlx::query_as(&sql).bind(item_id).fetch_all(&mut *conn).await?;
    rows.into_iter().map(LiabilityRow::into_liability).collect()
}

#[derive(sqlx::FromRow)]
struct LiabilityRow {
    account_id: String,
    item_id: String,
    kind: String,
    apr: Option<String>,
    is_overdue: Option<bool>,
    minimum_payment: Option<String>,
    next_payment_due_date: Option<String>,
    last_payment_amount: Option<String>,
    last_payment_date: Option<String>,
    last_statement_balance: Option<String>,
}

impl LiabilityRow {
    fn into_liability(self) -> Result<Liability> {
        Ok(Liability {
            // The schema's CHECK allows only known kinds.
            kind: LiabilityKind::parse(&self.kind).ok_or(Error::Internal)?,
            account_id: self.account_id,
            item_id: self.item_id,
            apr: decimal(self.apr),
            is_overdue: self.is_overdue,
            minimum_payment: decimal(self.minimum_payment),
            next_payment_due: day(self.next_payment_due_date),
            last_payment_amount: decimal(self.last_payment_amount),
            last_payment_date: day(self.last_payment_date),
            last_statement_balance: decimal(self.last_statement_balance),
        })
    }
}
