//! The axum server: configuration, database, sessions, routes, graceful shutdown.

pub mod auth_backend;
pub mod cache;
pub mod config;
mod health;
pub mod listener;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod rate_limit;
pub mod redirect;
pub mod sessions;
pub mod state;
pub mod streams;

use std::{io::BufRead, process::ExitCode, sync::Arc, time::Duration};

use axum::http::{header, HeaderValue};
use axum::{routing::get, Router};
use axum_login::AuthManagerLayerBuilder;
use banking_core::{
    crypto::TokenCipher, db::Database, events::EventBus, model::Role, relay::Relay, store::Store,
    throttle::SignInThrottle, BankingConfig, BankingService,
};
use clap::Parser;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use plaid_client::{webhook::WebhookVerifier, Environment, PlaidClient};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::watch;
use tower_http::{set_header::SetResponseHeaderLayer, trace::TraceLayer};

use self::{
    auth_backend::Backend,
    config::{Cli, Command, Config, EventsCommand, LogFormat},
    sessions::Sessions,
    state::AppState,
};
use crate::app::{shell, App};

/// Password of the demo users seeded in simulation mode (documented in the README).
pub const DEMO_PASSWORD: &str = "cashflow-demo";

/// Runs the command line; the exit code says whether it worked.
pub async fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    init_tracing(cli.config.log_format);
    if let Err(message) = cli.config.validate() {
        eprintln!("configuration error: {message}");
        return ExitCode::from(2);
    }
    let result = match cli.command {
        None | Some(Command::Serve) => serve(cli.config).await,
        Some(Command::CreateUser { username, role }) => create_user(&cli.config, &username, &role).await,
        Some(Command::Events { action: EventsCommand::Tail { user, from_start } }) => {
            tail_events(&cli.config, user, from_start).await
        }
        Some(Command::Events { action: EventsCommand::Schema }) => {
            println!("{}", openapi::events_schema());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,tower_sessions=warn,axum_login=warn".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Opens the database named by the configuration and applies migrations.
pub async fn open_database(config: &Config) -> Result<Database, String> {
    if config.database_url.starts_with("sqlite:") {
        if let Some(path) =
            config.database_url.trim_start_matches("sqlite://").trim_start_matches("sqlite:").split('?').next()
        {
            if let Some(parent) = std::path::Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            }
        }
    }
    let db = Database::connect(&config.database_url).await.map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| format!("migrations failed: {e}"))?;
    Ok(db)
}

async fn create_user(config: &Config, username: &str, role: &str) -> Result<(), String> {
    let role: Role = role.parse().map_err(|e: cashflow_api::names::UnknownName| e.to_string())?;
    let password = match std::env::var("NEW_USER_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("Password for {username} (one line on stdin):");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("cannot read the password: {e}"))?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let db = open_database(config).await?;
    let id =
        banking_core::users::create_user(&db.store(), &config.hashing(), username, SecretString::from(password), role)
            .await
            .map_err(|e| e.to_string())?;
    println!("user `{username}` ({}) saved with id {id}", role.as_str());
    Ok(())
}

/// `app events tail`: the stream's events as JSON lines on stdout.
async fn tail_events(config: &Config, user: Option<i64>, from_start: bool) -> Result<(), String> {
    use futures::StreamExt;
    let url = config.events_nats_url.as_deref().ok_or("EVENTS_NATS_URL is not set")?;
    let events =
        banking_core::relay::tail(&config.relay_config(url), user, from_start).await.map_err(|e| e.to_string())?;
    let mut events = std::pin::pin!(events);
    while let Some(event) = events.next().await {
        println!("{}", event.map_err(|e| e.to_string())?);
    }
    Ok(())
}

/// Everything the router needs, built from configuration.
pub struct Built {
    /// The router, ready to serve.
    pub router: Router,
    /// State (for tests).
    pub state: AppState,
    /// Sends `true` to start shutdown.
    pub shutdown: watch::Sender<bool>,
}

/// Builds the app: database, Plaid (or the simulator), banking, sessions, routes.
pub async fn build(config: &Config, leptos_options: LeptosOptions) -> Result<Built, String> {
    // The metrics recorder exists before anything records.
    metrics::register_families();
    let db = open_database(config).await?;
    let store: Arc<dyn Store> = db.store_with_outbox(config.events_nats_url.is_some());
    let listen = leptos_options.site_addr;
    let public_url = config.public_url.clone().unwrap_or_else(|| format!("http://{listen}"));
    let public_origin = public_url.trim_end_matches('/').to_string();
    let public_base = url::Url::parse(&public_origin).map_err(|e| format!("PUBLIC_URL `{public_url}`: {e}"))?;
    let simulation = config.simulation_mode();
    let hashing = config.hashing();

    let (plaid, cipher, plaid_api_origin) = if simulation {
        tracing::warn!("SIMULATION MODE: PLAID_CLIENT_ID is not set, so Plaid is simulated in-process under /sim");
        let client =
            PlaidClient::builder(Environment::Custom(format!("http://{listen}/sim")), SIM_CLIENT_ID, SIM_SECRET)
                .timeout(Duration::from_secs(15))
                .build()
                .map_err(|e| e.to_string())?;
        let cipher = match &config.encryption_keys {
            Some(keys) => TokenCipher::from_spec(keys.expose_secret()),
            None => TokenCipher::dev_key_in(&config.data_dir),
        }
        .map_err(|e| e.to_string())?;
        seed_demo_users(&store, &hashing).await?;
        (client, cipher, None)
    } else {
        let environment = Environment::parse(&config.plaid_env).map_err(|e| e.to_string())?;
        let api_origin = environment.base_url().to_string();
        let client_id = config.plaid_client_id.as_ref().expect("validated").expose_secret().to_string();
        let secret = config.plaid_secret.as_ref().expect("validated").expose_secret().to_string();
        let client = PlaidClient::builder(environment, client_id, secret).build().map_err(|e| e.to_string())?;
        let keys = config.encryption_keys.as_ref().expect("validated");
        // From now on this database never gets demo users, and those it has are refused.
        store.record_live_mode(chrono::Utc::now().timestamp()).await.map_err(|e| e.to_string())?;
        (client, TokenCipher::from_spec(keys.expose_secret()).map_err(|e| e.to_string())?, Some(api_origin))
    };

    let events = EventBus::new(match &db {
        Database::Postgres(pool) => Some(pool.clone()),
        Database::Sqlite(_) => None,
    });
    events.spawn_listener();
    let banking_config = BankingConfig {
        webhook_url: Some(format!("{public_origin}{}", middleware::WEBHOOK_PATH)),
        // OAuth banks return the user here; the simulator's OAuth bank needs one too.
        redirect_uri: config
            .plaid_redirect_uri
            .clone()
            .or_else(|| simulation.then(|| format!("{public_origin}/cash-flow"))),
        stale_after: Duration::from_secs(config.safety_net_sync_minutes * 60),
        ..BankingConfig::default()
    };
    let banking = BankingService::new(store.clone(), plaid.clone(), cipher, banking_config, events);
    banking.spawn_safety_net(Duration::from_secs(300));
    // Items linked while the app had another public URL still send webhooks there.
    let repoint = banking.clone();
    tokio::spawn(async move {
        if let Err(e) = repoint.repoint_webhooks().await {
            tracing::warn!(error = %e, "could not check the Items' webhook URLs");
        }
    });

    let sessions = Sessions::new(&db).await.map_err(|e| format!("session store: {e}"))?;
    let users = auth_backend::UserCache::new(auth_backend::USER_CACHE_FOR, 10_000);
    let lifetime = sessions::SessionLifetime {
        idle: Duration::from_secs(config.session_idle_minutes.max(1) * 60),
        absolute: Duration::from_secs(config.session_max_hours.max(1) * 3600),
    };
    sessions.clone().spawn_purge(Duration::from_secs(600));
    let session_layer = sessions.layer(public_origin.starts_with("https://"), lifetime.idle);
    let auth_layer = AuthManagerLayerBuilder::new(
        Backend::new(store.clone(), hashing.clone(), simulation, users.clone()),
        session_layer,
    )
    .build();

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    if let Some(url) = &config.events_nats_url {
        // Every instance relays; the database lease lets one publish at a time.
        let holder = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4());
        tokio::spawn(Relay::new(store.clone(), config.relay_config(url), holder).run(shutdown_rx.clone()));
        tracing::info!(nats = %url, stream = %config.events_stream, "event stream: changes go through the outbox to JetStream");
    }
    let sign_in_throttle = SignInThrottle::new(store.clone());
    let state = AppState::new(state::Shared {
        leptos_options: leptos_options.clone(),
        db,
        store,
        banking,
        verifier: WebhookVerifier::new(plaid),
        public_url: public_base,
        shutdown: shutdown_rx,
        simulation,
        plaid_api_origin,
        signed_out: tokio::sync::broadcast::channel(64).0,
        sign_in_throttle,
        hashing,
        users,
        link_tokens: rate_limit::RateLimiter::new(
            "link-token",
            config.link_tokens_per_minute,
            config.link_tokens_per_minute,
        ),
        streams: streams::StreamSlots::new(streams::StreamLimits {
            per_user: config.event_streams_per_user.max(1),
            total: config.event_streams_total.max(1),
            idle: Duration::from_secs(config.event_stream_idle_secs.max(1)),
        }),
    });

    let limits = middleware::RateLimits {
        sign_in: rate_limit::RateLimiter::new(
            "sign-in",
            config.sign_in_rate_per_minute,
            config.sign_in_rate_per_minute,
        ),
        webhook: rate_limit::RateLimiter::new(
            "webhook",
            config.webhook_rate_per_minute,
            config.webhook_rate_per_minute,
        ),
    };
    let client_addrs = rate_limit::ClientAddrSource { trusted_header: config.trusted_client_ip_header.clone() };
    let routes = generate_route_list(App);
    let context_state = state.clone();
    let mut router = Router::new();
    if simulation {
        let sim = plaid_sim::Simulator::new(plaid_sim::SimConfig {
            client_id: SIM_CLIENT_ID.into(),
            secret: SIM_SECRET.into(),
            ..plaid_sim::SimConfig::default()
        });
        router = router.nest_service("/sim", plaid_sim::router(sim));
    }
    let router = router
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/api/v1/openapi.json", get(health::openapi))
        .route("/metrics", {
            let access = metrics::MetricsAccess {
                allow: config.metrics_allow.clone(),
                token: config.metrics_token.clone(),
            };
            get(move |request: axum::extract::Request| metrics::scrape(access.clone(), request))
        })
        .merge(crate::banking::ssr::routes())
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            {
                let options = leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(limits, middleware::rate_limits))
        .layer(axum::middleware::from_fn(middleware::banking_api_guard))
        .layer(axum::middleware::from_fn(middleware::page_guard))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::refuse_cross_site))
        .layer(axum::middleware::from_fn_with_state(lifetime, sessions::enforce_lifetime))
        .layer(auth_layer)
        .layer(axum::middleware::from_fn_with_state(client_addrs, rate_limit::client_addr))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::cache_policy))
        // Every API error, whichever layer answered it, gets its status and the request id.
        .layer(axum::middleware::from_fn(middleware::api_error_status))
        // Pages and JSON compressed for clients that accept it (event streams are not, and
        // assets already precompressed keep their own encoding).
        .layer(tower_http::compression::CompressionLayer::new())
        // Every request body is small (forms, JSON, webhooks): 413 beyond 64 KiB.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(REQUEST_BODY_LIMIT))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(config.request_timeout_secs.max(1)),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &axum::http::Request<_>| {
                    let id = request.headers().get(middleware::REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
                    tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
                })
                .on_response(|response: &axum::http::Response<_>, latency: Duration, _span: &tracing::Span| {
                    tracing::info!(status = response.status().as_u16(), latency_ms = latency.as_millis() as u64, "response");
                }),
        )
        // Every request counted by its route and status, whichever layer answered it.
        .layer(axum::middleware::from_fn(metrics::http_metrics))
        // Outermost: the id exists before the request's span opens.
        .layer(axum::middleware::from_fn(middleware::request_id))
        .with_state(state.clone());
    Ok(Built { router, state, shutdown: shutdown_tx })
}

/// Seeds the demo users (simulation mode), unless the database has ever run in live mode.
async fn seed_demo_users(store: &Arc<dyn Store>, hashing: &banking_core::users::Hashing) -> Result<(), String> {
    if let Some(since) = store.live_since().await.map_err(|e| e.to_string())? {
        tracing::warn!(live_since = since, "this database has been used in live mode: no demo users are created");
        return Ok(());
    }
    for (name, role) in [("trader", Role::Trader), ("admin", Role::Admin), ("viewer", Role::Viewer)] {
        if store.user_by_name(name).await.map_err(|e| e.to_string())?.is_none() {
            let id = banking_core::users::create_user(store, hashing, name, DEMO_PASSWORD.to_string().into(), role)
                .await
                .map_err(|e| e.to_string())?;
            store.mark_demo_user(id).await.map_err(|e| e.to_string())?;
            tracing::info!(user = name, "seeded demo user (simulation mode only)");
        }
    }
    Ok(())
}

/// The largest request body accepted.
pub const REQUEST_BODY_LIMIT: usize = 64 * 1024;

/// Client id the in-process simulator accepts (simulation mode only).
pub const SIM_CLIENT_ID: &str = "sim-client-id";
/// Secret the in-process simulator accepts (simulation mode only).
pub const SIM_SECRET: &str = "sim-secret";

/// Leptos runtime settings: from cargo-leptos's `LEPTOS_*` variables when it runs the
/// server, else from the file `LEPTOS_CONFIG` names (default `Leptos.toml`, in the directory
/// the server starts in); `LEPTOS_*` variables override the file.
fn leptos_options() -> Result<LeptosOptions, String> {
    if std::env::var_os("LEPTOS_OUTPUT_NAME").is_some() && std::env::var_os("LEPTOS_CONFIG").is_none() {
        return get_configuration(None).map(|c| c.leptos_options).map_err(|e| format!("LEPTOS_* settings: {e}"));
    }
    let path = std::env::var("LEPTOS_CONFIG").unwrap_or_else(|_| "Leptos.toml".into());
    if !std::path::Path::new(&path).exists() {
        let cwd = std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default();
        return Err(format!(
            "{path} not found in {cwd}: start the server from the repository root or set LEPTOS_CONFIG"
        ));
    }
    get_configuration(Some(&path)).map(|c| c.leptos_options).map_err(|e| format!("{path}: {e}"))
}

/// With hashed asset names on (cargo-leptos `hash-files`), pages name the js, wasm and css
/// from the hash file beside the server binary; without it they could not load, so the
/// server refuses to start rather than serve broken pages.
fn check_hash_file(options: &LeptosOptions) -> Result<(), String> {
    if !options.hash_files {
        return Ok(());
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot locate the server binary: {e}"))?;
    let path = exe.parent().unwrap_or(std::path::Path::new(".")).join(options.hash_file.as_ref());
    match path.is_file() {
        true => Ok(()),
        false => Err(format!(
            "hashed asset names are on (hash-files, LEPTOS_HASH_FILES) but {} is missing: build with \
             `cargo leptos build` (it writes the file), copy it beside the binary, or set LEPTOS_HASH_FILES=false",
            path.display()
        )),
    }
}

async fn serve(config: Config) -> Result<(), String> {
    let mut options = leptos_options()?;
    check_hash_file(&options)?;
    if let Some(addr) = config.listen_addr {
        options.site_addr = addr;
    }
    let addr = options.site_addr;
    let Built { router, state, shutdown } = build(&config, options).await?;
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    tracing::info!(url = %format!("http://{addr}"), simulation = state.simulation, "listening");
    if state.simulation {
        println!("Cash Flow is running at http://{addr}  (simulation mode; sign in as trader / {DEMO_PASSWORD})");
    }
    let stopping = state.shutdown.clone();
    let limits = config.connection_limits();
    let server = tokio::spawn(async move { listener::serve(listener, router, limits, stopping).await });
    shutdown_signal().await;
    tracing::info!(grace_secs = config.shutdown_grace_secs, "shutting down: finishing in-flight requests");
    let _ = shutdown.send(true);
    match tokio::time::timeout(Duration::from_secs(config.shutdown_grace_secs), server).await {
        Ok(Ok(Ok(()))) => tracing::info!("stopped cleanly"),
        Ok(Ok(Err(e))) => return Err(format!("server error: {e}")),
        Ok(Err(e)) => return Err(format!("server task failed: {e}")),
        Err(_) => tracing::warn!("grace period over; dropping remaining connections"),
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
