//! Storage: what the app and the service keep, as one trait per concern, and one SQL
//! implementation of them for both backends.
//!
//! [`SqlStore`] is generic over the sqlx backend: SQLite and Postgres run the same SQL text
//! (numbered `$n` parameters, `ON CONFLICT`, `RETURNING` and `COALESCE` mean the same on
//! both), so each query is written once. Where the dialects differ (how a sync's rows are
//! written in bulk) the [`Backend`] trait has one method per difference.
//!
//! * [`users`]: users and the database's live-mode mark ([`UserStore`]),
//! * [`items`]: Plaid Items with their sealed tokens and statuses ([`ItemStore`]),
//! * [`institutions`]: institutions' identity cached from Plaid ([`InstitutionStore`]),
//! * [`accounts`]: accounts and their balances ([`AccountStore`]),
//! * [`balances`]: the accounts' balance history ([`BalanceStore`]),
//! * [`investments`]: brokerage positions and investment transactions ([`InvestmentStore`]),
//! * [`liabilities`]: credit cards' and loans' terms and payments due ([`LiabilityStore`]),
//! * [`audit`]: bank health and each bank's audit trail, for admins ([`AuditStore`]),
//! * [`transactions`]: transactions, reports and the atomic sync ([`TransactionStore`]),
//! * [`webhooks`]: recorded webhook deliveries and their episodes ([`WebhookStore`]),
//! * [`leases`]: cross-instance leases and throttles ([`LeaseStore`]),
//! * [`outbox`]: the events each change writes for the event stream ([`OutboxStore`]),
//! * [`backend`]: the dialect differences and the bounds the shared SQL needs,
//! * [`rows`]: database rows and their conversion into the model.

pub mod accounts;
pub mod audit;
pub mod backend;
pub mod balances;
pub mod institutions;
pub mod investments;
pub mod items;
pub mod leases;
pub mod liabilities;
pub mod outbox;
mod rows;
mod sqlite_statement;
pub mod transactions;
pub mod users;
pub mod webhooks;

use std::sync::Arc;

pub use accounts::AccountStore;
pub use audit::AuditStore;
pub use backend::Backend;
pub use balances::BalanceStore;
pub use institutions::InstitutionStore;
pub use investments::InvestmentStore;
pub use items::ItemStore;
pub use leases::LeaseStore;
pub use liabilities::LiabilityStore;
pub use outbox::OutboxStore;
pub use transactions::TransactionStore;
pub use users::UserStore;
pub use webhooks::WebhookStore;

use crate::{db::Database, model::*};

/// Everything the app and the service store. Every method that reads or changes user data
/// takes the user id and only ever touches that user's rows.
pub trait Store:
    UserStore
    + ItemStore
    + InstitutionStore
    + AccountStore
    + BalanceStore
    + LiabilityStore
    + InvestmentStore
    + AuditStore
    + TransactionStore
    + WebhookStore
    + LeaseStore
    + OutboxStore
{
}

impl<T> Store for T where
    T: UserStore
        + ItemStore
        + InstitutionStore
        + AccountStore
        + BalanceStore
        + LiabilityStore
        + InvestmentStore
        + AuditStore
        + TransactionStore
        + WebhookStore
        + LeaseStore
        + OutboxStore
{
}

/// The [`Store`] on one sqlx backend: SQLite (the embedded default) or Postgres (production).
#[derive(Debug)]
pub struct SqlStore<DB: sqlx::Database> {
    pool: sqlx::Pool<DB>,
    /// Whether each change also writes its events to the outbox.
    outbox: bool,
}

impl<DB: sqlx::Database> Clone for SqlStore<DB> {
    fn clone(&self) -> Self {
        Self { pool: self.pool.clone(), outbox: self.outbox }
    }
}

/// [`Store`] on SQLite.
pub type SqliteStore = SqlStore<sqlx::Sqlite>;
/// [`Store`] on Postgres.
pub type PgStore = SqlStore<sqlx::Postgres>;

impl Database {
    /// The [`Store`] for this database, without the outbox.
    pub fn store(&self) -> Arc<dyn Store> {
        self.store_with_outbox(false)
    }

    /// The [`Store`] for this database; with `outbox`, every change also writes its events
    /// for the event stream in the same database transaction.
    pub fn store_with_outbox(&self, outbox: bool) -> Arc<dyn Store> {
        match self {
            Database::Sqlite(pool) => Arc::new(SqliteStore { pool: pool.clone(), outbox }),
            Database::Postgres(pool) => Arc::new(PgStore { pool: pool.clone(), outbox }),
        }
    }
}

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
    /// The ids among `upserts` that Plaid reported as modified (the others are new).
    pub modified: std::collections::HashSet<String>,
    /// Ids to delete.
    pub removed: Vec<String>,
    /// Accounts with their latest balances.
    pub accounts: Vec<Account>,
}
