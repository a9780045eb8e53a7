//! The banking HTTP API on a real socket in simulation mode: the role guard, link and
//! exchange (duplicates, bad tokens), no token in any response, the webhook's verification
//! and size limit, cross-site refusal, removal, and the event stream ending on sign-out.

use std::time::Duration;

use app::server::{build, config::Cli, Built, DEMO_PASSWORD};
use clap::Parser;
use futures::StreamExt;
use leptos::prelude::LeptosOptions;
use serde_json::{json, Value};

struct Server {
    base: String,
    database_url: String,
    built_state: app::server::state::AppState,
    http: reqwest::Client,
    /// Kept alive: dropping it would tell long-lived streams the server is stopping.
    _shutdown: tokio::sync::watch::Sender<bool>,
}

async fn server() -> Server {
    server_with(&[]).await
}

/// A server with extra settings, served by the app's own listener.
async fn server_with(settings: &[&str]) -> Server {
    server_on("sqlite", settings).await
}

/// A server on a fresh database of `backend` with extra settings.
async fn server_on(backend: &str, settings: &[&str]) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let url = banking_core::testing::fresh_url(backend).await;
    let data_dir = std::env::temp_dir().join(format!("cf-api-{}", addr.port()));
    let base = format!("http://{addr}");
    let mut args = vec!["app", "--database-url", &url, "--data-dir", data_dir.to_str().unwrap(), "--public-url", &base];
    args.extend_from_slice(settings);
    let cli = Cli::try_parse_from(args).unwrap();
    let options = LeptosOptions::builder().output_name("cashflow").site_addr(addr).build();
    let Built { router, state, shutdown } = build(&cli.config, options).await.unwrap();
    let (limits, stopping) = (cli.config.connection_limits(), state.shutdown.clone());
    tokio::spawn(async move { app::server::listener::serve(listener, router, limits, stopping).await });
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    Server { base, database_url: url, built_state: state, http, _shutdown: shutdown }
}

impl Server {
    async fn sign_in(&self, user: &str) -> String {
        let response = self
            .http
            .post(format!("{}/api/auth/login", self.base))
            .form(&[("username", user), ("password", DEMO_PASSWORD)])
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        let cookie = response.headers()["set-cookie"].to_str().unwrap();
        cookie.split(';').next().unwrap().to_string()
    }

    async fn call(&self, method: &str, path: &str, cookie: Option<&str>, body: Option<Value>) -> (u16, String) {
        let mut request = self.http.request(method.parse().unwrap(), format!("{}{path}", self.base));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// Runs the simulated Link for a fresh token, as the browser would.
    async fn public_token(&self, cookie: &str, institution: &str) -> (String, Value) {
        let (status, body) =
            self.call("POST", "/api/v1/banking/plaid/create-link-token", Some(cookie), Some(json!({}))).await;
        assert_eq!(status, 200, "{body}");
        let token: Value = serde_json::from_str(&body).unwrap();
        assert!(token["link_token"].as_str().unwrap().starts_with("link-sandbox-"));
        assert!(token["expiration"].is_string());
        let (status, body) = self
            .call(
                "POST",
                "/sim/link/complete",
                None,
                Some(json!({"link_token": token["link_token"], "institution_id": institution, "username": "user_good", "password": "pass_good"})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let done: Value = serde_json::from_str(&body).unwrap();
        (done["public_token"].as_str().unwrap().to_string(), done["metadata"].clone())
    }

    /// Links a bank through Link and the exchange endpoint, as the widget does.
    async fn link_bank(&self, cookie: &str, institution: &str) -> (u16, String) {
        let (public_token, metadata) = self.public_token(cookie, institution).await;
        let body = json!({"public_token": public_token, "metadata": metadata});
        self.call("POST", "/api/v1/banking/plaid/exchange-public-token", Some(cookie), Some(body)).await
    }
}

/// An exact decimal from the API's text (`"8000"` and `"8000.00"` are the same amount).
fn decimal(v: &Value) -> rust_decimal::Decimal {
    v.as_str().unwrap_or_else(|| panic!("not decimal text: {v}")).parse().unwrap()
}

fn code(body: &str) -> String {
    serde_json::from_str::<Value>(body).unwrap()["error"]["code"].as_str().unwrap_or_default().to_string()
}

/// The dashboard page brings Connect Bank its Link token (no round trip once the page has
/// loaded), a viewer's page none, and the page fetched again by its own refresh none either
/// (Plaid is not asked for a token the refresh would throw away).
#[tokio::test]
async fn the_dashboard_page_brings_a_link_token_and_its_refresh_does_not() {
    let s = server().await;
    let page = |cookie: String, refresh: bool| {
        let mut request = s.http.get(format!("{}/cash-flow", s.base)).header("cookie", cookie);
        if refresh {
            request = request.header(app::components::swap::REFRESH_HEADER, "1");
        }
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.text().await.unwrap()
        }
    };
    let trader = s.sign_in("trader").await;
    let html = page(trader.clone(), false).await;
    let token = html
        .split(r#"id="page-link-token" data-token=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a Link token in the page");
    assert!(token.starts_with("link-sandbox-"), "{token}");
    assert!(html.contains(r#"id="banks""#) && html.contains("data-swap"), "the regions a refresh swaps");
    let again = page(trader, true).await;
    assert!(!again.contains("page-link-token"), "no token for a refresh");
    assert!(again.contains(r#"id="total-cash""#), "the refresh gets the regions");
    let viewer = s.sign_in("viewer").await;
    assert!(!page(viewer, false).await.contains("page-link-token"), "no token for a viewer");
}

/// A slow Plaid never holds the dashboard back: the page waits at most a second for its Link
/// token (the simulator stalls `/link/token/create` for 15 s), then renders without one, and the
/// widget's own request gets a token once Plaid answers again.
#[tokio::test]
async fn a_slow_plaid_costs_the_dashboard_at_most_a_second() {
    let s = server().await;
    let trader = s.sign_in("trader").await;
    let (status, body) = s
        .call("POST", "/sim/control/faults", None, Some(json!({"kind": "stall", "count": 1, "stall_ms": 15000})))
        .await;
    assert_eq!(status, 200, "{body}");
    let started = std::time::Instant::now();
    let response = s.http.get(format!("{}/cash-flow", s.base)).header("cookie", &trader).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(8), "the page waited {took:?} for Plaid");
    assert!(!html.contains("page-link-token"), "no token from a stalled Plaid");
    assert!(html.contains("Connect Bank"), "the widget is there and asks itself");
    let (status, body) =
        s.call("POST", "/api/v1/banking/plaid/create-link-token", Some(&trader), Some(json!({}))).await;
    assert_eq!(status, 200, "{body}");
}

/// Each Link token is a Plaid call: a user gets `LINK_TOKENS_PER_MINUTE` of them (the page's
/// own counts), then a clear 429 with `Retry-After`; another user is not affected, and a page
/// past the allowance still renders, without a token.
#[tokio::test]
async fn link_tokens_are_limited_per_user() {
    let s = server_with(&["--link-tokens-per-minute", "3"]).await;
    let trader = s.sign_in("trader").await;
    let page_has_token = |cookie: String| {
        let request = s.http.get(format!("{}/cash-flow", s.base)).header("cookie", cookie);
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            assert!(response.headers().get("retry-after").is_none(), "a page is no 429");
            response.text().await.unwrap().contains("page-link-token")
        }
    };
    assert!(page_has_token(trader.clone()).await);
    for _ in 0..2 {
        let (status, body) =
            s.call("POST", "/api/v1/banking/plaid/create-link-token", Some(&trader), Some(json!({}))).await;
        assert_eq!(status, 200, "{body}");
    }
    let refused = s
        .http
        .post(format!("{}/api/v1/banking/plaid/create-link-token", s.base))
        .header("cookie", &trader)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 429);
    let wait: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body = refused.text().await.unwrap();
    assert_eq!(code(&body), "rate_limited");
    assert!(body.contains("Please try again in"), "{body}");
    assert!(!page_has_token(trader).await, "the page renders without a token");
    let admin = s.sign_in("admin").await;
    let (status, body) = s.call("POST", "/api/v1/banking/plaid/create-link-token", Some(&admin), Some(json!({}))).await;
    assert_eq!(status, 200, "another user has their own allowance: {body}");
}

#[tokio::test]
async fn the_role_guard_answers_401_403_and_200() {
    let s = server().await;
    let viewer = s.sign_in("viewer").await;
    let trader = s.sign_in("trader").await;
    for (method, path, body) in [
        ("GET", "/api/v1/banking/accounts", None),
        ("GET", "/api/v1/banking/transactions", None),
        ("POST", "/api/v1/banking/plaid/create-link-token", Some(json!({}))),
        ("POST", "/api/v1/banking/plaid/exchange-public-token", Some(json!({"public_token": "public-sandbox-x"}))),
        ("POST", "/api/v1/banking/items/some-item/refresh", None),
        ("DELETE", "/api/v1/banking/items/some-item", None),
        ("GET", "/api/v1/banking/events", None),
        ("GET", "/api/v1/banking/transactions.csv", None),
        ("GET", "/api/v1/banking/transactions/categories", None),
        ("GET", "/api/v1/banking/institutions/ins_109508/logo", None),
        ("POST", "/api/v1/banking/transactions/category", Some(json!({"transaction_id": "t"}))),
        (
            "POST",
            "/api/v1/banking/accounts/preferences",
            Some(json!({"account_id": "x", "hidden": false, "in_total_cash": true})),
        ),
    ] {
        let (status, text) = s.call(method, path, None, body.clone()).await;
        assert_eq!((status, code(&text)), (401, "unauthorized".into()), "{method} {path} signed out");
        let (status, text) = s.call(method, path, Some(&viewer), body.clone()).await;
        assert_eq!((status, code(&text)), (403, "forbidden".into()), "{method} {path} as viewer");
    }
    let (status, body) = s.call("GET", "/api/v1/banking/accounts", Some(&trader), None).await;
    assert_eq!(status, 200, "{body}");
    let accounts: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(accounts["items"], json!([]));
    // Bank data is never kept by a cache.
    let response =
        s.http.get(format!("{}/api/v1/banking/accounts", s.base)).header("cookie", &trader).send().await.unwrap();
    assert_eq!(response.headers()["cache-control"], "no-store");
    let (_, body) = s.call("GET", "/api/v1/banking/link-settings", Some(&trader), None).await;
    assert!(body.contains(r#""link_script_url":"/sim/link/link-initialize.js""#), "{body}");
}

#[tokio::test]
async fn link_exchange_duplicates_bad_tokens_and_no_access_token_in_responses() {
    let s = server().await;
    let trader = s.sign_in("trader").await;

    // Malformed and expired tokens: 400, nothing stored.
    for token in ["garbage", "public-sandbox-00000000-dead-beef-0000-000000000000"] {
        let (status, body) = s
            .call(
                "POST",
                "/api/v1/banking/plaid/exchange-public-token",
                Some(&trader),
                Some(json!({"public_token": token})),
            )
            .await;
        assert_eq!((status, code(&body)), (400, "invalid_input".into()), "{token}: {body}");
    }
    let (status, body) =
        s.call("POST", "/api/v1/banking/plaid/exchange-public-token", Some(&trader), Some(json!({}))).await;
    assert_eq!(status, 400, "a body without public_token is a 400: {body}");
    let (_, body) = s.call("GET", "/api/v1/banking/accounts", Some(&trader), None).await;
    assert!(body.contains(r#""items":[]"#));

    let (status, body) = s.link_bank(&trader, "ins_109508").await;
    assert_eq!(status, 200, "{body}");
    let item: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(item["institution_name"], "First Platypus Bank");
    assert_eq!(item["accounts"].as_array().unwrap().len(), 2);
    let item_id = item["item_id"].as_str().unwrap().to_string();

    // The same bank again: 409 with the connection to re-authenticate instead.
    let (status, body) = s.link_bank(&trader, "ins_109508").await;
    assert_eq!((status, code(&body)), (409, "duplicate_item".into()), "{body}");
    assert!(body.contains(&item_id) && body.contains("already connected"));

    // Update-mode token for the item; an unknown item is a 404.
    let (status, _) = s
        .call("POST", "/api/v1/banking/plaid/create-link-token", Some(&trader), Some(json!({"item_id": item_id})))
        .await;
    assert_eq!(status, 200);
    let (status, body) = s
        .call("POST", "/api/v1/banking/plaid/create-link-token", Some(&trader), Some(json!({"item_id": "nope"})))
        .await;
    assert_eq!((status, code(&body)), (404, "not_found".into()));

    // Transactions arrive with the background sync; bad filters are 400.
    let mut transactions = Vec::new();
    for _ in 0..100 {
        let (_, body) = s.call("GET", "/api/v1/banking/transactions?limit=500", Some(&trader), None).await;
        transactions = serde_json::from_str::<Vec<Value>>(&body).unwrap();
        if !transactions.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(transactions.len() > 50);
    let account = transactions[0]["account_id"].as_str().unwrap();
    let (_, body) = s
        .call("GET", &format!("/api/v1/banking/transactions?account_id={account}&limit=500"), Some(&trader), None)
        .await;
    let filtered: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert!(
        !filtered.is_empty()
            && filtered.len() < transactions.len()
            && filtered.iter().all(|t| t["account_id"] == account)
    );
    let (status, body) = s.call("GET", "/api/v1/banking/transactions?from=yesterday", Some(&trader), None).await;
    assert_eq!((status, code(&body)), (400, "invalid_input".into()));

    // No response ever carries an access token.
    for path in ["/api/v1/banking/accounts", "/api/v1/banking/transactions?limit=500", "/api/v1/banking/cash-flow"] {
        let (status, body) = s.call("GET", path, Some(&trader), None).await;
        assert_eq!(status, 200, "{path}");
        assert!(!body.contains("access-sandbox"), "{path} leaks a token");
    }
    let (status, body) = s.call("POST", &format!("/api/v1/banking/items/{item_id}/refresh"), Some(&trader), None).await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("access-sandbox"));

    // Remove: 204, then gone.
    let (status, _) = s.call("DELETE", &format!("/api/v1/banking/items/{item_id}"), Some(&trader), None).await;
    assert_eq!(status, 204);
    let (_, body) = s.call("GET", "/api/v1/banking/accounts", Some(&trader), None).await;
    assert!(body.contains(r#""items":[]"#));
}

#[tokio::test]
async fn the_webhook_verifies_before_recording_and_limits_its_body() {
    let s = server().await;
    let before = s.built_state.store.webhook_count().await.unwrap();
    let body = json!({"webhook_type": "ITEM", "webhook_code": "USER_PERMISSION_REVOKED", "item_id": "x", "environment": "sandbox"});
    let (status, _) = s.call("POST", "/api/v1/banking/plaid/webhook", None, Some(body.clone())).await;
    assert_eq!(status, 401, "no signature");
    let forged = plaid_client::webhook::WebhookSigner::generate("attacker")
        .sign(body.to_string().as_bytes(), chrono::Utc::now().timestamp());
    let response = s
        .http
        .post(format!("{}/api/v1/banking/plaid/webhook", s.base))
        .header("Plaid-Verification", forged)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "unknown key");
    assert_eq!(s.built_state.store.webhook_count().await.unwrap(), before, "nothing recorded");
    let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(200 * 1024));
    let response = s.http.post(format!("{}/api/v1/banking/plaid/webhook", s.base)).body(huge).send().await.unwrap();
    assert_eq!(response.status(), 413);
    // Cross-site POSTs to the API are refused (the webhook route is the only exception).
    let trader = s.sign_in("trader").await;
    let response = s
        .http
        .post(format!("{}/api/v1/banking/plaid/create-link-token", s.base))
        .header("cookie", &trader)
        .header("origin", "https://evil.example")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn the_event_stream_ends_when_the_user_signs_out() {
    let s = server().await;
    let trader = s.sign_in("trader").await;
    let response =
        s.http.get(format!("{}/api/v1/banking/events", s.base)).header("cookie", &trader).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let mut stream = response.bytes_stream();
    // An event for this user arrives on the stream.
    let user = s.built_state.store.user_by_name("trader").await.unwrap().unwrap().id;
    s.built_state
        .banking
        .events()
        .publish(user, banking_core::events::Event::ItemRemoved { item_id: "i".into() })
        .await;
    let first = tokio::time::timeout(Duration::from_secs(5), stream.next()).await.unwrap().unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("item_removed"));
    let (status, _) = s.call("POST", "/api/auth/logout", Some(&trader), Some(json!({}))).await;
    assert!(status < 400);
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(chunk) = stream.next().await {
            if chunk.is_err() {
                break;
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream closes on sign-out");
}

#[tokio::test]
async fn the_event_stream_ends_when_the_server_shuts_down() {
    let s = server().await;
    let trader = s.sign_in("trader").await;
    let response =
        s.http.get(format!("{}/api/v1/banking/events", s.base)).header("cookie", &trader).send().await.unwrap();
    let mut stream = response.bytes_stream();
    s._shutdown.send(true).unwrap();
    let ended =
        tokio::time::timeout(Duration::from_secs(5), async { while let Some(Ok(_)) = stream.next().await {} }).await;
    assert!(ended.is_ok(), "open streams must not hold up graceful shutdown");
}

#[tokio::test]
async fn a_webhook_that_cannot_be_recorded_is_refused_so_plaid_delivers_it_again() {
    let s = server().await;
    let trader = s.sign_in("trader").await;
    let (status, body) = s.link_bank(&trader, "ins_109512").await;
    assert_eq!(status, 200, "{body}");
    let item_id = serde_json::from_str::<Value>(&body).unwrap()["item_id"].as_str().unwrap().to_string();
    let status_of = || async {
        let (_, body) = s.call("GET", "/api/v1/banking/accounts", Some(&trader), None).await;
        serde_json::from_str::<Value>(&body).unwrap()["items"][0]["status"].as_str().unwrap().to_string()
    };
    assert_eq!(status_of().await, "good");

    // The audit table is unavailable: the app cannot record webhooks for a while.
    let banking_core::db::Database::Sqlite(pool) = &s.built_state.db else { unreachable!("sqlite test server") };
    sqlx::query("ALTER TABLE webhook_events RENAME TO webhook_events_offline").execute(pool).await.unwrap();
    let (status, _) = s
        .call(
            "POST",
            &format!("/sim/control/items/{item_id}/webhook"),
            None,
            Some(json!({"code": "PENDING_EXPIRATION"})),
        )
        .await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(status_of().await, "good", "refused with 503, not acted on");

    // Back up: the simulator's redelivery (like Plaid's) gets through and is acted on.
    sqlx::query("ALTER TABLE webhook_events_offline RENAME TO webhook_events").execute(pool).await.unwrap();
    let mut status = String::new();
    for _ in 0..80 {
        status = status_of().await;
        if status == "pending_expiration" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, "pending_expiration", "the redelivered webhook was recorded and handled");
    assert!(s.built_state.store.webhook_count().await.unwrap() >= 1);
}

#[tokio::test]
async fn a_webhook_that_cannot_be_verified_while_plaid_is_down_is_refused_for_redelivery() {
    let s = server().await;
    let body = json!({"webhook_type": "ITEM", "webhook_code": "USER_PERMISSION_REVOKED", "item_id": "x", "environment": "sandbox"});
    let header = plaid_client::webhook::WebhookSigner::generate("unknown-kid")
        .sign(body.to_string().as_bytes(), chrono::Utc::now().timestamp());
    let deliver = || {
        s.http
            .post(format!("{}/api/v1/banking/plaid/webhook", s.base))
            .header("Plaid-Verification", &header)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    // Plaid's key service answers 500 for a while: the app cannot tell, so Plaid must retry.
    let (status, _) = s.call("POST", "/sim/control/faults", None, Some(json!({"kind": "500", "count": 20}))).await;
    assert_eq!(status, 200);
    assert_eq!(deliver().await.unwrap().status(), 503);
    assert_eq!(s.built_state.store.webhook_count().await.unwrap(), 0, "nothing recorded");
}

#[tokio::test]
async fn a_verified_webhook_we_cannot_read_is_acknowledged_not_refused() {
    let s = server().await;
    let cookie = s.sign_in("trader").await;
    let (status, body) = s.link_bank(&cookie, "ins_109508").await;
    assert_eq!(status, 200, "{body}");
    let item_id = serde_json::from_str::<Value>(&body).unwrap()["item_id"].as_str().unwrap().to_string();
    let before = s.built_state.store.webhook_count().await.unwrap();
    // Signed by the simulator (so it verifies), but `account_id` is missing: 200, recorded.
    let (status, _) = s
        .call(
            "POST",
            &format!("/sim/control/items/{item_id}/webhook"),
            None,
            Some(json!({"code": "USER_ACCOUNT_REVOKED", "extra": {"account_id": null, "shape": {"v": 2}}})),
        )
        .await;
    assert_eq!(status, 200);
    for _ in 0..100 {
        if s.built_state.store.webhook_count().await.unwrap() > before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(s.built_state.store.webhook_count().await.unwrap(), before + 1, "recorded after a 200");
    let (_, accounts) = s.call("GET", "/api/v1/banking/accounts", Some(&cookie), None).await;
    let accounts: Value = serde_json::from_str(&accounts).unwrap();
    assert_eq!(accounts["items"][0]["accounts"].as_array().unwrap().len(), 2, "nothing acted on");
}

impl Server {
    async fn open_stream(&self, cookie: &str) -> reqwest::Response {
        self.http.get(format!("{}/api/v1/banking/events", self.base)).header("cookie", cookie).send().await.unwrap()
    }
}

#[tokio::test]
async fn live_event_streams_are_capped_per_user_and_in_all_and_idle_ones_close() {
    let s =
        server_with(&["--event-streams-per-user", "2", "--event-streams-total", "3", "--event-stream-idle-secs", "2"])
            .await;
    let (trader, admin) = (s.sign_in("trader").await, s.sign_in("admin").await);
    let first = s.open_stream(&trader).await;
    let _second = s.open_stream(&trader).await;
    assert_eq!(first.status(), 200);
    let third = s.open_stream(&trader).await;
    assert_eq!(third.status(), 429, "per user");
    assert_eq!(code(&third.text().await.unwrap()), "too_many_streams");
    let _admins = s.open_stream(&admin).await;
    assert_eq!(s.open_stream(&admin).await.status(), 429, "in all");

    // Nothing to say for two seconds: the stream closes (the browser would reconnect).
    let mut idle = first.bytes_stream();
    let ended =
        tokio::time::timeout(Duration::from_secs(10), async { while let Some(Ok(_)) = idle.next().await {} }).await;
    assert!(ended.is_ok(), "an idle stream closes");
    // Its slot is free again.
    let again = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let response = s.open_stream(&trader).await;
            if response.status() == 200 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(again.is_ok(), "the closed stream gave its slot back");
}

#[tokio::test]
async fn slow_headers_are_cut_off_and_big_bodies_refused() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = server_with(&["--header-read-timeout-secs", "1"]).await;
    let mut slow = tokio::net::TcpStream::connect(s.base.trim_start_matches("http://")).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut answer)).await;
    assert!(closed.is_ok(), "a client that never finishes its headers is disconnected");

    let big = "x".repeat(app::server::REQUEST_BODY_LIMIT + 1);
    let response = s
        .http
        .post(format!("{}/api/auth/login", s.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username=trader&password={big}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413, "bodies over the limit are refused before they are read");
}

#[tokio::test]
async fn the_dashboard_sends_balances_while_the_chart_is_still_being_read() {
    let s = server_on("postgres", &[]).await;
    let trader = s.sign_in("trader").await;
    let (status, body) = s.link_bank(&trader, "ins_109508").await;
    assert_eq!(status, 200, "{body}");
    // Wait for the first sync, so nothing else writes transactions while they are locked.
    let mut synced = false;
    for _ in 0..100 {
        let (_, body) = s.call("GET", "/api/v1/banking/transactions?limit=1", Some(&trader), None).await;
        if body.contains("transaction_id") {
            synced = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(synced, "the first sync did not finish");

    // The chart and the transaction list read the transactions table: lock it, as a slow
    // report over a long history would hold them up.
    let pool = sqlx::PgPool::connect(&s.database_url).await.unwrap();
    let mut lock = pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE transactions IN ACCESS EXCLUSIVE MODE").execute(&mut *lock).await.unwrap();
    let response = s.http.get(format!("{}/cash-flow", s.base)).header("cookie", &trader).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let mut body = response.bytes_stream();
    let mut page = String::new();
    let balances_arrived = tokio::time::timeout(Duration::from_secs(10), async {
        while !page.contains("Platypus Checking") {
            let chunk = body.next().await.expect("the page ended without the balances").unwrap();
            page.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await;
    assert!(balances_arrived.is_ok(), "the balances were held back by the locked transactions: {page}");
    assert!(page.contains("data-testid=\"total-cash\""), "the total arrived with the banks");
    assert!(!page.contains("data-transaction-id="), "the transactions cannot have been read yet");
    assert!(!page.contains("aria-label=\"Cash flow chart\""), "nor the chart's data");

    lock.rollback().await.unwrap();
    let rest = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(chunk) = body.next().await {
            page.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        }
    })
    .await;
    assert!(rest.is_ok(), "the page did not finish after the lock was released");
    assert!(page.contains("aria-label=\"Cash flow chart\""), "the chart follows: {page}");
    assert!(page.contains("data-transaction-id="), "and the transactions");
    assert!(page.contains("</html>"), "the page is complete: {}", &page[page.len().saturating_sub(300)..]);
}

/// Every API route, server function or not, is an operation of the served OpenAPI document,
/// and each request type the document gives for a server function is what that function reads.
#[tokio::test]
async fn every_api_route_is_in_the_openapi_document() {
    let s = server().await;
    let (status, body) = s.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&body).unwrap();
    let rest = app::banking::ssr::rest_routes().into_iter().map(|(path, method, _)| (path, method));
    let server_fns = server_fn::axum::server_fn_paths().filter(|(path, _)| path.starts_with("/api/v1/"));
    let routes: Vec<_> = rest.chain(server_fns).collect();
    assert!(routes.len() >= 14, "the routes were not all found: {routes:?}");
    for (path, method) in routes {
        let operation = &doc["paths"][path][method.as_str().to_lowercase()];
        assert!(operation.is_object(), "{method} {path} is not in the OpenAPI document");
        assert!(operation["responses"]["200"].is_object() || operation["responses"]["204"].is_object());
    }
    // Schemas come from the types: the error codes are the closed set the server answers with.
    let codes = doc["components"]["schemas"]["ErrorCode"]["enum"].as_array().unwrap().len();
    assert_eq!(codes, cashflow_api::ErrorCode::ALL.len());
    assert_eq!(doc["components"]["securitySchemes"]["session"]["in"], "cookie");
    let from = doc["paths"]["/api/v1/banking/transactions"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "from")
        .cloned()
        .unwrap();
    assert_eq!(from["schema"]["format"], "date", "{from}");

    // The documented request bodies are what the server functions read.
    use app::banking::*;
    use cashflow_api::banking::*;
    fn reads<Request: serde::Serialize, Args: serde::de::DeserializeOwned>(request: Request) -> Args {
        serde_json::from_value(serde_json::to_value(request).unwrap()).expect("the server function reads the request")
    }
    let CreateLinkToken { item_id } = reads(CreateLinkTokenRequest { item_id: Some("item".into()) });
    assert_eq!(item_id.as_deref(), Some("item"));
    let request = ExchangePublicTokenRequest { public_token: "public".into(), metadata: LinkMetadataView::default() };
    let ExchangePublicToken { public_token, .. } = reads(request);
    assert_eq!(public_token, "public");
    let CompleteUpdate { item_id } = reads(ItemRequest { item_id: "a".into() });
    let RefreshItem { item_id: refreshed } = reads(ItemRequest { item_id: "b".into() });
    let RemoveItem { item_id: removed } = reads(ItemRequest { item_id: "c".into() });
    assert_eq!((item_id.as_str(), refreshed.as_str(), removed.as_str()), ("a", "b", "c"));
    let request = AccountPreferencesRequest {
        account_id: "acc".into(),
        nickname: Some("Cash".into()),
        hidden: true,
        in_total_cash: false,
    };
    let SetAccountPreferences { account_id, nickname, hidden, in_total_cash } = reads(request);
    assert_eq!((account_id.as_str(), nickname.as_deref(), hidden, in_total_cash), ("acc", Some("Cash"), true, false));
    let ReportLinkExit { exit } = reads(LinkExitRequest { exit: LinkExitView::default() });
    assert_eq!(exit, LinkExitView::default());
    let query = TransactionsQuery {
        from: Some("2026-01-01".into()),
        pending: Some(false),
        sort: Some(TransactionSort::AmountDesc),
        ..Default::default()
    };
    let ListTransactions { from, pending, sort, .. } = reads(query.clone());
    assert_eq!((from.as_deref(), pending, sort), (Some("2026-01-01"), Some(false), Some(TransactionSort::AmountDesc)));
    let CategoryTotals { from, pending, .. } = reads(query);
    assert_eq!((from.as_deref(), pending), (Some("2026-01-01"), Some(false)));
    let ListTransactions { limit, offset, .. } = reads(PageQuery { limit: Some(5), offset: Some(10) });
    assert_eq!((limit, offset), (Some(5), Some(10)));
    let request = RecategoriseRequest { transaction_id: "t".into(), category: Some(Category::Travel) };
    let SetTransactionCategory { transaction_id, category } = reads(request);
    assert_eq!((transaction_id.as_str(), category), ("t", Some(Category::Travel)));
}

/// `/metrics` after a bank was linked and synced through the outbox to NATS: every family
/// an operator watches is there with counts, and only allowed addresses or the token read it.
#[tokio::test]
async fn metrics_count_requests_plaid_calls_syncs_webhooks_sign_ins_and_the_outbox() {
    let tag = format!("m{}", rand::random::<u32>());
    let stream = tag.to_uppercase();
    let s = server_with(&[
        "--events-nats-url",
        "nats://127.0.0.1:4222",
        "--events-stream",
        &stream,
        "--events-subject-prefix",
        &tag,
        "--metrics-token",
        "scrape-secret",
    ])
    .await;
    let trader = s.sign_in("trader").await;
    let refused =
        s.http.post(format!("{}/api/auth/login", s.base)).form(&[("username", "trader"), ("password", "wrong")]);
    assert!(refused.send().await.unwrap().status().is_client_error());
    let (status, body) = s.link_bank(&trader, "ins_109508").await;
    assert_eq!(status, 200, "{body}");
    let (status, _) =
        s.call("POST", "/api/v1/banking/plaid/webhook", None, Some(json!({"webhook_type": "ITEM"}))).await;
    assert_eq!(status, 401);

    // The sync and the relay run in the background: wait until both have done their part.
    let mut text = String::new();
    for _ in 0..100 {
        let response = s.http.get(format!("{}/metrics", s.base)).send().await.unwrap();
        assert_eq!(response.status(), 200, "127.0.0.1 may scrape");
        text = response.text().await.unwrap();
        let synced = metric(&text, r#"cashflow_syncs_total{outcome="ok"}"#).is_some_and(|n| n >= 1.0);
        let published = metric(&text, r#"cashflow_events_published_total{result="new"}"#).is_some_and(|n| n >= 1.0);
        if synced && published && metric(&text, "cashflow_outbox_backlog") == Some(0.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let value = |line_start: &str| -> f64 {
        metric(&text, line_start).unwrap_or_else(|| panic!("no `{line_start}` in /metrics:\n{text}"))
    };
    assert!(
        value(
            r#"cashflow_http_requests_total{route="/api/v1/banking/plaid/exchange-public-token",method="POST",status="200"}"#
        ) >= 1.0
    );
    assert!(
        value(r#"cashflow_http_request_duration_seconds_count{route="/api/v1/banking/plaid/exchange-public-token""#)
            >= 1.0
    );
    assert!(value(r#"cashflow_plaid_requests_total{endpoint="/item/public_token/exchange",outcome="ok""#) >= 1.0);
    assert!(value(r#"cashflow_plaid_request_duration_seconds_count{endpoint="/transactions/sync"}"#) >= 1.0);
    assert!(value(r#"cashflow_syncs_total{outcome="ok"}"#) >= 1.0);
    assert!(value(r#"cashflow_sync_transactions_total{change="added"}"#) >= 1.0);
    assert!(value(r#"cashflow_webhooks_received_total{type="unknown",code="unknown",verification="refused"}"#) >= 1.0);
    assert!(value("cashflow_sign_in_failures_total") >= 1.0);
    assert!(value(r#"cashflow_events_published_total{result="new"}"#) >= 1.0, "the relay published the bank's events");
    assert_eq!(value("cashflow_outbox_backlog"), 0.0);
    assert!(text.contains("cashflow_relay_lag_seconds"));
    // The Grafana dashboard in the repository charts only families the server exports.
    let dashboard: Value = serde_json::from_str(include_str!("../../deploy/grafana-dashboard.json")).unwrap();
    for target in dashboard["panels"].as_array().unwrap().iter().flat_map(|p| p["targets"].as_array().unwrap()) {
        let expr = target["expr"].as_str().unwrap();
        for name in
            expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|w| w.starts_with("cashflow_"))
        {
            let family = name.trim_end_matches("_bucket");
            assert!(
                text.contains(&format!("# TYPE {family} ")),
                "the dashboard charts `{family}`, which /metrics lacks"
            );
        }
    }

    // From an address not allowed, only the token opens it.
    let elsewhere = server_with(&["--metrics-allow", "10.9.9.9", "--metrics-token", "scrape-secret"]).await;
    let url = format!("{}/metrics", elsewhere.base);
    assert_eq!(elsewhere.http.get(&url).send().await.unwrap().status(), 404);
    let wrong = elsewhere.http.get(&url).bearer_auth("guess").send().await.unwrap();
    assert_eq!(wrong.status(), 404);
    let right = elsewhere.http.get(&url).bearer_auth("scrape-secret").send().await.unwrap();
    assert_eq!(right.status(), 200);
    let context = async_nats::jetstream::new(async_nats::connect("nats://127.0.0.1:4222").await.unwrap());
    let _ = context.delete_stream(&stream).await;
}

/// The value of the first `/metrics` line that starts with `line_start`.
fn metric(text: &str, line_start: &str) -> Option<f64> {
    text.lines().find(|l| l.starts_with(line_start)).and_then(|l| l.rsplit(' ').next()).and_then(|v| v.parse().ok())
}

/// The CSV export: every transaction of the filtered view, exact amounts, ISO dates, RFC 4180
/// line ends; a date that is not one is refused.
#[tokio::test]
async fn transactions_export_as_csv_with_exact_amounts() {
    let s = server().await;
    let trader = s.sign_in("trader").await;
    let (status, body) = s.link_bank(&trader, "ins_109508").await;
    assert_eq!(status, 200, "{body}");
    let mut listed: Vec<Value> = Vec::new();
    for _ in 0..100 {
        let (_, body) = s.call("GET", "/api/v1/banking/transactions?limit=500", Some(&trader), None).await;
        listed = serde_json::from_str(&body).unwrap();
        if !listed.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!listed.is_empty(), "the first sync brought transactions");
    let response = s
        .http
        .get(format!("{}/api/v1/banking/transactions.csv", s.base))
        .header("cookie", &trader)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.starts_with("attachment; filename=\"transactions-"), "{disposition}");
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert_eq!(
        lines[0],
        "date,authorized_date,description,merchant,category,account,account_id,amount,currency,pending,transaction_id"
    );
    assert_eq!(lines.len(), listed.len() + 1, "every transaction, one line each");
    assert!(!csv.replace("\r\n", "").contains('\n'), "CRLF line ends only");
    // Newest first, as listed; the amount is the stored decimal, to the cent here.
    let first = &listed[0];
    assert!(lines[1].starts_with(first["date"].as_str().unwrap()), "{}", lines[1]);
    assert!(lines[1].ends_with(first["transaction_id"].as_str().unwrap()), "{}", lines[1]);
    let amount: rust_decimal::Decimal = first["amount"].as_str().unwrap().parse().unwrap();
    assert!(
        lines[1].contains(&format!(",{amount},")) || lines[1].contains(&format!(",{},", amount.normalize())),
        "{}",
        lines[1]
    );

    // One account and a date range narrow it; a bad date is a 400 naming it.
    let account = first["account_id"].as_str().unwrap();
    let date = first["date"].as_str().unwrap();
    let path = format!("/api/v1/banking/transactions.csv?account_id={account}&from={date}&to={date}");
    let (status, narrowed) = s.call("GET", &path, Some(&trader), None).await;
    assert_eq!(status, 200);
    let rows: Vec<&str> = narrowed.split_terminator("\r\n").skip(1).collect();
    assert!(!rows.is_empty() && rows.len() < lines.len() - 1, "{} of {}", rows.len(), lines.len() - 1);
    assert!(rows.iter().all(|r| r.starts_with(date) && r.contains(account)));
    let (status, body) = s.call("GET", "/api/v1/banking/transactions.csv?from=yesterday", Some(&trader), None).await;
    assert_eq!((status, code(&body)), (400, "invalid_input".into()), "{body}");
    assert!(body.contains("`from`"), "{body}");
}

/// A trader's account choices: a nickname shown, an account left out of total cash, kept; a
/// bad nickname or someone else's account refused.
#[tokio::test]
async fn account_preferences_rename_and_leave_accounts_out_of_total_cash() {
    let s = server().await;
    let trader = s.sign_in("trader").await;
    let (status, body) = s.link_bank(&trader, "ins_109508").await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = s.call("GET", "/api/v1/banking/accounts", Some(&trader), None).await;
    let view: Value = serde_json::from_str(&body).unwrap();
    let checking =
        view["items"][0]["accounts"].as_array().unwrap().iter().find(|a| a["subtype"] == "checking").cloned().unwrap();
    let id = checking["account_id"].as_str().unwrap();
    assert_eq!((checking["nickname"].clone(), checking["in_total_cash"].clone()), (Value::Null, json!(true)));
    let total =
        |v: &Value| -> rust_decimal::Decimal { v["total_cash"][0]["amount"].as_str().unwrap().parse().unwrap() };
    let current: rust_decimal::Decimal = checking["current"].as_str().unwrap().parse().unwrap();

    let set = json!({"account_id": id, "nickname": "  Trading cash ", "hidden": true, "in_total_cash": false});
    let (status, body) = s.call("POST", "/api/v1/banking/accounts/preferences", Some(&trader), Some(set)).await;
    assert_eq!(status, 200, "{body}");
    let after: Value = serde_json::from_str(&body).unwrap();
    let account = after["items"][0]["accounts"].as_array().unwrap().iter().find(|a| a["account_id"] == id).unwrap();
    assert_eq!(account["nickname"], "Trading cash", "trimmed");
    assert_eq!((account["hidden"].clone(), account["in_total_cash"].clone()), (json!(true), json!(false)));
    assert_eq!(total(&after), total(&view) - current, "left out of total cash");
    let (_, body) = s.call("GET", "/api/v1/banking/accounts", Some(&trader), None).await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["total_cash"], after["total_cash"], "kept");

    let long = json!({"account_id": id, "nickname": "x".repeat(61), "hidden": false, "in_total_cash": true});
    let (status, body) = s.call("POST", "/api/v1/banking/accounts/preferences", Some(&trader), Some(long)).await;
    assert_eq!((status, code(&body)), (400, "invalid_input".into()), "{body}");
    let admin = s.sign_in("admin").await;
    let theirs = json!({"account_id": id, "hidden": true, "in_total_cash": true});
    let (status, body) = s.call("POST", "/api/v1/banking/accounts/preferences", Some(&admin), Some(theirs)).await;
    assert_eq!((status, code(&body)), (404, "not_found".into()), "another user's account: {body}");
}

/// The transactions workbench through the API: search, filters, sort, per-category totals
/// that add up to what is listed, a trader's category kept and filterable, the CSV export of
/// the filtered view, and bad input refused.
#[tokio::test]
async fn the_transactions_workbench_filters_totals_and_recategorises() {
    let s = server().await;
    let trader = s.sign_in("trader").await;
    let (status, body) = s.link_bank(&trader, "ins_109508").await;
    assert_eq!(status, 200, "{body}");
    let list = |query: String| {
        let (s, trader) = (&s, &trader);
        async move {
            let (status, body) =
                s.call("GET", &format!("/api/v1/banking/transactions?limit=500&{query}"), Some(trader), None).await;
            assert_eq!(status, 200, "{query}: {body}");
            serde_json::from_str::<Vec<Value>>(&body).unwrap()
        }
    };
    let mut all = Vec::new();
    for _ in 0..100 {
        all = list(String::new()).await;
        if !all.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(all.len() > 5, "the first sync brought transactions");
    let decimal = |v: &Value| -> rust_decimal::Decimal { v.as_str().unwrap().parse().unwrap() };

    // Search: every row listed has the text in its description or merchant, any case.
    let merchant = all.iter().find_map(|t| t["merchant_name"].as_str()).expect("a transaction with a merchant");
    let word = merchant.split_whitespace().next().unwrap().to_uppercase();
    let found = list(format!("q={}", urlencode(&word))).await;
    assert!(!found.is_empty() && found.len() < all.len(), "{word}: {} of {}", found.len(), all.len());
    for t in &found {
        let text = format!("{} {}", t["name"], t["merchant_name"]).to_uppercase();
        assert!(text.contains(&word), "{word} not in {text}");
    }
    // Sort by amount, largest out first.
    let sorted = list("sort=amount_desc".into()).await;
    let amounts: Vec<_> = sorted.iter().map(|t| decimal(&t["amount"])).collect();
    assert!(amounts.windows(2).all(|w| w[0] >= w[1]), "{amounts:?}");
    assert_eq!(sorted.len(), all.len());
    // Pending and posted split the list.
    let (pending, posted) = (list("pending=true".into()).await, list("pending=false".into()).await);
    assert_eq!(pending.len() + posted.len(), all.len());
    assert!(pending.iter().all(|t| t["pending"] == true) && posted.iter().all(|t| t["pending"] == false));

    // Per-category totals add up to the transactions listed, per category.
    let (status, body) = s.call("GET", "/api/v1/banking/transactions/categories", Some(&trader), None).await;
    assert_eq!(status, 200, "{body}");
    let totals: Vec<Value> = serde_json::from_str(&body).unwrap();
    let food = totals.iter().find(|t| t["category"] == "FOOD_AND_DRINK").expect("a food and drink total");
    let listed_food: Vec<&Value> = all.iter().filter(|t| t["category"] == "FOOD_AND_DRINK").collect();
    assert_eq!(food["count"].as_u64().unwrap() as usize, listed_food.len());
    let out: rust_decimal::Decimal =
        listed_food.iter().map(|t| decimal(&t["amount"])).filter(|a| a.is_sign_positive()).sum();
    assert_eq!(decimal(&food["money_out"]), out, "summed exactly");
    let counted: u64 = totals.iter().map(|t| t["count"].as_u64().unwrap()).sum();
    assert_eq!(counted as usize, all.len(), "every transaction in one category total");

    // Re-categorise one: listed, filtered and exported under the trader's category.
    let id = listed_food[0]["transaction_id"].as_str().unwrap();
    let set = json!({"transaction_id": id, "category": "ENTERTAINMENT"});
    let (status, body) = s.call("POST", "/api/v1/banking/transactions/category", Some(&trader), Some(set)).await;
    assert_eq!(status, 200, "{body}");
    let changed: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (changed["category"].clone(), changed["plaid_category"].clone()),
        (json!("ENTERTAINMENT"), json!("FOOD_AND_DRINK"))
    );
    let entertainment = list("category=ENTERTAINMENT".into()).await;
    assert!(entertainment.iter().any(|t| t["transaction_id"] == id), "filtered by the trader's category");
    assert_eq!(list("category=FOOD_AND_DRINK".into()).await.len(), listed_food.len() - 1);
    let (status, csv) =
        s.call("GET", "/api/v1/banking/transactions.csv?category=ENTERTAINMENT", Some(&trader), None).await;
    assert_eq!(status, 200);
    let rows: Vec<&str> = csv.split_terminator("\r\n").skip(1).collect();
    assert_eq!(rows.len(), entertainment.len(), "the export is the filtered view");
    assert!(rows.iter().any(|r| r.ends_with(id) && r.contains(",ENTERTAINMENT,")), "{csv}");

    // Refused: a category that is not one, another user's transaction, a search too long.
    let bad = json!({"transaction_id": id, "category": "CASINO"});
    let (status, _) = s.call("POST", "/api/v1/banking/transactions/category", Some(&trader), Some(bad)).await;
    assert_eq!(status, 400);
    let admin = s.sign_in("admin").await;
    let theirs = json!({"transaction_id": id, "category": "TRAVEL"});
    let (status, body) = s.call("POST", "/api/v1/banking/transactions/category", Some(&admin), Some(theirs)).await;
    assert_eq!((status, code(&body)), (404, "not_found".into()), "{body}");
    let long = format!("/api/v1/banking/transactions?q={}", "x".repeat(101));
    let (status, body) = s.call("GET", &long, Some(&trader), None).await;
    assert_eq!((status, code(&body)), (400, "invalid_input".into()), "{body}");
    let unchanged = list("category=ENTERTAINMENT".into()).await;
    assert_eq!(unchanged.len(), entertainment.len(), "nothing changed by the refusals");
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// A linked bank shows its institution's colour and logo, fetched from Plaid once and served
/// from our cache; a viewer cannot read it, an unknown one is 404.
#[tokio::test]
async fn a_banks_logo_and_colour_come_from_plaid_once_and_are_served_from_the_cache() {
    let s = server().await;
    let trader = s.sign_in("trader").await;
    let (status, body) = s.link_bank(&trader, "ins_109508").await;
    assert_eq!(status, 200, "{body}");
    // The first sync (which follows the link at once) fetches the identity; the link's own
    // answer does not wait for it.
    let mut bank = Value::Null;
    for _ in 0..100 {
        let (_, body) = s.call("GET", "/api/v1/banking/accounts", Some(&trader), None).await;
        bank = serde_json::from_str::<Value>(&body).unwrap()["items"][0].clone();
        if bank["logo_url"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(bank["primary_color"], "#0F766E", "{bank}");
    let logo = bank["logo_url"].as_str().expect("a logo url").to_string();
    assert_eq!(logo, "/api/v1/banking/institutions/ins_109508/logo");
    let response = s.http.get(format!("{}{logo}", s.base)).header("cookie", &trader).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert!(response.bytes().await.unwrap().starts_with(b"\x89PNG\r\n\x1a\n"));
    // Reads use the cache: Plaid was asked once.
    for _ in 0..3 {
        let (_, body) = s.call("GET", "/api/v1/banking/accounts", Some(&trader), None).await;
        assert!(body.contains("\"logo_url\":\"/api/v1/banking/institutions/ins_109508/logo\""), "{body}");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, calls) = s.call("GET", "/sim/control/calls", None, None).await;
    let calls: Value = serde_json::from_str(&calls).unwrap();
    assert_eq!(calls["/institutions/get_by_id"], 1, "{calls}");
    let viewer = s.sign_in("viewer").await;
    let (status, _) = s.call("GET", &logo, Some(&viewer), None).await;
    assert_eq!(status, 403);
    let (status, body) = s.call("GET", "/api/v1/banking/institutions/ins_unknown/logo", Some(&trader), None).await;
    assert_eq!((status, code(&body)), (404, "not_found".into()), "{body}");
}

/// "Sync now": real-time balances and new transactions asked of the bank (Plaid's
/// `/transactions/refresh`), at most once per interval per bank; the cash history records
/// the balances.
#[tokio::test]
async fn sync_now_fetches_what_waits_at_the_bank_once_per_interval_and_cash_history_records_it() {
    let s = server().await;
    let trader = s.sign_in("trader").await;
    let (status, body) = s.link_bank(&trader, "ins_109508").await;
    assert_eq!(status, 200, "{body}");
    let item_id = serde_json::from_str::<Value>(&body).unwrap()["item_id"].as_str().unwrap().to_string();
    let listed = || async {
        let (_, body) = s.call("GET", "/api/v1/banking/transactions?limit=500", Some(&trader), None).await;
        serde_json::from_str::<Value>(&body).unwrap().as_array().unwrap().len()
    };
    let mut before = 0;
    for _ in 0..100 {
        before = listed().await;
        if before > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(before > 0, "the first sync brought the history");
    // Two purchases wait at the bank: Plaid has not fetched them, no webhook comes.
    let queue = json!({"count": 2, "at_bank": true});
    let (status, body) = s.call("POST", &format!("/sim/control/items/{item_id}/transactions"), None, Some(queue)).await;
    assert_eq!(status, 200, "{body}");

    let sync_now = format!("/api/v1/banking/items/{item_id}/refresh");
    let (status, body) = s.call("POST", &sync_now, Some(&trader), None).await;
    assert_eq!(status, 200, "{body}");
    let first: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((first["stale_reason"].clone(), first["transactions_reason"].clone()), (Value::Null, Value::Null));
    let mut after = before;
    for _ in 0..100 {
        after = listed().await;
        if after == before + 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(after, before + 2, "the bank's two purchases arrived");

    // Again at once: neither Plaid call is spent again.
    let (status, body) = s.call("POST", &sync_now, Some(&trader), None).await;
    assert_eq!(status, 200, "{body}");
    let again: Value = serde_json::from_str(&body).unwrap();
    assert!(again["stale_reason"].as_str().unwrap().contains("moments ago"), "{again}");
    assert!(again["transactions_reason"].as_str().unwrap().contains("moments ago"), "{again}");
    let (_, calls) = s.call("GET", "/sim/control/calls", None, None).await;
    let calls: Value = serde_json::from_str(&calls).unwrap();
    assert_eq!((calls["/transactions/refresh"].clone(), calls["/accounts/balance/get"].clone()), (json!(1), json!(1)));

    // Cash over time: today's point is today's total cash.
    let (_, accounts) = s.call("GET", "/api/v1/banking/accounts", Some(&trader), None).await;
    let total = serde_json::from_str::<Value>(&accounts).unwrap()["total_cash"][0].clone();
    let (status, body) = s.call("GET", "/api/v1/banking/cash-history?days=30", Some(&trader), None).await;
    assert_eq!(status, 200, "{body}");
    let history: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(history["days"], 30);
    let series = &history["series"][0];
    assert_eq!(series["currency"], total["currency"], "{history}");
    let today = chrono::Utc::now().date_naive().to_string();
    let last = series["points"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["date"].as_str().unwrap(), last["amount"].clone()), (today.as_str(), total["amount"].clone()));
    for days in ["0", "367", "x"] {
        let (status, body) =
            s.call("GET", &format!("/api/v1/banking/cash-history?days={days}"), Some(&trader), None).await;
        assert_eq!(status, 400, "days={days}: {body}");
    }
    let viewer = s.sign_in("viewer").await;
    let (status, _) = s.call("GET", "/api/v1/banking/cash-history?days=30", Some(&viewer), None).await;
    assert_eq!(status, 403);
    let admin = s.sign_in("admin").await;
    let (status, body) = s.call("POST", &sync_now, Some(&admin), None).await;
    assert_eq!((status, code(&body)), (404, "not_found".into()), "another user's bank: {body}");
}

/// The admin view's API: admins only; every user's banks with Plaid's last error and its
/// request id, webhook health (a forged webhook counted), a sync on request, and the audit
/// trail; never a token or a transaction.
#[tokio::test]
async fn admins_see_every_banks_health_and_audit_trail_and_no_one_else_does() {
    let s = server().await;
    let trader = s.sign_in("trader").await;
    let viewer = s.sign_in("viewer").await;
    let admin = s.sign_in("admin").await;
    let routes = [
        ("GET", "/api/v1/admin/banks", None),
        ("GET", "/api/v1/admin/audit?item_id=x", None),
        ("POST", "/api/v1/admin/sync", Some(json!({"item_id": "x"}))),
    ];
    for (method, path, body) in &routes {
        let (status, text) = s.call(method, path, None, body.clone()).await;
        assert_eq!((status, code(&text)), (401, "unauthorized".into()), "{method} {path} signed out");
        for (role, cookie) in [("trader", &trader), ("viewer", &viewer)] {
            let (status, text) = s.call(method, path, Some(cookie), body.clone()).await;
            assert_eq!((status, code(&text)), (403, "forbidden".into()), "{method} {path} as {role}");
        }
    }
    let (status, body) = s.link_bank(&trader, "ins_109508").await;
    assert_eq!(status, 200, "{body}");
    let item_id = serde_json::from_str::<Value>(&body).unwrap()["item_id"].as_str().unwrap().to_string();
    let mut name = String::new();
    for _ in 0..100 {
        let (_, listed) = s.call("GET", "/api/v1/banking/transactions?limit=1", Some(&trader), None).await;
        if let Some(first) = serde_json::from_str::<Value>(&listed).unwrap()[0]["name"].as_str() {
            name = first.to_string();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!name.is_empty(), "the first sync ran");
    // The bank asks the user to sign in again; the next sync meets Plaid's error.
    let (status, _) = s.call("POST", &format!("/sim/control/items/{item_id}/login-required"), None, None).await;
    assert_eq!(status, 200);
    // A webhook that fails verification, naming the bank.
    let forged = json!({"webhook_type": "TRANSACTIONS", "webhook_code": "SYNC_UPDATES_AVAILABLE", "item_id": item_id});
    let response = s
        .http
        .post(format!("{}/api/v1/banking/plaid/webhook", s.base))
        .header("plaid-verification", "not.a.jwt")
        .json(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    // The sync meets the bank's error, or (when one was running) runs once more after it.
    let (status, body) = s.call("POST", "/api/v1/admin/sync", Some(&admin), Some(json!({"item_id": item_id}))).await;
    assert!(status >= 400 || body.contains(r#""ran":false"#), "{status} {body}");
    let mut bank = Value::Null;
    for _ in 0..100 {
        let (status, body) = s.call("GET", "/api/v1/admin/banks", Some(&admin), None).await;
        assert_eq!(status, 200, "{body}");
        assert!(!body.contains("access-"), "no access token: {body}");
        bank = serde_json::from_str::<Value>(&body).unwrap()[0].clone();
        if bank["last_error_request_id"].is_string() && bank["last_webhook_at"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!((bank["username"].clone(), bank["item_id"].clone()), (json!("trader"), json!(item_id)), "{bank}");
    assert_eq!(bank["status"], "login_required", "{bank}");
    assert_eq!(bank["last_error_code"], "ITEM_LOGIN_REQUIRED", "{bank}");
    assert!(bank["last_error_request_id"].as_str().is_some_and(|r| !r.is_empty()), "Plaid's request id: {bank}");
    assert!(bank["last_webhook_at"].is_string(), "the bank's ITEM ERROR webhook arrived: {bank}");
    assert_eq!(bank["webhook_failures"], 1, "{bank}");
    assert!(bank["last_sync_at"].is_string() && bank["accounts"].as_i64() > Some(0), "{bank}");

    // The webhook's audit entry is written as its handling ends, which may be just after the
    // bank's row shows the webhook: read the trail until it is there.
    let expected = ["linked", "synced", "webhook", "sync_requested", "plaid_error", "status_changed"];
    let (mut body, mut trail) = (String::new(), Vec::<Value>::new());
    for _ in 0..100 {
        let (status, text) = s.call("GET", &format!("/api/v1/admin/audit?item_id={item_id}"), Some(&admin), None).await;
        assert_eq!(status, 200, "{text}");
        (body, trail) = (text.clone(), serde_json::from_str(&text).unwrap());
        if expected.iter().all(|a| trail.iter().any(|e| e["action"] == *a)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let actions: Vec<&str> = trail.iter().map(|e| e["action"].as_str().unwrap()).collect();
    for expected in expected {
        assert!(actions.contains(&expected), "{expected} in {actions:?}");
    }
    let requested = trail.iter().find(|e| e["action"] == "sync_requested").unwrap();
    assert!(requested["actor"].as_str().unwrap().starts_with("admin:"), "{requested}");
    assert!(!body.contains(&name) && !body.contains("access-"), "no transaction or token in the trail: {body}");
    let (status, body) =
        s.call("POST", "/api/v1/admin/sync", Some(&admin), Some(json!({"item_id": "no-such-item"}))).await;
    assert_eq!((status, code(&body)), (404, "not_found".into()), "{body}");
}

/// Credit and payments due: a card's terms come from Plaid's /liabilities/get after the
/// link's first sync (once, not on every sync), and again when Plaid's LIABILITIES webhook
/// says they changed (here: the payment is overdue).
#[tokio::test]
async fn a_cards_payment_due_and_available_credit_come_from_plaid_and_follow_its_webhook() {
    let s = server().await;
    let trader = s.sign_in("trader").await;
    let (status, body) = s.link_bank(&trader, "ins_109510").await;
    assert_eq!(status, 200, "{body}");
    let item_id = serde_json::from_str::<Value>(&body).unwrap()["item_id"].as_str().unwrap().to_string();
    let read = || async {
        let (status, body) = s.call("GET", "/api/v1/banking/liabilities", Some(&trader), None).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str::<Value>(&body).unwrap()
    };
    let mut credit = Value::Null;
    for _ in 0..100 {
        credit = read().await;
        if credit["liabilities"].as_array().is_some_and(|l| !l.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let card = credit["liabilities"][0].clone();
    assert_eq!(
        (card["kind"].clone(), card["account_name"].clone()),
        (json!("credit"), json!("Houndstooth Rewards Card"))
    );
    assert_eq!((card["apr"].clone(), card["is_overdue"].clone()), (json!("22.49"), json!(false)));
    assert_eq!(decimal(&card["limit"]), decimal(&json!("8000.00")), "{card}");
    assert!(card["minimum_payment"].is_string() && card["next_payment_due_date"].is_string(), "{card}");
    // Available credit: the card's figure from the bank, totalled per currency.
    let (_, accounts) = s.call("GET", "/api/v1/banking/accounts", Some(&trader), None).await;
    let accounts: Value = serde_json::from_str(&accounts).unwrap();
    let account = accounts["items"][0]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == card["account_id"])
        .unwrap()
        .clone();
    assert_eq!(card["available_credit"], account["available"], "{card} {account}");
    assert_eq!(credit["available_credit"], json!([{"currency": "USD", "amount": account["available"]}]));

    let (status, _) = s.call("POST", &format!("/sim/control/items/{item_id}/overdue"), None, None).await;
    assert_eq!(status, 200);
    for _ in 0..100 {
        credit = read().await;
        if credit["liabilities"][0]["is_overdue"] == json!(true) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(credit["liabilities"][0]["is_overdue"], true, "{credit}");
    let (_, calls) = s.call("GET", "/sim/control/calls", None, None).await;
    let calls: Value = serde_json::from_str(&calls).unwrap();
    assert_eq!(calls["/liabilities/get"], 2, "once after the link's syncs, once for the webhook: {calls}");

    let viewer = s.sign_in("viewer").await;
    let (status, _) = s.call("GET", "/api/v1/banking/liabilities", Some(&viewer), None).await;
    assert_eq!(status, 403);
}

/// Investments: a brokerage's positions and activity come from Plaid's /investments/* after
/// the link's first sync, with brokerage cash apart from the positions; a trade that Plaid
/// announces (HOLDINGS and INVESTMENTS_TRANSACTIONS webhooks) is fetched again.
#[tokio::test]
async fn a_brokerages_positions_cash_and_activity_come_from_plaid_and_follow_its_webhooks() {
    let s = server().await;
    let trader = s.sign_in("trader").await;
    let (status, body) = s.link_bank(&trader, "ins_115585").await;
    assert_eq!(status, 200, "{body}");
    let item_id = serde_json::from_str::<Value>(&body).unwrap()["item_id"].as_str().unwrap().to_string();
    let read = || async {
        let (status, body) = s.call("GET", "/api/v1/banking/investments", Some(&trader), None).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str::<Value>(&body).unwrap()
    };
    let mut view = Value::Null;
    for _ in 0..100 {
        view = read().await;
        if view["accounts"].as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let account = view["accounts"][0].clone();
    assert_eq!((account["account_name"].clone(), account["mask"].clone()), (json!("Otter Brokerage"), json!("8080")));
    let amounts = |fields: &[&str]| fields.iter().map(|f| decimal(&account[*f])).collect::<Vec<_>>();
    assert_eq!(
        amounts(&["cash", "positions_value", "total"]),
        [1940, 23060, 25000].map(rust_decimal::Decimal::from),
        "{account}"
    );
    let (_, accounts) = s.call("GET", "/api/v1/banking/accounts", Some(&trader), None).await;
    let accounts: Value = serde_json::from_str(&accounts).unwrap();
    let brokerage = accounts["items"][0]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == account["account_id"])
        .unwrap()
        .clone();
    assert_eq!(decimal(&brokerage["current"]), decimal(&account["total"]), "the balance is its positions and cash");
    let holdings: Vec<(String, rust_decimal::Decimal, rust_decimal::Decimal)> = account["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["ticker"].as_str().unwrap().into(), decimal(&h["value"]), decimal(&h["gain"])))
        .collect();
    let expected = [("VTI", 12500, 2500), ("AAPL", 7600, 1600), ("BND", 2960, 160)]
        .map(|(t, v, g)| (t.to_string(), rust_decimal::Decimal::from(v), rust_decimal::Decimal::from(g)));
    assert_eq!(holdings, expected, "largest first, cash apart");
    let kinds: Vec<&str> =
        view["transactions"].as_array().unwrap().iter().map(|t| t["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["transfer", "fee", "cash", "sell", "buy", "buy", "buy", "cash"], "newest first: {view}");
    let sold = view["transactions"].as_array().unwrap().iter().find(|t| t["kind"] == "sell").unwrap().clone();
    assert_eq!((decimal(&sold["quantity"]), decimal(&sold["amount"])), ((-10).into(), (-1700).into()), "{sold}");
    let dividend =
        view["transactions"].as_array().unwrap().iter().find(|t| t["subtype"] == "dividend").unwrap().clone();
    assert_eq!((decimal(&dividend["amount"]), dividend["ticker"].clone()), ("-35.20".parse().unwrap(), json!("VTI")));

    let (status, _) = s.call("POST", &format!("/sim/control/items/{item_id}/trade"), None, None).await;
    assert_eq!(status, 200);
    for _ in 0..100 {
        view = read().await;
        if decimal(&view["accounts"][0]["cash"]) == rust_decimal::Decimal::from(990)
            && view["transactions"].as_array().unwrap().len() == 9
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(decimal(&view["accounts"][0]["cash"]), rust_decimal::Decimal::from(990), "{view}");
    assert_eq!(view["transactions"][0]["name"], "BUY 5 AAPL", "{view}");
    let aapl =
        view["accounts"][0]["holdings"].as_array().unwrap().iter().find(|h| h["ticker"] == "AAPL").unwrap().clone();
    assert_eq!((decimal(&aapl["quantity"]), decimal(&aapl["cost_basis"])), (45.into(), 6950.into()));

    let viewer = s.sign_in("viewer").await;
    let (status, _) = s.call("GET", "/api/v1/banking/investments", Some(&viewer), None).await;
    assert_eq!(status, 403);
}
