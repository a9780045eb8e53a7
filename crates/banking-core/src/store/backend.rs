//! Where SQLite and Postgres differ, and what the shared SQL needs of a backend.
//!
//! Every store module implements its trait once for `SqlStore<DB>` with `DB: Backend` and
//! the bounds below (sqlx cannot imply them from a trait, so each impl states them).

use async_trait::async_trait;
use sqlx::{Decode, Encode, Type};

use crate::{
    model::{Transaction, UserId},
    Result,
};

/// A value type stored in a column: bound as a parameter and read back.
pub trait Column<DB: sqlx::Database>: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB> + Send {}

impl<DB: sqlx::Database, T> Column<DB> for T where T: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB> + Send {}

/// A sqlx backend the store runs on: the dialect differences, one method each.
#[async_trait]
pub trait Backend: sqlx::Database {
    /// Inserts the sync's transactions, replacing those whose id exists, inside the sync's
    /// database transaction. `rows` hold each id once.
    async fn upsert_transactions(
        conn: &mut Self::Connection,
        item_id: &str,
        user: UserId,
        rows: &[&Transaction],
        now: i64,
    ) -> Result<()>;

    /// How many rows a statement changed.
    fn rows_affected(result: &Self::QueryResult) -> u64;
}

/// Rows per multi-row statement: 15 parameters each stays far below SQLite's 32766 and
/// Postgres' 65535 bind limits.
pub(super) const ROWS_PER_STATEMENT: usize = 200;

/// `amount` in integer ten-thousandths, when it has at most four decimals (reports sum these
/// in the database; other amounts are read as decimal text).
fn amount_e4(amount: rust_decimal::Decimal) -> Option<i64> {
    use rust_decimal::prelude::ToPrimitive;
    (amount.normalize().scale() <= 4).then(|| (amount * rust_decimal::Decimal::new(10_000, 0)).to_i64()).flatten()
}

/// What an upserted transaction's columns are set to when its id exists already.
const TRANSACTION_UPSERT: &str = " ON CONFLICT (transaction_id) DO UPDATE SET account_id = excluded.account_id, \
     amount = excluded.amount, amount_e4 = excluded.amount_e4, currency = excluded.currency, posted_date = excluded.posted_date, \
     authorized_date = excluded.authorized_date, name = excluded.name, merchant_name = excluded.merchant_name, \
     category = excluded.category, pending = excluded.pending, pending_transaction_id = excluded.pending_transaction_id, \
     updated_at = excluded.updated_at";

/// The columns a transaction is inserted with, in bind order.
const TRANSACTION_INSERT: &str = "INSERT INTO transactions (transaction_id, account_id, item_id, user_id, amount, \
     amount_e4, currency, posted_date, authorized_date, name, merchant_name, category, pending, pending_transaction_id, updated_at) ";

/// SQLite: multi-row statements, one round trip per [`ROWS_PER_STATEMENT`] rows.
#[async_trait]
impl Backend for sqlx::Sqlite {
    async fn upsert_transactions(
        conn: &mut sqlx::SqliteConnection,
        item_id: &str,
        user: UserId,
        rows: &[&Transaction],
        now: i64,
    ) -> Result<()> {
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(TRANSACTION_INSERT);
            insert.push_values(chunk, |mut row, t| {
                row.push_bind(&t.transaction_id)
                    .push_bind(&t.account_id)
                    .push_bind(item_id)
                    .push_bind(user)
                    .push_bind(t.amount.to_string())
                    .push_bind(amount_e4(t.amount))
                    .push_bind(&t.currency)
                    .push_bind(t.date.to_string())
                    .push_bind(t.authorized_date.map(|d| d.to_string()))
                    .push_bind(&t.name)
                    .push_bind(&t.merchant_name)
                    .push_bind(&t.category)
                    .push_bind(t.pending)
                    .push_bind(&t.pending_transaction_id)
                    .push_bind(now);
            });
            insert.push(TRANSACTION_UPSERT);
            insert.build().execute(&mut *conn).await?;
        }
        Ok(())
    }

    fn rows_affected(result: &sqlx::sqlite::SqliteQueryResult) -> u64 {
        result.rows_affected()
    }
}

/// Postgres: one statement for the whole sync, each column bound as one array and unnested
/// (a few binds however many rows, instead of 15 per row).
#[async_trait]
impl Backend for sqlx::Postgres {
    async fn upsert_transactions(
        conn: &mut sqlx::PgConnection,
        item_id: &str,
        user: UserId,
        rows: &[&Transaction],
        now: i64,
    ) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let text = |f: &dyn Fn(&Transaction) -> String| rows.iter().map(|t| f(t)).collect::<Vec<String>>();
        let optional =
            |f: &dyn Fn(&Transaction) -> Option<String>| rows.iter().map(|t| f(t)).collect::<Vec<Option<String>>>();
        sqlx::query(&format!(
            "{TRANSACTION_INSERT} SELECT id, account, $3, $4, amount, amount_e4, currency, posted, authorized, name, merchant, \
             category, pending, pending_id, $5 FROM UNNEST($1::text[], $2::text[], $6::text[], $15::bigint[], $7::text[], \
             $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bool[], $14::text[]) \
             AS t(id, account, amount, amount_e4, currency, posted, authorized, name, merchant, category, pending, pending_id) \
             {TRANSACTION_UPSERT}"
        ))
        .bind(text(&|t| t.transaction_id.clone()))
        .bind(text(&|t| t.account_id.clone()))
        .bind(item_id)
        .bind(user)
        .bind(now)
        .bind(text(&|t| t.amount.to_string()))
        .bind(optional(&|t| t.currency.clone()))
        .bind(text(&|t| t.date.to_string()))
        .bind(optional(&|t| t.authorized_date.map(|d| d.to_string())))
        .bind(text(&|t| t.name.clone()))
        .bind(optional(&|t| t.merchant_name.clone()))
        .bind(optional(&|t| t.category.clone()))
        .bind(rows.iter().map(|t| t.pending).collect::<Vec<bool>>())
        .bind(optional(&|t| t.pending_transaction_id.clone()))
        .bind(rows.iter().map(|t| amount_e4(t.amount)).collect::<Vec<Option<i64>>>())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    fn rows_affected(result: &sqlx::postgres::PgQueryResult) -> u64 {
        result.rows_affected()
    }
}
