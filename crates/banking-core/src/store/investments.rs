//! Brokerage positions and investment transactions, as Plaid's `/investments/*` last
//! reported them.

use async_trait::async_trait;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{
    backend::Column,
    outbox,
    rows::{day, decimal},
    Backend, SqlStore,
};
use crate::{model::*, Error, Result};

/// The users' investments.
#[async_trait]
pub trait InvestmentStore: Send + Sync + 'static {
    /// Replaces the Item's positions with `holdings` (of its stored accounts only).
    async fn replace_holdings(&self, user: UserId, item_id: &str, holdings: &[Holding], now: i64) -> Result<()>;
    /// Replaces the Item's investment transactions dated `from` or later with `transactions`
    /// (of its stored accounts only).
    async fn replace_investment_transactions(
        &self,
        user: UserId,
        item_id: &str,
        from: NaiveDate,
        transactions: &[InvestmentTransaction],
    ) -> Result<()>;
    /// The user's positions, by account, cash first, then by value (largest first).
    async fn holdings(&self, user: UserId) -> Result<Vec<Holding>>;
    /// The user's latest `limit` investment transactions, newest first.
    async fn investment_transactions(&self, user: UserId, limit: u32) -> Result<Vec<InvestmentTransaction>>;
}

#[async_trait]
impl<DB> InvestmentStore for SqlStore<DB>
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
    async fn replace_holdings(&self, user: UserId, item_id: &str, holdings: &[Holding], now: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        // With the outbox on: what was stored, to tell whether the fetch changed anything.
        let before = match self.outbox {
            true => {
                outbox::lock_item::<DB>(&mut tx, item_id).await?;
                Some(item_holdings::<DB>(&mut tx, item_id).await?)
            }
            false => None,
        };
        sqlx::query("DELETE FROM holdings WHERE item_id = $1 AND user_id = $2")
            .bind(item_id)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        for h in holdings.iter().filter(|h| h.item_id == item_id) {
            sqlx::query(
                "INSERT INTO holdings (account_id, security_id, item_id, user_id, ticker, name, security_type, is_cash, \
                 quantity, price, price_as_of, value, cost_basis, currency, fetched_at) \
                 SELECT account_id, $3, item_id, user_id, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14 FROM accounts \
                 WHERE account_id = $1 AND item_id = $2",
            )
            .bind(h.account_id.as_str())
            .bind(item_id)
            .bind(h.security_id.as_str())
            .bind(h.ticker.as_deref())
            .bind(h.name.as_deref())
            .bind(h.security_type.as_deref())
            .bind(h.is_cash)
            .bind(h.quantity.to_string())
            .bind(h.price.to_string())
            .bind(h.price_as_of.map(|d| d.to_string()))
            .bind(h.value.to_string())
            .bind(h.cost_basis.map(|d| d.to_string()))
            .bind(h.currency.as_deref())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(before) = before {
            let after = item_holdings::<DB>(&mut tx, item_id).await?;
            if after != before {
                outbox::write::<DB>(&mut tx, user, item_id, outbox::holdings_changes(&after), now).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn replace_investment_transactions(
        &self,
        user: UserId,
        item_id: &str,
        from: NaiveDate,
        transactions: &[InvestmentTransaction],
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let before = match self.outbox {
            true => {
                outbox::lock_item::<DB>(&mut tx, item_id).await?;
                Some(item_investment_transactions::<DB>(&mut tx, item_id, from).await?)
            }
            false => None,
        };
        sqlx::query("DELETE FROM investment_transactions WHERE item_id = $1 AND user_id = $2 AND posted_date >= $3")
            .bind(item_id)
            .bind(user)
            .bind(from.to_string())
            .execute(&mut *tx)
            .await?;
        for t in transactions.iter().filter(|t| t.item_id == item_id) {
            sqlx::query(
                "INSERT INTO investment_transactions (investment_transaction_id, account_id, item_id, user_id, \
                 posted_date, name, kind, subtype, ticker, quantity, price, amount, fees, currency) \
                 SELECT $3, account_id, item_id, user_id, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 FROM accounts \
                 WHERE account_id = $1 AND item_id = $2 \
                 ON CONFLICT (investment_transaction_id) DO NOTHING",
            )
            .bind(t.account_id.as_str())
            .bind(item_id)
            .bind(t.investment_transaction_id.as_str())
            .bind(t.date.to_string())
            .bind(t.name.as_str())
            .bind(t.kind.as_str())
            .bind(t.subtype.as_str())
            .bind(t.ticker.as_deref())
            .bind(t.quantity.to_string())
            .bind(t.price.to_string())
            .bind(t.amount.to_string())
            .bind(t.fees.map(|d| d.to_string()))
            .bind(t.currency.as_deref())
            .execute(&mut *tx)
            .await?;
        }
        if let Some(before) = before {
            let after = item_investment_transactions::<DB>(&mut tx, item_id, from).await?;
            let changes = outbox::investment_transaction_changes(&before, &after);
            outbox::write::<DB>(&mut tx, user, item_id, changes, chrono::Utc::now().timestamp()).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn holdings(&self, user: UserId) -> Result<Vec<Holding>> {
        let rows: Vec<HoldingRow> =
            sqlx::query_as(&format!("SELECT {HOLDING_COLUMNS} FROM holdings WHERE user_id = $1"))
                .bind(user)
                .fetch_all(&self.pool)
                .await?;
        let mut holdings = rows.into_iter().map(HoldingRow::into_holding).collect::<Result<Vec<_>>>()?;
        // Sorted here: the value is exact decimal text, which SQL would sort as text.
        holdings.sort_by(|a, b| {
            (&a.account_id, !a.is_cash, std::cmp::Reverse(a.value), &a.security_id).cmp(&(
                &b.account_id,
                !b.is_cash,
                std::cmp::Reverse(b.value),
                &b.security_id,
            ))
        });
        Ok(holdings)
    }

    async fn investment_transactions(&self, user: UserId, limit: u32) -> Result<Vec<InvestmentTransaction>> {
        let rows: Vec<InvestmentTransactionRow> = sqlx::query_as(&format!(
            "SELECT {INVESTMENT_TRANSACTION_COLUMNS} FROM investment_transactions WHERE user_id = $1 \
             ORDER BY posted_date DESC, investment_transaction_id LIMIT $2"
        ))
        .bind(user)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(InvestmentTransactionRow::into_transaction).collect()
    }
}

/// The columns [`HoldingRow`] reads.
const HOLDING_COLUMNS: &str = "account_id, item_id, security_id, ticker, name, security_type, is_cash, quantity, \
     price, price_as_of, value, cost_basis, currency";

/// The columns [`InvestmentTransactionRow`] reads.
const INVESTMENT_TRANSACTION_COLUMNS: &str = "investment_transaction_id, account_id, item_id, posted_date, name, \
     kind, subtype, ticker, quantity, price, amount, fees, currency";

/// The Item's positions as stored now (inside a change's transaction), in a stable order.
async fn item_holdings<DB>(conn: &mut DB::Connection, item_id: &str) -> Result<Vec<Holding>>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> HoldingRow: sqlx::FromRow<'r, DB::Row>,
{
    let sql = format!("SELECT {HOLDING_COLUMNS} FROM holdings WHERE item_id = $1 ORDER BY account_id, security_id");
    let rows: Vec<HoldingRow> = sqlx::query_as(&sql).bind(item_id).fetch_all(&mut *conn).await?;
    rows.into_iter().map(HoldingRow::into_holding).collect()
}

/// The Item's investment transactions dated `from` or later as stored now, in a stable order.
async fn item_investment_transactions<DB>(
    conn: &mut DB::Connection,
    item_id: &str,
    from: NaiveDate,
) -> Result<Vec<InvestmentTransaction>>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: Column<DB>,
    for<'r> InvestmentTransactionRow: sqlx::FromRow<'r, DB::Row>,
{
    let sql = format!(
        "SELECT {INVESTMENT_TRANSACTION_COLUMNS} FROM investment_transactions \
         WHERE item_id = $1 AND posted_date >= $2 ORDER BY investment_transaction_id"
    );
    let rows: Vec<InvestmentTransactionRow> =
        sqlx::query_as(&sql).bind(item_id).bind(from.to_string()).fetch_all(&mut *conn).await?;
    rows.into_iter().map(InvestmentTransactionRow::into_transaction).collect()
}

/// Exact decimal text that must be there.
fn required(v: String) -> Result<Decimal> {
    decimal(Some(v)).ok_or(Error::Internal)
}

#[derive(sqlx::FromRow)]
struct HoldingRow {
    account_id: String,
    item_id: String,
    security_id: String,
    ticker: Option<String>,
    name: Option<String>,
    security_type: Option<String>,
    is_cash: bool,
    quantity: String,
    price: String,
    price_as_of: Option<String>,
    value: String,
    cost_basis: Option<String>,
    currency: Option<String>,
}

impl HoldingRow {
    fn into_holding(self) -> Result<Holding> {
        Ok(Holding {
            quantity: required(self.quantity)?,
            price: required(self.price)?,
            value: required(self.value)?,
            price_as_of: day(self.price_as_of),
            cost_basis: decimal(self.cost_basis),
            account_id: self.account_id,
            item_id: self.item_id,
            security_id: self.security_id,
            ticker: self.ticker,
            name: self.name,
            security_type: self.security_type,
            is_cash: self.is_cash,
            currency: self.currency,
        })
    }
}

#[derive(sqlx::FromRow)]
struct InvestmentTransactionRow {
    investment_transaction_id: String,
    account_id: String,
    item_id: String,
    posted_date: String,
    name: String,
    kind: String,
    subtype: String,
    ticker: Option<String>,
    quantity: String,
    price: String,
    amount: String,
    fees: Option<String>,
    currency: Option<String>,
}

impl InvestmentTransactionRow {
    fn into_transaction(self) -> Result<InvestmentTransaction> {
        Ok(InvestmentTransaction {
            date: day(Some(self.posted_date)).ok_or(Error::Internal)?,
            quantity: required(self.quantity)?,
            price: required(self.price)?,
            amount: required(self.amount)?,
            fees: decimal(self.fees),
            investment_transaction_id: self.investment_transaction_id,
            account_id: self.account_id,
            item_id: self.item_id,
            name: self.name,
            kind: self.kind,
            subtype: self.subtype,
            ticker: self.ticker,
            currency: self.currency,
        })
    }
}
