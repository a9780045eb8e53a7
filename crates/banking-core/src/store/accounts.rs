//! Accounts and their balances.

use std::sync::LazyLock;

use async_trait::async_trait;

use super::{
    backend::Column,
    outbox,
    rows::{AccountRow, ACCOUNT_COLUMNS},
    Backend, SqlStore,
};
use cashflow_api::stream::Change;

use crate::{model::*, Result};

/// The user's accounts and their latest balances.
#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    /// The user's accounts.
    async fn accounts(&self, user: UserId) -> Result<Vec<Account>>;
    /// Updates balances of the Item's accounts (inserting new accounts).
    async fn upsert_accounts(&self, user: UserId, item_id: &str, accounts: &[Account]) -> Result<()>;
    /// Deletes one account of the user's Item and its transactions (the user revoked it).
    async fn delete_account(&self, item_id: &str, account_id: &str) -> Result<()>;
    /// Keeps what the user decided about one of their accounts (for this account and the one
    /// that replaces it when the bank is linked again); `NotFound` when it is not theirs.
    async fn set_account_preferences(
        &self,
        user: UserId,
        account_id: &str,
        preferences: &AccountPreferences,
        now: i64,
    ) -> Result<()>;
    /// The user's accounts as [`AccountStore::accounts`] orders them, each with the
    /// preferences set for it, in one query (what the accounts API reads on every request).
    async fn accounts_with_preferences(&self, user: UserId) -> Result<Vec<(Account, Option<AccountPreferences>)>>;
}

/// What identifies an account across re-links (its id changes): the institution, the
/// account's type and subtype, and its mask (its name when it has none). Reads `accounts a`
/// joined with `plaid_items i`.
pub(super) const ACCOUNT_KEY: &str = "COALESCE(i.institution_id, i.institution_name) || '/' || a.account_type || '/' \
     || COALESCE(a.subtype, '') || '/' || COALESCE(a.mask, a.name)";

#[async_trait]
impl<DB> AccountStore for SqlStore<DB>
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
    async fn accounts(&self, user: UserId) -> Result<Vec<Account>> {
        let rows: Vec<AccountRow> = sqlx::query_as(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE user_id = $1 \
             ORDER BY item_id, CASE WHEN account_type = 'depository' THEN 0 ELSE 1 END, name"
        ))
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Account::from).collect())
    }

    async fn upsert_accounts(&self, user: UserId, item_id: &str, accounts: &[Account]) -> Result<()> {
        let mine: Vec<&Account> = accounts.iter().filter(|a| a.item_id == item_id).collect();
        let mut tx = self.pool.begin().await?;
        if self.outbox {
            outbox::lock_item::<DB>(&mut tx, item_id).await?;
        }
        for account in &mine {
            upsert_account::<DB>(&mut tx, user, account).await?;
        }
        if self.outbox && !mine.is_empty() {
            let updated = Change::BalancesUpdated { accounts: outbox::stored_accounts::<DB>(&mut tx, item_id).await? };
            outbox::write::<DB>(&mut tx, user, item_id, vec![updated], chrono::Utc::now().timestamp()).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn delete_account(&self, item_id: &str, account_id: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        if self.outbox {
            outbox::lock_item::<DB>(&mut tx, item_id).await?;
        }
        sqlx::query("DELETE FROM transactions WHERE item_id = $1 AND account_id = $2")
            .bind(item_id)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        let owner: Option<i64> =
            sqlx::query_scalar("DELETE FROM accounts WHERE item_id = $1 AND account_id = $2 RETURNING user_id")
                .bind(item_id)
                .bind(account_id)
                .fetch_optional(&mut *tx)
                .await?;
        if let (true, Some(user)) = (self.outbox, owner) {
            let removed = Change::AccountRemoved { account_id: account_id.to_string() };
            outbox::write::<DB>(&mut tx, user, item_id, vec![removed], chrono::Utc::now().timestamp()).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn set_account_preferences(
        &self,
        user: UserId,
        account_id: &str,
        preferences: &AccountPreferences,
        now: i64,
    ) -> Result<()> {
        let kept = sqlx::query(&format!(
            "INSERT INTO account_preferences (user_id, account_key, nickname, hidden, in_total_cash, updated_at) \
             SELECT a.user_id, {ACCOUNT_KEY}, $3, $4, $5, $6 FROM accounts a JOIN plaid_items i ON i.item_id = a.item_id \
             WHERE a.user_id = $1 AND a.account_id = $2 \
             ON CONFLICT (user_id, account_key) DO UPDATE SET nickname = excluded.nickname, hidden = excluded.hidden, \
             in_total_cash = excluded.in_total_cash, updated_at = excluded.updated_at"
        ))
        .bind(user)
        .bind(account_id)
        .bind(preferences.nickname.as_deref())
        .bind(preferences.hidden)
        .bind(preferences.in_total_cash)
        .bind(now)
        .execute(&self.pool)
        .await?;
        match DB::rows_affected(&kept) {
            0 => Err(crate::Error::NotFound("account")),
            _ => Ok(()),
        }
    }

    async fn accounts_with_preferences(&self, user: UserId) -> Result<Vec<(Account, Option<AccountPreferences>)>> {
        let rows: Vec<AccountWithPreferencesRow> = sqlx::query_as(&format!(
            "SELECT {}, p.nickname, p.hidden, p.in_total_cash \
             FROM accounts a JOIN plaid_items i ON i.item_id = a.item_id \
             LEFT JOIN account_preferences p ON p.user_id = a.user_id AND p.account_key = {ACCOUNT_KEY} \
             WHERE a.user_id = $1 \
             ORDER BY a.item_id, CASE WHEN a.account_type = 'depository' THEN 0 ELSE 1 END, a.name",
            *ACCOUNT_COLUMNS_OF_A
        ))
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let preferences = r.hidden.map(|hidden| AccountPreferences {
                    nickname: r.nickname,
                    hidden,
                    in_total_cash: r.in_total_cash.unwrap_or(true),
                });
                (Account::from(r.account), preferences)
            })
            .collect())
    }
}

/// One user's preference rows joined to their accounts.
/// An account row with the preferences joined to it (all `None` when none were set).
#[derive(sqlx::FromRow)]
struct AccountWithPreferencesRow {
    #[sqlx(flatten)]
    account: AccountRow,
    nickname: Option<String>,
    hidden: Option<bool>,
    in_total_cash: Option<bool>,
}

/// [`ACCOUNT_COLUMNS`] of the table aliased `a`.
static ACCOUNT_COLUMNS_OF_A: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    ACCOUNT_COLUMNS.split(", ").map(|c| format!("a.{}", c.trim())).collect::<Vec<_>>().join(", ")
});

/// True for a stored balance that an incoming one must not replace: the incoming figure is
/// Plaid's cached one (from a sync) and the stored real-time figure is as new or newer; a
/// cached figure without Plaid's as-of time counts as a day old.
const KEEP_STORED_BALANCE: &str = "excluded.balance_source = 'sync' AND accounts.balance_source = 'realtime' \
     AND COALESCE(accounts.balance_as_of, accounts.fetched_at) >= COALESCE(excluded.balance_as_of, excluded.fetched_at - 86400)";

/// Inserts an account or updates its names and, unless [`KEEP_STORED_BALANCE`], its balance.
static UPSERT_ACCOUNT: LazyLock<String> = LazyLock::new(|| {
    let balance_columns =
        ["available", "current_balance", "credit_limit", "currency", "balance_as_of", "fetched_at", "balance_source"]
            .map(|c| format!("{c} = CASE WHEN {KEEP_STORED_BALANCE} THEN accounts.{c} ELSE excluded.{c} END"))
            .join(", ");
    format!(
        "INSERT INTO accounts (account_id, item_id, user_id, name, official_name, mask, account_type, subtype, \
         available, current_balance, credit_limit, currency, balance_as_of, fetched_at, balance_source) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
         ON CONFLICT (account_id) DO UPDATE SET name = excluded.name, official_name = excluded.official_name, \
         {balance_columns}"
    )
});

/// Writes one account row (insert or balance update) inside a database transaction.
pub(super) async fn upsert_account<DB>(conn: &mut DB::Connection, user: UserId, a: &Account) -> Result<()>
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
    sqlx::query(UPSERT_ACCOUNT.as_str())
        .bind(&a.account_id)
        .bind(&a.item_id)
        .bind(user)
        .bind(&a.name)
        .bind(&a.official_name)
        .bind(&a.mask)
        .bind(&a.account_type)
        .bind(&a.subtype)
        .bind(a.available.map(|d| d.to_string()))
        .bind(a.current.map(|d| d.to_string()))
        .bind(a.limit.map(|d| d.to_string()))
        .bind(&a.currency)
        .bind(a.balance_as_of)
        .bind(a.fetched_at)
        .bind(a.balance_source.as_str())
        .execute(&mut *conn)
        .await?;
    super::balances::snapshot_account::<DB>(
        conn,
        &a.account_id,
        a.fetched_at,
        a.balance_source == BalanceSource::Realtime,
    )
    .await
}
