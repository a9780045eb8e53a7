//! Shared state of the server.

use axum::extract::FromRef;
use banking_core::{db::Database, store::Store, throttle::SignInThrottle, BankingService};
use leptos::prelude::LeptosOptions;
use std::sync::Arc;
use tokio::sync::watch;

/// Everything handlers and server functions need ([`Shared`]), behind one pointer: every
/// request clones it several times (each middleware with state, each server function's
/// context), and cloning the fields one by one showed up in the accounts API's profile (about
/// a tenth of its CPU with the allocations it made).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    /// The state holding `shared`.
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// Leptos' handlers read their settings from the state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// What [`AppState`] holds.
pub struct Shared {
    /// Leptos settings (site root, output name).
    pub leptos_options: LeptosOptions,
    /// The database.
    pub db: Database,
    /// Users and banking data.
    pub store: Arc<dyn Store>,
    /// Banking operations.
    pub banking: BankingService,
    /// Webhook verification.
    pub verifier: plaid_client::webhook::WebhookVerifier,
    /// Our public URL (`PUBLIC_URL`, else the listen address): its origin is the only one
    /// allowed to POST, its scheme decides HSTS, and `next` redirects resolve against it.
    pub public_url: url::Url,
    /// Flips to true when shutdown starts; long-lived streams end on it.
    pub shutdown: watch::Receiver<bool>,
    /// Whether Plaid is simulated (the Link script URL differs).
    pub simulation: bool,
    /// Live mode: the Plaid environment's origin (`https://production.plaid.com`), which
    /// the Content-Security-Policy lets Link call. `None` in simulation mode.
    pub plaid_api_origin: Option<String>,
    /// User ids that just signed out: their event streams end.
    pub signed_out: tokio::sync::broadcast::Sender<i64>,
    /// Failed sign-ins per username, counted in the database.
    pub sign_in_throttle: SignInThrottle,
    /// Slots for live-event streams (capped per user and in all).
    pub streams: super::streams::StreamSlots,
    /// Signed-in users cached for requests (forget one whose password or role changes).
    pub users: super::auth_backend::UserCache,
    /// The bound on password hashing (sign-in, password changes).
    pub hashing: banking_core::users::Hashing,
    /// Link tokens asked for per user (each is a Plaid call).
    pub link_tokens: super::rate_limit::RateLimiter<banking_core::model::UserId>,
}
