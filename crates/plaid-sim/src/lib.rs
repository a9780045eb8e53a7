//! A Plaid-compatible simulator for simulation mode and tests.
//!
//! [`router`] answers Plaid's HTTP API (same paths, request and response shapes, errors and
//! token formats), serves `link/link-initialize.js` with the same `Plaid.create` API as
//! Plaid's Link, POSTs webhooks signed with its own ES256 key, and has a control API under
//! `/control` (not part of Plaid's API) to drive scenarios: new transactions, login-required,
//! repairs, any webhook, injected faults and mutation during pagination. One bank, Platypus
//! OAuth Bank, signs users in on its own page and returns them to the `redirect_uri` (OAuth).
//!
//! The app mounts it in-process under `/sim`; tests run it standalone with [`spawn`].

#![warn(missing_docs)]

mod api;
mod control;
mod data;
mod error;
mod link;
mod oauth;
mod state;
mod webhooks;

use std::{sync::Arc, time::Duration};

use axum::{
    routing::{get, post},
    Router,
};
use tokio::sync::Mutex;

pub use state::Fault;

/// Simulator settings.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The client id requests must carry.
    pub client_id: String,
    /// The secret requests must carry.
    pub secret: String,
    /// Seed of the generated data (same seed, same data).
    pub seed: u64,
    /// Days of history per new Item.
    pub history_days: u32,
    /// First webhook retry delay (doubles, 4 retries), shortened from Plaid's 30 s.
    pub webhook_retry_delay: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            client_id: "sim-client-id".into(),
            secret: "sim-secret".into(),
            seed: 42,
            history_days: 90,
            webhook_retry_delay: Duration::from_millis(500),
        }
    }
}

/// A running simulator's shared state. Cheap to clone.
#[derive(Clone)]
pub struct Simulator {
    pub(crate) config: Arc<SimConfig>,
    pub(crate) state: Arc<Mutex<state::State>>,
    pub(crate) signer: plaid_client::webhook::WebhookSigner,
    pub(crate) http: reqwest::Client,
}

impl Simulator {
    /// A simulator with empty state.
    pub fn new(config: SimConfig) -> Self {
        Self {
            state: Arc::new(Mutex::new(state::State::new(config.seed))),
            config: Arc::new(config),
            signer: plaid_client::webhook::WebhookSigner::generate(format!("sim-key-{}", rand::random::<u32>())),
            http: reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("http client"),
        }
    }

    /// The `kid` of the key that signs this simulator's webhooks.
    pub fn key_id(&self) -> &str {
        self.signer.kid()
    }
}

/// The simulator's routes: Plaid's API at the root, Link under `/link`, control under
/// `/control`.
pub fn router(sim: Simulator) -> Router {
    Router::new()
        .route("/link/token/create", post(api::link_token_create))
        .route("/item/public_token/exchange", post(api::public_token_exchange))
        .route("/accounts/get", post(api::accounts_get))
        .route("/accounts/balance/get", post(api::accounts_balance_get))
        .route("/transactions/sync", post(api::transactions_sync))
        .route("/transactions/refresh", post(api::transactions_refresh))
        .route("/item/get", post(api::item_get))
        .route("/item/remove", post(api::item_remove))
        .route("/item/webhook/update", post(api::item_webhook_update))
        .route("/webhook_verification_key/get", post(api::webhook_key_get))
        .route("/sandbox/public_token/create", post(api::sandbox_public_token_create))
        .route("/sandbox/item/fire_webhook", post(api::sandbox_fire_webhook))
        .route("/sandbox/item/reset_login", post(api::sandbox_reset_login))
        .route("/link/link-initialize.js", get(link::script))
        .route("/link/session", post(link::session))
        .route("/link/credentials", post(link::credentials))
        .route("/link/complete", post(link::complete))
        .route("/link/oauth/start", post(oauth::start))
        .route("/link/oauth/authorize", get(oauth::authorize_page).post(oauth::authorize))
        .route("/link/oauth/resume", post(oauth::resume))
        .route("/control/items", get(control::items))
        .route("/control/items/{item_id}/transactions", post(control::add_transactions))
        .route("/control/items/{item_id}/login-required", post(control::login_required))
        .route("/control/items/{item_id}/repair", post(control::repair))
        .route("/control/items/{item_id}/error", post(control::item_error))
        .route("/control/items/{item_id}/revoke", post(control::revoke))
        .route("/control/items/{item_id}/revoke-account", post(control::revoke_account))
        .route("/control/items/{item_id}/new-accounts", post(control::new_accounts))
        .route("/control/link-tokens/expire", post(control::expire_link_tokens))
        .route("/control/items/{item_id}/webhook", post(control::fire_webhook))
        .route("/control/items/{item_id}/mutate-next-sync", post(control::mutate_next_sync))
        .route("/control/faults", post(control::faults))
        .with_state(sim)
}

/// Runs a simulator on `127.0.0.1` at a free port; returns its base URL and handle.
pub async fn spawn(config: SimConfig) -> std::io::Result<(String, Simulator)> {
    let sim = Simulator::new(config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let app = router(sim.clone());
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "simulator stopped");
        }
    });
    Ok((url, sim))
}
