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
mod investments;
mod link;
mod logo;
mod oauth;
mod state;
mod webhooks;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex as StdMutex},
    time::Duration,
};

use axum::{
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::Response,
    routing::{get, post},
    Json, Router,
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
    /// Requests answered per route (Plaid API, Link and control alike).
    calls: Arc<StdMutex<HashMap<String, u64>>>,
}

impl Simulator {
    /// A simulator with empty state.
    pub fn new(config: SimConfig) -> Self {
        Self {
            state: Arc::new(Mutex::new(state::State::new(config.seed))),
            config: Arc::new(config),
            signer: plaid_client::webhook::WebhookSigner::generate(format!("sim-key-{}", rand::random::<u32>())),
            http: reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("http client"),
            calls: Arc::default(),
        }
    }

    /// The `kid` of the key that signs this simulator's webhooks.
    pub fn key_id(&self) -> &str {
        self.signer.kid()
    }

    /// A `Plaid-Verification` header for `body` signed with this simulator's key, as its
    /// webhooks carry (for tests of receivers).
    pub fn sign_webhook(&self, body: &[u8]) -> String {
        self.signer.sign(body, chrono::Utc::now().timestamp())
    }

    /// How many requests the route `path` (e.g. `/webhook_verification_key/get`) has
    /// answered, whatever their outcome: tests prove with it that a call was, or was not, made.
    pub fn calls(&self, path: &str) -> u64 {
        self.calls.lock().expect("call counter lock").get(path).copied().unwrap_or(0)
    }
}

/// Counts requests per matched route (so the map holds at most one entry per route).
async fn count_calls(State(sim): State<Simulator>, path: MatchedPath, request: Request, next: Next) -> Response {
    // Nested under `/sim` in the app, the matched path carries that prefix: count the route.
    let route = path.as_str().strip_prefix("/sim").unwrap_or(path.as_str()).to_string();
    *sim.calls.lock().expect("call counter lock").entry(route).or_default() += 1;
    next.run(request).await
}

/// `GET /control/calls`: requests answered per route, for scripts under `bench/`.
async fn calls(State(sim): State<Simulator>) -> Json<HashMap<String, u64>> {
    Json(sim.calls.lock().expect("call counter lock").clone())
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
        .route("/liabilities/get", post(api::liabilities_get))
        .route("/investments/holdings/get", post(api::investments_holdings_get))
        .route("/investments/transactions/get", post(api::investments_transactions_get))
        .route("/institutions/get_by_id", post(api::institutions_get_by_id))
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
        .route("/control/items/{item_id}/overdue", post(control::overdue))
        .route("/control/items/{item_id}/trade", post(control::trade))
        .route("/control/faults", post(control::faults))
        .route("/control/calls", get(calls))
        .route_layer(axum::middleware::from_fn_with_state(sim.clone(), count_calls))
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
