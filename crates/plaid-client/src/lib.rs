//! A typed async client for the [Plaid API](https://plaid.com/docs/api/), pinned to
//! `Plaid-Version: 2020-09-14`.
//!
//! * One request type per endpoint ([`Endpoint`]), sent with [`PlaidClient::send`], which
//!   retries what is safe to retry ([`retry`]) and turns Plaid's error object into
//!   [`Error::Api`].
//! * [`PlaidClient::sync_transactions`] pages `/transactions/sync` to the end and restarts on
//!   `TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION`.
//! * [`webhook::WebhookVerifier`] verifies the `Plaid-Verification` JWT of incoming webhooks.
//!
//! Money is [`rust_decimal::Decimal`], not `f64`: balances and amounts are summed later and must
//! not drift. Plaid sends them as JSON numbers with at most a few decimals, which convert exactly.
//!
//! ```no_run
//! use plaid_client::{api::AccountsGetRequest, AccessToken, Environment, PlaidClient};
//!
//! # async fn demo() -> Result<(), plaid_client::Error> {
//! let client = PlaidClient::builder(Environment::Sandbox, "client-id", "secret").build()?;
//! let token = AccessToken::new("access-sandbox-123");
//! let accounts = client.send(&AccountsGetRequest::new(&token)).await?;
//! for account in accounts.accounts {
//!     println!("{} {:?}", account.name, account.balances.current);
//! }
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod api;
mod client;
mod config;
mod error;
pub mod retry;
mod secret;
mod sync;
pub mod webhook;

pub use client::{PlaidClient, PlaidClientBuilder};
pub use config::{Environment, PlaidConfig};
pub use error::{Error, PlaidApiError};
pub use secret::AccessToken;
pub use sync::SyncResult;

/// The Plaid API version every request is pinned to.
pub const PLAID_VERSION: &str = "2020-09-14";

/// A Plaid endpoint: its path, its response type, and whether repeating it is safe.
pub trait Endpoint: serde::Serialize {
    /// Path below the environment's base URL, e.g. `/accounts/get`.
    const PATH: &'static str;
    /// True when sending the request twice has the same effect as once, so a timeout or a 5xx
    /// may be retried. Requests that are not (token exchange, item removal) are retried only on
    /// 429, which Plaid answers before doing anything.
    const IDEMPOTENT: bool;
    /// The typed body of a 200 response.
    type Response: serde::de::DeserializeOwned + std::fmt::Debug;
}
