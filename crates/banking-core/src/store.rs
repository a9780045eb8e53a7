//! The storage trait and its SQL implementation for SQLite and Postgres.
//!
//! Both backends run the same SQL text (numbered `$n` parameters, `ON CONFLICT`, `RETURNING`
//! and `COALESCE` mean the same on both); `sql_store!` stamps out one implementation per
//! backend so the queries are written once.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::{db::Database, model::*, Error, Result};

/// A new Item to store with its accounts.
#[derive(Debug, Clone)]
pub struct NewItem {
    /// Plaid's Item id.
    pub item_id: String,
    /// Owner.
    pub user_id: UserId,
    /// Institution id.
    pub institution_id: Option<String>,
    /// Bank name.
    pub institution_name: String,
    /// Encrypted access token.
    pub token: SealedToken,
    /// The webhook URL Plaid was given for it.
    pub webhook_url: Option<String>,
}

/// An access token as stored: ciphertext and the id of the key that sealed it.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedToken {
    /// Nonce followed by ciphertext and tag.
    pub ciphertext: Vec<u8>,
    /// Key id.
    pub key_id: String,
}

impl std::fmt::Debug for SealedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedToken").field("key_id", &self.key_id).finish_non_exhaustive()
    }
}

/// An Item with its sealed token and cursor, for the service's own use.
#[derive(Debug, Clone)]
pub struct StoredItem {
    /// The Item.
    pub item: Item,
    /// Its token.
    pub token: SealedToken,
    /// Its `/transactions/sync` cursor.
    pub cursor: Option<String>,
}

/// Changes from one sync, applied together with the new cursor.
#[derive(Debug, Clone, Default)]
pub struct SyncChanges {
    /// Inserted or replaced.
    pub upserts: Vec<Transaction>,
    /// Ids to delete.
    pub removed: Vec<String>,
    /// Accounts with their latest balances.
    pub accounts: Vec<Account>,
}

/// Everything the app and the service store. Every method that reads or changes user data
/// takes the user id and only ever touches that user's rows.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Creates a user, or replaces the password and role of an existing one.
    async fn upsert_user(&self, username: &str, password_hash: &str, role: Role) -> Result<UserId>;
    /// Marks the user as a demo user (seeded in simulation mode with a published password).
    async fn mark_demo_user(&self, id: UserId) -> Result<()>;
    /// Records that the database is used in live mode (from `now`, kept if already set).
    async fn record_live_mode(&self, now: i64) -> Result<()>;
    /// Since when the database has been used in live mode, if ever.
    async fn live_since(&self) -> Result<Option<i64>>;
    /// A user by name.
    async fn user_by_name(&self, username: &str) -> Result<Option<User>>;
    /// A user by id.
    async fn user_by_id(&self, id: UserId) -> Result<Option<User>>;

    /// The user's Item at `institution_id` whose account masks equal `masks`, if any.
    async fn find_duplicate_item(&self, user: UserId, institution_id: &str, masks: &[String]) -> Result<Option<Item>>;
    /// Stores an Item and its accounts in one transaction.
    async fn insert_item(&self, item: &NewItem, accounts: &[Account]) -> Result<()>;
    /// The user's Items with their sealed tokens.
    async fn items(&self, user: UserId) -> Result<Vec<StoredItem>>;
    /// The user's Items for display: without their sealed tokens and cursors.
    async fn listed_items(&self, user: UserId) -> Result<Vec<Item>>;
    /// One of the user's Items with its token.
    async fn item(&self, user: UserId, item_id: &str) -> Result<StoredItem>;
    /// Any Item by Plaid id (webhooks and background sync, which act for the owner).
    async fn item_by_id(&self, item_id: &str) -> Result<Option<StoredItem>>;
    /// Items not synced since `before` (Unix seconds), not revoked, and not backing off
    /// after failures at `now`.
    async fn items_due_for_sync(&self, before: i64, now: i64) -> Result<Vec<Item>>;
    /// Sets status, detail (Plaid's code), the user's message and deadline; returns false if
    /// nothing changed.
    async fn set_item_status(
        &self,
        item_id: &str,
        status: ItemStatus,
        detail: Option<&str>,
        message: Option<&str>,
        deadline: Option<i64>,
    ) -> Result<bool>;
    /// Flags or clears "new accounts available".
    async fn set_needs_update(&self, item_id: &str, needs_update: bool) -> Result<()>;
    /// Records a failed sync: the message, the count of failures in a row, and when the
    /// safety net may try again.
    async fn record_sync_failure(&self, item_id: &str, message: &str, failures: i64, retry_at: i64) -> Result<()>;
    /// Ends the back-off (after a repair): the next sync may run at once.
    async fn clear_sync_backoff(&self, item_id: &str) -> Result<()>;
    /// Deletes one account of the user's Item and its transactions (the user revoked it).
    async fn delete_account(&self, item_id: &str, account_id: &str) -> Result<()>;
    /// Claims a real-time balance call for the Item at `now` unless one was made after
    /// `not_after`; false when another call (from any instance) was that recent.
    async fn claim_balance_refresh(&self, item_id: &str, now: i64, not_after: i64) -> Result<bool>;
    /// Items not revoked whose webhook URL at Plaid is not `url` (or unknown).
    async fn items_with_other_webhook(&self, url: &str) -> Result<Vec<StoredItem>>;
    /// Records the webhook URL Plaid now has for the Item.
    async fn set_item_webhook(&self, item_id: &str, url: &str) -> Result<()>;
    /// Replaces the sealed token (key rotation).
    async fn replace_token(&self, item_id: &str, token: &SealedToken) -> Result<()>;
    /// Deletes the Item with its accounts and transactions.
    async fn delete_item(&self, user: UserId, item_id: &str) -> Result<()>;

    /// The user's accounts.
    async fn accounts(&self, user: UserId) -> Result<Vec<Account>>;
    /// Updates balances of the Item's accounts (inserting new accounts).
    async fn upsert_accounts(&self, user: UserId, item_id: &str, accounts: &[Account]) -> Result<()>;
    /// The user's transactions, newest first.
    async fn transactions(&self, user: UserId, filter: &TransactionFilter) -> Result<Vec<Transaction>>;
    /// Money in and out of the user's transactions dated `from..=to`, summed exactly per
    /// account, currency and day (in the database, from the amounts' integer ten-thousandths).
    async fn daily_flows(&self, user: UserId, from: NaiveDate, to: NaiveDate) -> Result<Vec<DailyFlow>>;
    /// Number of the Item's stored transactions.
    async fn transaction_count(&self, item_id: &str) -> Result<i64>;

    /// Takes the cross-process sync lease of the Item until `until`; false if another
    /// sync holds it, in which case a follow-up is requested from the holder.
    async fn try_lease_sync(&self, item_id: &str, now: i64, until: i64) -> Result<bool>;
    /// Releases the lease; returns true when a follow-up sync was requested meanwhile.
    async fn release_sync(&self, item_id: &str) -> Result<bool>;
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

    /// Records a webhook delivery at `now`. The same body counts as a redelivery of its
    /// current episode while that episode is unhandled, or began at or after `window_start`
    /// with no other webhook for the Item since; otherwise it begins a new episode (a new
    /// event). Returns the episode and whether it still needs action.
    async fn record_webhook(
        &self,
        body_sha256: &str,
        item_id: Option<&str>,
        kind: &str,
        body: &str,
        now: i64,
        window_start: i64,
    ) -> Result<(i64, bool)>;
    /// Takes the right to act on an unhandled episode until `until`; false when it is handled
    /// or another delivery is acting on it.
    async fn claim_webhook(&self, body_sha256: &str, episode: i64, now: i64, until: i64) -> Result<bool>;
    /// Gives the claim back after acting failed, so a redelivery or the safety net retries.
    async fn release_webhook(&self, body_sha256: &str, episode: i64) -> Result<()>;
    /// Marks an episode of a recorded webhook body as acted on.
    async fn mark_webhook_handled(&self, body_sha256: &str, episode: i64, now: i64) -> Result<()>;
    /// Makes every recorded webhook of the Item start a new episode when it next arrives
    /// (the user resolved what they reported, e.g. in update mode).
    async fn supersede_webhooks(&self, item_id: &str) -> Result<()>;
    /// Up to `limit` recorded, never handled, unclaimed webhooks received between `from` and
    /// `to` (Unix seconds), oldest first, as (body SHA-256, episode, body).
    async fn unhandled_webhooks(&self, from: i64, to: i64, limit: i64) -> Result<Vec<(String, i64, String)>>;
    /// Deletes recorded webhooks last delivered before `before`; returns how many.
    async fn prune_webhooks(&self, before: i64) -> Result<u64>;
    /// Number of recorded webhook bodies (audit).
    async fn webhook_count(&self) -> Result<i64>;

    /// Counts a failed sign-in for `username_key` at `now`; a count whose last failure is at
    /// or before `stale_before` starts again at 1 (and such rows are pruned).
    async fn record_sign_in_failure(&self, username_key: &str, now: i64, stale_before: i64) -> Result<()>;
    /// The failure count of `username_key` and the time of its last failure, if any.
    async fn sign_in_failures(&self, username_key: &str) -> Result<Option<(i64, i64)>>;
    /// Forgets the failures of `username_key`.
    async fn clear_sign_in_failures(&self, username_key: &str) -> Result<()>;
}

impl Database {
    /// The [`Store`] for this database.
    pub fn store(&self) -> Arc<dyn Store> {
        match self {
            Database::Sqlite(pool) => Arc::new(SqliteStore { pool: pool.clone() }),
            Database::Postgres(pool) => Arc::new(PgStore { pool: pool.clone() }),
        }
    }
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    role: String,
    password_hash: String,
    demo: bool,
}

impl TryFrom<UserRow> for User {
    type Error = Error;
    fn try_from(r: UserRow) -> Result<Self> {
        Ok(User {
            id: r.id,
            username: r.username,
            role: r.role.parse()?,
            password_hash: r.password_hash.into(),
            demo: r.demo,
        })
    }
}

const ITEM_COLUMNS: &str =
    "item_id, user_id, institution_id, institution_name, status, status_detail, status_message, status_deadline, \
     needs_update, last_sync_at, last_sync_error, sync_failures, sync_retry_at, access_token_ciphertext, key_id, \
     sync_cursor";

#[derive(sqlx::FromRow)]
struct ItemRow {
    #[sqlx(flatten)]
    item: ItemViewRow,
    access_token_ciphertext: Vec<u8>,
    key_id: String,
    sync_cursor: Option<String>,
}

/// The Item columns shown to users: no token, no cursor.
const ITEM_VIEW_COLUMNS: &str =
    "item_id, user_id, institution_id, institution_name, status, status_detail, status_message, status_deadline, \
     needs_update, last_sync_at, last_sync_error, sync_failures, sync_retry_at";

#[derive(sqlx::FromRow)]
struct ItemViewRow {
    item_id: String,
    user_id: i64,
    institution_id: Option<String>,
    institution_name: String,
    status: String,
    status_detail: Option<String>,
    status_message: Option<String>,
    status_deadline: Option<i64>,
    needs_update: bool,
    last_sync_at: Option<i64>,
    last_sync_error: Option<String>,
    sync_failures: i64,
    sync_retry_at: Option<i64>,
}

impl From<ItemViewRow> for Item {
    fn from(r: ItemViewRow) -> Self {
        Item {
            item_id: r.item_id,
            user_id: r.user_id,
            institution_id: r.institution_id,
            institution_name: r.institution_name,
            status: ItemStatus::parse(&r.status),
            status_detail: r.status_detail,
            status_message: r.status_message,
            status_deadline: r.status_deadline,
            needs_update: r.needs_update,
            last_sync_at: r.last_sync_at,
            last_sync_error: r.last_sync_error,
            sync_failures: r.sync_failures,
            sync_retry_at: r.sync_retry_at,
        }
    }
}

impl From<ItemRow> for StoredItem {
    fn from(r: ItemRow) -> Self {
        StoredItem {
            item: Item::from(r.item),
            token: SealedToken { ciphertext: r.access_token_ciphertext, key_id: r.key_id },
            cursor: r.sync_cursor,
        }
    }
}

const ACCOUNT_COLUMNS: &str = "account_id, item_id, name, official_name, mask, account_type, subtype, available, \
     current_balance, credit_limit, currency, balance_as_of, fetched_at, balance_source";

#[derive(sqlx::FromRow)]
struct AccountRow {
    account_id: String,
    item_id: String,
    name: String,
    official_name: Option<String>,
    mask: Option<String>,
    account_type: String,
    subtype: Option<String>,
    available: Option<String>,
    current_balance: Option<String>,
    credit_limit: Option<String>,
    currency: Option<String>,
    balance_as_of: Option<i64>,
    fetched_at: i64,
    balance_source: String,
}

fn decimal(v: Option<String>) -> Option<Decimal> {
    v.and_then(|s| s.parse().ok())
}

impl From<AccountRow> for Account {
    fn from(r: AccountRow) -> Self {
        Account {
            account_id: r.account_id,
            item_id: r.item_id,
            name: r.name,
            official_name: r.official_name,
            mask: r.mask,
            account_type: r.account_type,
            subtype: r.subtype,
            available: decimal(r.available),
            current: decimal(r.current_balance),
            limit: decimal(r.credit_limit),
            currency: r.currency,
            balance_as_of: r.balance_as_of,
            fetched_at: r.fetched_at,
            balance_source: if r.balance_source == "realtime" { BalanceSource::Realtime } else { BalanceSource::Sync },
        }
    }
}

const TRANSACTION_COLUMNS: &str =
    "transaction_id, account_id, item_id, amount, currency, posted_date, authorized_date, \
     name, merchant_name, category, pending, pending_transaction_id";

#[derive(sqlx::FromRow)]
struct TransactionRow {
    transaction_id: String,
    account_id: String,
    item_id: String,
    amount: String,
    currency: Option<String>,
    posted_date: String,
    authorized_date: Option<String>,
    name: String,
    merchant_name: Option<String>,
    category: Option<String>,
    pending: bool,
    pending_transaction_id: Option<String>,
}

impl TryFrom<TransactionRow> for Transaction {
    type Error = Error;
    fn try_from(r: TransactionRow) -> Result<Self> {
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| Error::Internal);
        Ok(Transaction {
            amount: r.amount.parse().map_err(|_| Error::Internal)?,
            date: date(&r.posted_date)?,
            authorized_date: r.authorized_date.as_deref().map(date).transpose()?,
            transaction_id: r.transaction_id,
            account_id: r.account_id,
            item_id: r.item_id,
            currency: r.currency,
            name: r.name,
            merchant_name: r.merchant_name,
            category: r.category,
            pending: r.pending,
            pending_transaction_id: r.pending_transaction_id,
        })
    }
}

/// Writes one account row (insert or balance update) inside any executor. A cached figure
/// (from a sync) does not replace a real-time one that is newer: a cached figure whose
/// as-of Plaid did not give counts as a day old.
macro_rules! upsert_account {
    ($executor:expr, $user:expr, $account:expr) => {{
        let a = $account;
        sqlx::query(
            "INSERT INTO accounts (account_id, item_id, user_id, name, official_name, mask, account_type, subtype, \
             available, current_balance, credit_limit, currency, balance_as_of, fetched_at, balance_source) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT (account_id) DO UPDATE SET name = excluded.name, official_name = excluded.official_name, \
             available = CASE WHEN (excluded.balance_source = 'sync' AND accounts.balance_source = 'realtime' \
             AND COALESCE(accounts.balance_as_of, accounts.fetched_at) >= COALESCE(excluded.balance_as_of, excluded.fetched_at - 86400)) THEN accounts.available ELSE excluded.available END, \
             current_balance = CASE WHEN (excluded.balance_source = 'sync' AND accounts.balance_source = 'realtime' \
             AND COALESCE(accounts.balance_as_of, accounts.fetched_at) >= COALESCE(excluded.balance_as_of, excluded.fetched_at - 86400)) THEN accounts.current_balance ELSE excluded.current_balance END, \
             credit_limit = CASE WHEN (excluded.balance_source = 'sync' AND accounts.balance_source = 'realtime' \
             AND COALESCE(accounts.balance_as_of, accounts.fetched_at) >= COALESCE(excluded.balance_as_of, excluded.fetched_at - 86400)) THEN accounts.credit_limit ELSE excluded.credit_limit END, \
             currency = CASE WHEN (excluded.balance_source = 'sync' AND accounts.balance_source = 'realtime' \
             AND COALESCE(accounts.balance_as_of, accounts.fetched_at) >= COALESCE(excluded.balance_as_of, excluded.fetched_at - 86400)) THEN accounts.currency ELSE excluded.currency END, \
             balance_as_of = CASE WHEN (excluded.balance_source = 'sync' AND accounts.balance_source = 'realtime' \
             AND COALESCE(accounts.balance_as_of, accounts.fetched_at) >= COALESCE(excluded.balance_as_of, excluded.fetched_at - 86400)) THEN accounts.balance_as_of ELSE excluded.balance_as_of END, \
             fetched_at = CASE WHEN (excluded.balance_source = 'sync' AND accounts.balance_source = 'realtime' \
             AND COALESCE(accounts.balance_as_of, accounts.fetched_at) >= COALESCE(excluded.balance_as_of, excluded.fetched_at - 86400)) THEN accounts.fetched_at ELSE excluded.fetched_at END, \
             balance_source = CASE WHEN (excluded.balance_source = 'sync' AND accounts.balance_source = 'realtime' \
             AND COALESCE(accounts.balance_as_of, accounts.fetched_at) >= COALESCE(excluded.balance_as_of, excluded.fetched_at - 86400)) THEN accounts.balance_source ELSE excluded.balance_source END",
        )
        .bind(&a.account_id)
        .bind(&a.item_id)
        .bind($user)
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
        .execute($executor)
        .await?;
    }};
}

/// Rows per multi-row statement: 14 parameters each stays far below SQLite's 32766 and
/// Postgres' 65535 bind limits.
const ROWS_PER_STATEMENT: usize = 200;

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

/// Implements [`Store`] for one sqlx backend with the shared SQL.
macro_rules! sql_store {
    ($(#[$doc:meta])* $name:ident, $pool:ty, $db:ty, $upsert_transactions:path) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name {
            pool: $pool,
        }

        #[async_trait]
        impl Store for $name {
            #[tracing::instrument(skip_all, fields(username = %username))]
            async fn upsert_user(&self, username: &str, password_hash: &str, role: Role) -> Result<UserId> {
                let id = sqlx::query_scalar(
                    "INSERT INTO users (username, password_hash, role, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role, demo = FALSE \
                     RETURNING id",
                )
                .bind(username)
                .bind(password_hash)
                .bind(role.as_str())
                .bind(chrono::Utc::now().timestamp())
                .fetch_one(&self.pool)
                .await?;
                Ok(id)
            }

            async fn mark_demo_user(&self, id: UserId) -> Result<()> {
                sqlx::query("UPDATE users SET demo = TRUE WHERE id = $1").bind(id).execute(&self.pool).await?;
                Ok(())
            }

            async fn record_live_mode(&self, now: i64) -> Result<()> {
                sqlx::query("INSERT INTO app_mode (id, live_since) VALUES (1, $1) ON CONFLICT (id) DO NOTHING")
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn live_since(&self) -> Result<Option<i64>> {
                Ok(sqlx::query_scalar("SELECT live_since FROM app_mode WHERE id = 1").fetch_optional(&self.pool).await?)
            }

            async fn user_by_name(&self, username: &str) -> Result<Option<User>> {
                sqlx::query_as::<_, UserRow>("SELECT id, username, role, password_hash, demo FROM users WHERE username = $1")
                    .bind(username)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(User::try_from)
                    .transpose()
            }

            async fn user_by_id(&self, id: UserId) -> Result<Option<User>> {
                sqlx::query_as::<_, UserRow>("SELECT id, username, role, password_hash, demo FROM users WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(User::try_from)
                    .transpose()
            }

            #[tracing::instrument(skip_all, fields(user = user, institution_id = %institution_id))]
            async fn find_duplicate_item(&self, user: UserId, institution_id: &str, masks: &[String]) -> Result<Option<Item>> {
                // One query for every (item, account mask) pair at this institution.
                let pairs: Vec<(String, Option<String>)> = sqlx::query_as(
                    "SELECT i.item_id, a.mask FROM plaid_items i LEFT JOIN accounts a ON a.item_id = i.item_id \
                     WHERE i.user_id = $1 AND i.institution_id = $2 AND i.status <> 'revoked' \
                     ORDER BY i.created_at, i.item_id",
                )
                .bind(user)
                .bind(institution_id)
                .fetch_all(&self.pool)
                .await?;
                // Same institution and an overlapping set of accounts is the same login.
                let duplicate = pairs
                    .iter()
                    .find(|(_, mask)| masks.is_empty() || mask.as_ref().is_some_and(|m| masks.contains(m)))
                    .map(|(item_id, _)| item_id.clone());
                match duplicate {
                    Some(item_id) => Ok(Some(self.item(user, &item_id).await?.item)),
                    None => Ok(None),
                }
            }

            #[tracing::instrument(skip_all, fields(item_id = %item.item_id, user = item.user_id))]
            async fn insert_item(&self, item: &NewItem, accounts: &[Account]) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "INSERT INTO plaid_items (item_id, user_id, institution_id, institution_name, \
                     access_token_ciphertext, key_id, created_at, webhook_url) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&item.item_id)
                .bind(item.user_id)
                .bind(&item.institution_id)
                .bind(&item.institution_name)
                .bind(&item.token.ciphertext)
                .bind(&item.token.key_id)
                .bind(chrono::Utc::now().timestamp())
                .bind(&item.webhook_url)
                .execute(&mut *tx)
                .await?;
                for account in accounts {
                    upsert_account!(&mut *tx, item.user_id, account);
                }
                tx.commit().await?;
                Ok(())
            }

            async fn items(&self, user: UserId) -> Result<Vec<StoredItem>> {
                let rows: Vec<ItemRow> = sqlx::query_as(&format!(
                    "SELECT {ITEM_COLUMNS} FROM plaid_items WHERE user_id = $1 ORDER BY created_at, item_id"
                ))
                .bind(user)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(StoredItem::from).collect())
            }

            async fn listed_items(&self, user: UserId) -> Result<Vec<Item>> {
                let rows: Vec<ItemViewRow> = sqlx::query_as(&format!(
                    "SELECT {ITEM_VIEW_COLUMNS} FROM plaid_items WHERE user_id = $1 ORDER BY created_at, item_id"
                ))
                .bind(user)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Item::from).collect())
            }

            async fn item(&self, user: UserId, item_id: &str) -> Result<StoredItem> {
                let row: Option<ItemRow> = sqlx::query_as(&format!(
                    "SELECT {ITEM_COLUMNS} FROM plaid_items WHERE user_id = $1 AND item_id = $2"
                ))
                .bind(user)
                .bind(item_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(StoredItem::from).ok_or(Error::NotFound("bank connection"))
            }

            async fn item_by_id(&self, item_id: &str) -> Result<Option<StoredItem>> {
                let row: Option<ItemRow> =
                    sqlx::query_as(&format!("SELECT {ITEM_COLUMNS} FROM plaid_items WHERE item_id = $1"))
                        .bind(item_id)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(StoredItem::from))
            }

            async fn items_due_for_sync(&self, before: i64, now: i64) -> Result<Vec<Item>> {
                let rows: Vec<ItemRow> = sqlx::query_as(&format!(
                    "SELECT {ITEM_COLUMNS} FROM plaid_items WHERE status <> 'revoked' \
                     AND COALESCE(last_sync_at, 0) < $1 AND COALESCE(sync_retry_at, 0) <= $2 \
                     ORDER BY COALESCE(last_sync_at, 0)"
                ))
                .bind(before)
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|r| StoredItem::from(r).item).collect())
            }

            async fn set_item_status(&self, item_id: &str, status: ItemStatus, detail: Option<&str>, message: Option<&str>, deadline: Option<i64>) -> Result<bool> {
                let result = sqlx::query(
                    "UPDATE plaid_items SET status = $2, status_detail = $3, status_deadline = $4, status_message = $5 \
                     WHERE item_id = $1 \
                     AND (status <> $2 OR COALESCE(status_detail, '') <> COALESCE($3, '') \
                          OR COALESCE(status_deadline, 0) <> COALESCE($4, 0) \
                          OR COALESCE(status_message, '') <> COALESCE($5, ''))",
                )
                .bind(item_id)
                .bind(status.as_str())
                .bind(detail)
                .bind(deadline)
                .bind(message)
                .execute(&self.pool)
                .await?;
                Ok(result.rows_affected() > 0)
            }

            async fn set_needs_update(&self, item_id: &str, needs_update: bool) -> Result<()> {
                sqlx::query("UPDATE plaid_items SET needs_update = $2 WHERE item_id = $1")
                    .bind(item_id)
                    .bind(needs_update)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn record_sync_failure(&self, item_id: &str, message: &str, failures: i64, retry_at: i64) -> Result<()> {
                sqlx::query(
                    "UPDATE plaid_items SET last_sync_error = $2, sync_failures = $3, sync_retry_at = $4 WHERE item_id = $1",
                )
                .bind(item_id)
                .bind(message)
                .bind(failures)
                .bind(retry_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn clear_sync_backoff(&self, item_id: &str) -> Result<()> {
                sqlx::query("UPDATE plaid_items SET sync_failures = 0, sync_retry_at = NULL WHERE item_id = $1")
                    .bind(item_id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn delete_account(&self, item_id: &str, account_id: &str) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query("DELETE FROM transactions WHERE item_id = $1 AND account_id = $2")
                    .bind(item_id).bind(account_id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM accounts WHERE item_id = $1 AND account_id = $2")
                    .bind(item_id).bind(account_id).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn claim_balance_refresh(&self, item_id: &str, now: i64, not_after: i64) -> Result<bool> {
                let claimed = sqlx::query(
                    "UPDATE plaid_items SET balance_refresh_at = $2 \
                     WHERE item_id = $1 AND COALESCE(balance_refresh_at, 0) <= $3",
                )
                .bind(item_id)
                .bind(now)
                .bind(not_after)
                .execute(&self.pool)
                .await?;
                Ok(claimed.rows_affected() == 1)
            }

            async fn items_with_other_webhook(&self, url: &str) -> Result<Vec<StoredItem>> {
                let rows: Vec<ItemRow> = sqlx::query_as(&format!(
                    "SELECT {ITEM_COLUMNS} FROM plaid_items \
                     WHERE COALESCE(webhook_url, '') <> $1 AND status <> 'revoked' ORDER BY created_at, item_id"
                ))
                .bind(url)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(StoredItem::from).collect())
            }

            async fn set_item_webhook(&self, item_id: &str, url: &str) -> Result<()> {
                sqlx::query("UPDATE plaid_items SET webhook_url = $2 WHERE item_id = $1")
                    .bind(item_id)
                    .bind(url)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn replace_token(&self, item_id: &str, token: &SealedToken) -> Result<()> {
                sqlx::query("UPDATE plaid_items SET access_token_ciphertext = $2, key_id = $3 WHERE item_id = $1")
                    .bind(item_id)
                    .bind(&token.ciphertext)
                    .bind(&token.key_id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            #[tracing::instrument(skip_all, fields(user = user, item_id = %item_id))]
            async fn delete_item(&self, user: UserId, item_id: &str) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                // Children first: foreign keys may be off in older SQLite files.
                sqlx::query("DELETE FROM transactions WHERE item_id = $1 AND user_id = $2")
                    .bind(item_id).bind(user).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM accounts WHERE item_id = $1 AND user_id = $2")
                    .bind(item_id).bind(user).execute(&mut *tx).await?;
                let gone = sqlx::query("DELETE FROM plaid_items WHERE item_id = $1 AND user_id = $2")
                    .bind(item_id).bind(user).execute(&mut *tx).await?;
                if gone.rows_affected() == 0 {
                    return Err(Error::NotFound("bank connection"));
                }
                tx.commit().await?;
                Ok(())
            }

            async fn accounts(&self, user: UserId) -> Result<Vec<Account>> {
                let rows: Vec<AccountRow> = sqlx::query_as(&format!(
                    "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE user_id = $1 ORDER BY item_id, CASE WHEN account_type = 'depository' THEN 0 ELSE 1 END, name"
                ))
                .bind(user)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Account::from).collect())
            }

            async fn upsert_accounts(&self, user: UserId, item_id: &str, accounts: &[Account]) -> Result<()> {
                let mut tx = self.pool.begin().await?;
                for account in accounts.iter().filter(|a| a.item_id == item_id) {
                    upsert_account!(&mut *tx, user, account);
                }
                tx.commit().await?;
                Ok(())
            }

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
                .bind(i64::from(filter.limit.clamp(1, 500)))
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
                    flows.push(DailyFlow { account_id, currency, date: date(&day)?, money_in: e4(money_in), money_out: e4(money_out) });
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
                if taken.rows_affected() == 1 {
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

            #[tracing::instrument(skip_all, fields(item_id = %item_id, user = user, added = changes.upserts.len(), removed = changes.removed.len()))]
            async fn apply_sync(&self, item_id: &str, user: UserId, expected_cursor: Option<&str>, next_cursor: &str, changes: &SyncChanges, now: i64) -> Result<bool> {
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
                if moved.rows_affected() != 1 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                $upsert_transactions(&mut tx, item_id, user, &latest_per_id(&changes.upserts), now).await?;
                for chunk in changes.removed.chunks(ROWS_PER_STATEMENT) {
                    let mut delete = sqlx::QueryBuilder::<$db>::new("DELETE FROM transactions WHERE item_id = ");
                    delete.push_bind(item_id).push(" AND transaction_id IN (");
                    let mut ids = delete.separated(", ");
                    for id in chunk {
                        ids.push_bind(id);
                    }
                    ids.push_unseparated(")");
                    delete.build().execute(&mut *tx).await?;
                }
                for account in &changes.accounts {
                    upsert_account!(&mut *tx, user, account);
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn record_webhook(&self, body_sha256: &str, item_id: Option<&str>, kind: &str, body: &str, now: i64, window_start: i64) -> Result<(i64, bool)> {
                let mut tx = self.pool.begin().await?;
                if let Some(item_id) = item_id {
                    // Another webhook for the Item: a later copy of an earlier body is a new event.
                    sqlx::query(
                        "UPDATE webhook_events SET superseded = TRUE \
                         WHERE item_id = $1 AND body_sha256 <> $2 AND NOT superseded",
                    )
                    .bind(item_id)
                    .bind(body_sha256)
                    .execute(&mut *tx)
                    .await?;
                }
                // Every SET expression reads the row as it was, on both backends.
                let (episode, handled_at): (i64, Option<i64>) = sqlx::query_as(
                    "INSERT INTO webhook_events (body_sha256, item_id, kind, body, received_at, last_received_at) \
                     VALUES ($1, $2, $3, $4, $5, $5) \
                     ON CONFLICT (body_sha256) DO UPDATE SET deliveries = webhook_events.deliveries + 1, \
                       last_received_at = excluded.last_received_at, \
                       episodes = CASE WHEN webhook_events.handled_at IS NOT NULL \
                         AND (webhook_events.received_at < $6 OR webhook_events.superseded) \
                         THEN webhook_events.episodes + 1 ELSE webhook_events.episodes END, \
                       received_at = CASE WHEN webhook_events.handled_at IS NOT NULL \
                         AND (webhook_events.received_at < $6 OR webhook_events.superseded) \
                         THEN excluded.received_at ELSE webhook_events.received_at END, \
                       claimed_until = CASE WHEN webhook_events.handled_at IS NOT NULL \
                         AND (webhook_events.received_at < $6 OR webhook_events.superseded) \
                         THEN NULL ELSE webhook_events.claimed_until END, \
                       handled_at = CASE WHEN webhook_events.handled_at IS NOT NULL \
                         AND (webhook_events.received_at < $6 OR webhook_events.superseded) \
                         THEN NULL ELSE webhook_events.handled_at END, \
                       superseded = FALSE \
                     RETURNING episodes, handled_at",
                )
                .bind(body_sha256)
                .bind(item_id)
                .bind(kind)
                .bind(body)
                .bind(now)
                .bind(window_start)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok((episode, handled_at.is_none()))
            }

            async fn claim_webhook(&self, body_sha256: &str, episode: i64, now: i64, until: i64) -> Result<bool> {
                let claimed = sqlx::query(
                    "UPDATE webhook_events SET claimed_until = $4 WHERE body_sha256 = $1 AND episodes = $2 \
                     AND handled_at IS NULL AND COALESCE(claimed_until, 0) < $3",
                )
                .bind(body_sha256)
                .bind(episode)
                .bind(now)
                .bind(until)
                .execute(&self.pool)
                .await?;
                Ok(claimed.rows_affected() == 1)
            }

            async fn release_webhook(&self, body_sha256: &str, episode: i64) -> Result<()> {
                sqlx::query("UPDATE webhook_events SET claimed_until = NULL WHERE body_sha256 = $1 AND episodes = $2")
                    .bind(body_sha256)
                    .bind(episode)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn unhandled_webhooks(&self, from: i64, to: i64, limit: i64) -> Result<Vec<(String, i64, String)>> {
                Ok(sqlx::query_as(
                    "SELECT body_sha256, episodes, body FROM webhook_events \
                     WHERE handled_at IS NULL AND received_at >= $1 AND received_at <= $2 \
                     AND COALESCE(claimed_until, 0) < $2 ORDER BY received_at LIMIT $3",
                )
                .bind(from)
                .bind(to)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn mark_webhook_handled(&self, body_sha256: &str, episode: i64, now: i64) -> Result<()> {
                sqlx::query(
                    "UPDATE webhook_events SET handled_at = $3, claimed_until = NULL \
                     WHERE body_sha256 = $1 AND episodes = $2 AND handled_at IS NULL",
                )
                .bind(body_sha256)
                .bind(episode)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn supersede_webhooks(&self, item_id: &str) -> Result<()> {
                sqlx::query("UPDATE webhook_events SET superseded = TRUE WHERE item_id = $1 AND NOT superseded")
                    .bind(item_id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn prune_webhooks(&self, before: i64) -> Result<u64> {
                let pruned = sqlx::query("DELETE FROM webhook_events WHERE last_received_at < $1")
                    .bind(before)
                    .execute(&self.pool)
                    .await?;
                Ok(pruned.rows_affected())
            }

            async fn webhook_count(&self) -> Result<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM webhook_events").fetch_one(&self.pool).await?)
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
    };
}

sql_store!(
    /// [`Store`] on SQLite (the embedded default).
    SqliteStore,
    sqlx::SqlitePool,
    sqlx::Sqlite,
    upsert_transactions_sqlite
);
sql_store!(
    /// [`Store`] on Postgres (production).
    PgStore,
    sqlx::PgPool,
    sqlx::Postgres,
    upsert_transactions_postgres
);

/// `amount` in integer ten-thousandths, when it has at most four decimals (reports sum these
/// in the database; other amounts are read as decimal text).
fn amount_e4(amount: Decimal) -> Option<i64> {
    use rust_decimal::prelude::ToPrimitive;
    (amount.normalize().scale() <= 4).then(|| (amount * Decimal::new(10_000, 0)).to_i64()).flatten()
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
async fn upsert_transactions_sqlite(
    tx: &mut sqlx::SqliteConnection,
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
        insert.build().execute(&mut *tx).await?;
    }
    Ok(())
}

/// Postgres: one statement for the whole sync, each column bound as one array and unnested
/// (a few binds however many rows, instead of 14 per row).
async fn upsert_transactions_postgres(
    tx: &mut sqlx::PgConnection,
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
    .execute(&mut *tx)
    .await?;
    Ok(())
}
