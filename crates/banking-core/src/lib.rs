//! The banking domain: users' Plaid Items with access tokens encrypted at rest, their
//! accounts, balances and transactions, kept current through `/transactions/sync` and Plaid
//! webhooks, with a live event for every change a user would see.
//!
//! * [`db::Database`] connects to SQLite or Postgres (chosen by URL) and runs the migrations.
//! * [`store::Store`] is the storage trait; [`store::SqliteStore`] and [`store::PgStore`] implement it.
//! * [`crypto::TokenCipher`] encrypts access tokens (AES-256-GCM, user and item bound).
//! * [`BankingService`] is what the app calls; [`events::EventBus`] carries live updates.
//! * [`relay`] publishes the outbox's events (written with each change when the store is
//!   opened with the outbox) to NATS JetStream.
//! * [`users`] hashes and checks passwords for the app's sign-in; [`throttle`] locks out
//!   a username after repeated failures.

#![warn(missing_docs)]

mod admin;
pub mod balance_history;
pub mod crypto;
pub mod db;
mod error;
pub mod events;
mod institutions;
mod investments;
mod liabilities;
pub mod lifecycle;
pub mod model;
mod products;
pub mod relay;
pub mod reports;
mod service;
pub mod store;
mod sync;
mod sync_now;
#[cfg(any(test, feature = "test-util"))]
pub mod testing;
pub mod throttle;
pub mod users;
mod webhooks;

pub use error::{Error, Result};
pub use service::{BalanceRefresh, BankingConfig, BankingService, LinkMetadata, LinkToken};
pub use sync_now::SyncNow;
pub use webhooks::RecordedWebhook;
