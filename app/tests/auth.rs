//! Sign-in through the real router (no socket): the role guard, session cycling, logout,
//! sessions surviving a restart, cross-site refusal and the create-user subcommand, on
//! SQLite and Postgres.

use app::server::{build, config::Cli, Built, DEMO_PASSWORD};
use axum::{body::Body, http::Request, Router};
use banking_core::testing::{fresh_url, BACKENDS};
use clap::Parser;
use http::{header, StatusCode};
use leptos::prelude::LeptosOptions;
use tower::ServiceExt;

async fn app(database_url: &str) -> Built {
    app_at(database_url, "http://127.0.0.1:3999").await
}

async fn app_at(database_url: &str, public_url: &str) -> Built {
    // An https URL without Plaid credentials must ask for the simulator explicitly.
    let mut settings = vec!["--public-url", public_url];
    if public_url.starts_with("https://") {
        settings.push("--simulation");
    }
    app_with(database_url, &settings).await
}

/// The app in live mode (Plaid's sandbox, never called here) at an https URL.
async fn live_app(database_url: &str) -> Built {
    let key = banking_core::crypto::TokenCipher::generate_spec("k-live");
    app_with(
        database_url,
        &[
            "--public-url",
            "https://cash.example",
            "--plaid-client-id",
            "live-client",
            "--plaid-secret",
            "live-secret",
            "--encryption-keys",
            &key,
        ],
    )
    .await
}

async fn app_with(database_url: &str, settings: &[&str]) -> Built {
    let data_dir = std::env::temp_dir().join(format!("cf-app-test-{}", rand_suffix()));
    let mut args = vec!["app", "--database-url", database_url, "--data-dir", data_dir.to_str().unwrap()];
    args.extend_from_slice(settings);
    let cli = Cli::try_parse_from(args).unwrap();
    cli.config.validate().unwrap();
    let options = LeptosOptions::builder()
        .output_name("cashflow")
        .site_addr(std::net::SocketAddr::from(([127, 0, 0, 1], 3999)))
        .build();
    build(&cli.config, options).await.unwrap()
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
}

struct Response {
    status: StatusCode,
    cookie: Option<String>,
    retry_after: Option<u64>,
    body: String,
}

async fn send(router: &Router, method: &str, uri: &str, cookie: Option<&str>, form: Option<&str>) -> Response {
    send_from(router, "", method, uri, cookie, form).await
}

/// [`send`] from the client address `client` (told by the `x-real-ip` header, which apps
/// built with `--trusted-client-ip-header x-real-ip` trust); "" sends no such header.
async fn send_from(
    router: &Router,
    client: &str,
    method: &str,
    uri: &str,
    cookie: Option<&str>,
    form: Option<&str>,
) -> Response {
    let mut request = Request::builder().method(method).uri(uri).header(header::HOST, "127.0.0.1:3999");
    if !client.is_empty() {
        request = request.header("x-real-ip", client);
    }
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let body = match form {
        Some(form) => {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(form.to_string())
        }
        None => Body::empty(),
    };
    let response = router.clone().oneshot(request.body(body).unwrap()).await.unwrap();
    let status = response.status();
    let cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap().to_string());
    let retry_after = response.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()?.parse().ok());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    Response { status, cookie, retry_after, body: String::from_utf8_lossy(&bytes).into_owned() }
}

async fn login(router: &Router, user: &str, password: &str, cookie: Option<&str>) -> Response {
    send(router, "POST", "/api/auth/login", cookie, Some(&format!("username={user}&password={password}"))).await
}

async fn me(router: &Router, cookie: &str) -> String {
    send(router, "POST", "/api/auth/me", Some(cookie), Some("")).await.body
}

#[tokio::test]
async fn sign_in_cycle_logout_and_restart_on_both_backends() {
    for backend in BACKENDS {
        let url = fresh_url(backend).await;
        let Built { router, .. } = app(&url).await;

        let wrong = login(&router, "trader", "nope-nope-nope", None).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{backend}");
        assert!(wrong.body.contains(r#""code":"invalid_credentials""#), "{backend}: {}", wrong.body);
        let unknown = login(&router, "nobody", "nope-nope-nope", None).await;
        // The same answer for unknown users, but for each request's own id.
        let error = |body: &str| {
            let mut body: serde_json::Value = serde_json::from_str(body).unwrap();
            body["error"].as_object_mut().unwrap().remove("request_id").expect("a request id");
            body
        };
        assert_eq!(
            (unknown.status, error(&unknown.body)),
            (wrong.status, error(&wrong.body)),
            "same answer for unknown users"
        );

        let first = login(&router, "trader", DEMO_PASSWORD, None).await;
        assert_eq!(first.status, StatusCode::OK, "{backend}: {}", first.body);
        let cookie_a = first.cookie.expect("session cookie");
        assert!(me(&router, &cookie_a).await.contains(r#""username":"trader""#));

        // Signing in again cycles the id: the old id stops working.
        let second = login(&router, "viewer", DEMO_PASSWORD, Some(&cookie_a)).await;
        let cookie_b = second.cookie.expect("new session cookie");
        assert_ne!(cookie_a, cookie_b, "{backend}: session id must change on login");
        assert_eq!(me(&router, &cookie_a).await, "null", "{backend}: the pre-login id is dead");
        assert!(me(&router, &cookie_b).await.contains(r#""role":"viewer""#));

        // Sessions live in the database: a restarted server still knows them.
        let Built { router: restarted, .. } = app(&url).await;
        assert!(me(&restarted, &cookie_b).await.contains(r#""username":"viewer""#), "{backend}");

        // Logout deletes the session server-side, even if the browser keeps the cookie.
        let out = send(&restarted, "POST", "/api/auth/logout", Some(&cookie_b), Some("")).await;
        assert!(out.status.is_success() || out.status.is_redirection(), "{backend}: {}", out.status);
        assert_eq!(me(&restarted, &cookie_b).await, "null", "{backend}");
    }
}

#[tokio::test]
async fn pages_redirect_to_sign_in_and_cross_site_posts_are_refused() {
    let url = fresh_url("sqlite").await;
    let Built { router, .. } = app(&url).await;
    let page = send(&router, "GET", "/cash-flow", None, None).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let request = Request::builder().uri("/login").body(Body::empty()).unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.headers()["x-frame-options"], "DENY", "the app cannot be framed (clickjacking)");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.headers()["cache-control"], "no-store", "pages may carry bank data: never cached");
    // Scripts run only with this response's nonce, which the page's own scripts carry.
    let policy = response.headers()["content-security-policy"].to_str().unwrap().to_string();
    let nonce = policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce").to_string();
    assert!(policy.contains("frame-ancestors 'none'") && policy.contains("object-src 'none'"), "{policy}");
    let html = String::from_utf8(axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap();
    assert!(
        html.contains(&format!("<script type=\"module\" nonce=\"{nonce}\">")),
        "hydration script carries the nonce"
    );
    let request = Request::builder().uri("/login").body(Body::empty()).unwrap();
    let again = router.clone().oneshot(request).await.unwrap();
    assert!(!again.headers()["content-security-policy"].to_str().unwrap().contains(&nonce), "a new nonce each time");
    assert!(again.headers().get("strict-transport-security").is_none(), "no HSTS over plain http");
    let secure = app_at(&fresh_url("sqlite").await, "https://cash.example").await.router;
    let request = Request::builder().uri("/login").header(header::HOST, "cash.example").body(Body::empty()).unwrap();
    let response = secure.oneshot(request).await.unwrap();
    assert!(response.headers()["strict-transport-security"].to_str().unwrap().starts_with("max-age="));
    let request = Request::builder()
        .method("POST")
        .uri("/api/auth/login")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("username=trader&password={DEMO_PASSWORD}")))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let request = Request::builder()
        .method("POST")
        .uri("/api/auth/login")
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap();
    assert_eq!(router.clone().oneshot(request).await.unwrap().status(), StatusCode::FORBIDDEN);
    let health = send(&router, "GET", "/readyz", None, None).await;
    assert_eq!(health.status, StatusCode::OK);
}

#[tokio::test]
async fn the_create_user_subcommand_reads_the_password_from_env_or_stdin() {
    use std::io::Write;
    for backend in BACKENDS {
        let url = fresh_url(backend).await;
        let data_dir = std::env::temp_dir().join(format!("cf-cli-{}", rand_suffix()));
        let run = |username: &str, role: &str, env_password: Option<&str>, stdin: &str| {
            let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_app"));
            command
                .args(["create-user", "--username", username, "--role", role])
                .env("DATABASE_URL", &url)
                .env("DATA_DIR", &data_dir)
                .env_remove("PLAID_CLIENT_ID")
                .env_remove("NEW_USER_PASSWORD")
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            if let Some(p) = env_password {
                command.env("NEW_USER_PASSWORD", p);
            }
            let mut child = command.spawn().unwrap();
            child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
            child.wait_with_output().unwrap()
        };
        let from_env = run("alice", "admin", Some("alice-password-1"), "");
        assert!(from_env.status.success(), "{backend}: {}", String::from_utf8_lossy(&from_env.stderr));
        let from_stdin = run("bob", "viewer", None, "bob-password-22\n");
        assert!(from_stdin.status.success(), "{backend}: {}", String::from_utf8_lossy(&from_stdin.stderr));
        let short = run("carol", "trader", Some("short"), "");
        assert!(!short.status.success());
        assert!(String::from_utf8_lossy(&short.stderr).contains("at least"));
        let bad_role = run("dave", "root", Some("long-enough-pw"), "");
        assert!(!bad_role.status.success());

        let Built { router, .. } = app(&url).await;
        let alice = login(&router, "alice", "alice-password-1", None).await;
        assert!(me(&router, &alice.cookie.unwrap()).await.contains(r#""role":"admin""#), "{backend}");
        let bob = login(&router, "bob", "bob-password-22", None).await;
        assert!(me(&router, &bob.cookie.unwrap()).await.contains(r#""role":"viewer""#), "{backend}");
        assert_eq!(login(&router, "carol", "short", None).await.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn sigterm_stops_the_server_cleanly_and_json_logs_hold_no_secrets() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = std::env::temp_dir().join(format!("cf-sigterm-{}", rand_suffix()));
    let key = banking_core::crypto::TokenCipher::generate_spec("k-test");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_app"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("DATABASE_URL", format!("sqlite://{}/db.sqlite", dir.display()))
        .env("DATA_DIR", &dir)
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("LOG_FORMAT", "json")
        .env("ENCRYPTION_KEYS", &key)
        // Built by cargo, not cargo-leptos: no hashed asset names beside this binary.
        .env("LEPTOS_HASH_FILES", "false")
        .env_remove("PLAID_CLIENT_ID")
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..100 {
        if let Ok(r) = client.get(format!("http://127.0.0.1:{port}/readyz")).send().await {
            if r.status() == 200 {
                ready = true;
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "server became ready");
    let page = client.get(format!("http://127.0.0.1:{port}/")).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("<form"), "/ serves the server-rendered sign-in page");
    // Link closing on an error is reported by the widget and logged with Plaid's ids.
    let signed_in = client
        .post(format!("http://127.0.0.1:{port}/api/auth/login"))
        .form(&[("username", "trader"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = signed_in.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let exit = serde_json::json!({"exit": {"error_code": "INSTITUTION_DOWN", "error_type": "INSTITUTION_ERROR",
        "status": "requires_credentials", "link_session_id": "link-session-77", "request_id": "req-link-88"}});
    let reported = client
        .post(format!("http://127.0.0.1:{port}/api/v1/banking/plaid/link-exit"))
        .header("cookie", &cookie)
        .json(&exit)
        .send()
        .await
        .unwrap();
    assert_eq!(reported.status(), 200);
    let started = std::time::Instant::now();
    assert!(std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    let status = child.wait().unwrap();
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(12), "within the grace period");
    let mut logs = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut logs).unwrap();
    assert!(
        logs.lines().filter(|l| !l.trim().is_empty()).all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()),
        "{logs}"
    );
    assert!(logs.contains("\"path\":\"/readyz\""), "requests are logged with their path");
    let readyz = logs.lines().find(|l| l.contains("\"path\":\"/readyz\"")).unwrap();
    assert!(readyz.contains("\"request_id\":\""), "and their request id: {readyz}");
    let exit_line = logs.lines().find(|l| l.contains("Link closed on an error")).expect("the Link exit is logged");
    for id in ["link-session-77", "req-link-88", "INSTITUTION_DOWN", "\"level\":\"WARN\""] {
        assert!(exit_line.contains(id), "{id} missing: {exit_line}");
    }
    let secret = key.split(':').nth(1).unwrap();
    assert!(!logs.contains(secret) && !logs.contains(DEMO_PASSWORD), "no secret in the logs");
}

#[tokio::test]
async fn repeated_failures_lock_the_username_on_every_instance() {
    for backend in BACKENDS {
        let url = fresh_url(backend).await;
        let Built { router, .. } = app(&url).await;
        let Built { router: other_instance, .. } = app(&url).await;
        for attempt in 0..banking_core::throttle::MAX_FAILURES {
            // Spread over two instances behind one load balancer: they share the count.
            let target = if attempt % 2 == 0 { &router } else { &other_instance };
            assert_eq!(login(target, "trader", "guess-guess-guess", None).await.status, StatusCode::UNAUTHORIZED);
        }
        for instance in [&router, &other_instance] {
            let locked = login(instance, "Trader", DEMO_PASSWORD, None).await;
            assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{backend}: even the right password waits");
            assert!(locked.body.contains("too_many_attempts"), "{backend}: {}", locked.body);
            assert!(locked.body.contains("5 minute(s)"), "{backend}: says how long: {}", locked.body);
            assert!(locked.cookie.is_none(), "{backend}: no session issued");
        }
        let other = login(&other_instance, "admin", DEMO_PASSWORD, None).await;
        assert_eq!(other.status, StatusCode::OK, "{backend}: other users are not affected");
    }
}

#[tokio::test]
async fn demo_users_exist_only_in_simulation_and_never_in_a_database_that_went_live() {
    for backend in BACKENDS {
        let url = fresh_url(backend).await;
        let Built { router, .. } = app(&url).await;
        let signed_in = login(&router, "trader", DEMO_PASSWORD, None).await;
        assert_eq!(signed_in.status, StatusCode::OK, "{backend}: demo sign-in in simulation mode");

        // The same database, now in live mode: the demo user's password is public, so it is
        // refused, and the simulator is not mounted.
        let Built { router: live, .. } = live_app(&url).await;
        let refused = login(&live, "trader", DEMO_PASSWORD, None).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{backend}: {}", refused.body);
        assert!(refused.cookie.is_none());
        for path in ["/sim/control/items", "/sim/link/link-initialize.js"] {
            let sim = send(&live, "GET", path, None, None).await;
            assert_eq!(sim.status, StatusCode::NOT_FOUND, "{backend}: {path} in live mode");
        }

        // Back in simulation mode on a database that was live: no new demo users appear.
        let fresh = fresh_url(backend).await;
        let _ = live_app(&fresh).await;
        let Built { router: simulated, .. } = app(&fresh).await;
        let none = login(&simulated, "trader", DEMO_PASSWORD, None).await;
        assert_eq!(none.status, StatusCode::UNAUTHORIZED, "{backend}: no demo users once live");
    }
}

const PROXIED: &[&str] = &["--public-url", "http://127.0.0.1:3999", "--trusted-client-ip-header", "x-real-ip"];

async fn login_from(router: &Router, client: &str, user: &str, password: &str) -> Response {
    let form = format!("username={user}&password={password}");
    send_from(router, client, "POST", "/api/auth/login", None, Some(&form)).await
}

#[tokio::test]
async fn guessing_from_one_address_neither_locks_the_user_out_nor_outpaces_the_rate_limit() {
    let url = fresh_url("sqlite").await;
    let mut settings = PROXIED.to_vec();
    settings.extend_from_slice(&["--sign-in-rate-per-minute", "6"]);
    let Built { router, .. } = app_with(&url, &settings).await;
    let attacker = "198.51.100.66";
    for _ in 0..banking_core::throttle::MAX_FAILURES {
        assert_eq!(login_from(&router, attacker, "trader", "guess-guess-guess").await.status, StatusCode::UNAUTHORIZED);
    }
    let locked = login_from(&router, attacker, "trader", DEMO_PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "the guessing address is locked for trader");
    assert!(locked.retry_after.is_some_and(|s| s >= 60), "{:?}", locked.retry_after);
    let owner = login_from(&router, "203.0.113.5", "trader", DEMO_PASSWORD).await;
    assert_eq!(owner.status, StatusCode::OK, "the user from their own address is not locked out: {}", owner.body);

    // The address has used its burst (6): even other usernames are refused from it, with a wait.
    let limited = login_from(&router, attacker, "admin", "guess-guess-guess").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.body.contains("rate_limited"), "{}", limited.body);
    assert!(limited.retry_after.is_some_and(|s| s >= 1));
    assert_eq!(login_from(&router, "203.0.113.6", "admin", DEMO_PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn webhook_floods_from_one_address_are_cut_off_before_verification() {
    let url = fresh_url("sqlite").await;
    let mut settings = PROXIED.to_vec();
    settings.extend_from_slice(&["--webhook-rate-per-minute", "5"]);
    let Built { router, .. } = app_with(&url, &settings).await;
    let path = "/api/v1/banking/plaid/webhook";
    let statuses: Vec<StatusCode> = futures_statuses(&router, "198.51.100.66", path, 8).await;
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count(), 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count(), 3, "{statuses:?}");
    let other = send_from(&router, "203.0.113.5", "POST", path, None, Some("{}")).await;
    assert_eq!(other.status, StatusCode::UNAUTHORIZED, "another address is still heard (and refused unsigned)");
}

async fn futures_statuses(router: &Router, client: &str, path: &str, n: usize) -> Vec<StatusCode> {
    let mut statuses = Vec::new();
    for _ in 0..n {
        statuses.push(send_from(router, client, "POST", path, None, Some("{}")).await.status);
    }
    statuses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ins_beyond_the_hashing_limit_get_429_with_retry_after_not_memory() {
    let url = fresh_url("sqlite").await;
    let mut settings = PROXIED.to_vec();
    settings.extend_from_slice(&["--password-hash-concurrency", "1", "--password-hash-wait-ms", "1"]);
    let Built { router, .. } = app_with(&url, &settings).await;
    let attempts: Vec<_> = (0..12)
        .map(|i| {
            let router = router.clone();
            tokio::spawn(
                async move { login_from(&router, &format!("198.51.100.{i}"), "nobody", "guess-guess-guess").await },
            )
        })
        .collect();
    let (mut refused, mut busy) = (0, 0);
    for attempt in attempts {
        let response = attempt.await.unwrap();
        match response.status {
            StatusCode::UNAUTHORIZED => refused += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(response.body.contains("busy"), "{}", response.body);
                assert_eq!(response.retry_after, Some(1));
                busy += 1;
            }
            other => panic!("unexpected {other}: {}", response.body),
        }
    }
    assert!(refused >= 1 && busy >= 1, "hashing is bounded: {refused} hashed, {busy} told to retry");
}

#[tokio::test]
async fn live_mode_lets_plaid_link_through_the_content_security_policy_and_simulation_does_not() {
    let csp = |router: Router| async move {
        let request = Request::builder().uri("/login").header(header::HOST, "127.0.0.1:3999").body(Body::empty());
        let response = router.oneshot(request.unwrap()).await.unwrap();
        response.headers().get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap().to_string()
    };
    let live = csp(live_app(&fresh_url("sqlite").await).await.router).await;
    for directive in [
        "script-src 'nonce-",
        "https://cdn.plaid.com/link/v2/stable/link-initialize.js",
        "frame-src https://cdn.plaid.com/;",
        "connect-src 'self' https://sandbox.plaid.com/;",
        "frame-ancestors 'none'",
    ] {
        assert!(live.contains(directive), "live CSP lacks {directive}: {live}");
    }
    let simulated = csp(app(&fresh_url("sqlite").await).await.router).await;
    assert!(!simulated.contains("plaid.com"), "simulation needs no Plaid host: {simulated}");
    assert!(simulated.contains("frame-src 'none'"), "{simulated}");
}

/// The full `Set-Cookie` header of a sign-in.
async fn sign_in_cookie_header(router: &Router) -> String {
    let request = Request::builder()
        .method("POST")
        .uri("/api/auth/login")
        .header(header::HOST, "127.0.0.1:3999")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("username=trader&password={DEMO_PASSWORD}")))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().to_string()
}

#[tokio::test]
async fn session_cookies_follow_asvs_and_expired_sessions_are_purged() {
    let secure = sign_in_cookie_header(&app_at(&fresh_url("sqlite").await, "https://cash.example").await.router).await;
    assert!(secure.starts_with("__Host-cashflow_session="), "{secure}");
    for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=1800"] {
        assert!(secure.split("; ").any(|a| a == attribute), "{attribute} missing: {secure}");
    }
    assert!(!secure.contains("Domain="), "__Host- cookies carry no Domain: {secure}");
    let plain = sign_in_cookie_header(&app(&fresh_url("sqlite").await).await.router).await;
    assert!(plain.starts_with("cashflow_session=") && !plain.contains("Secure"), "{plain}");

    for backend in BACKENDS {
        let url = fresh_url(backend).await;
        let Built { router, state, .. } = app(&url).await;
        let cookie = login(&router, "trader", DEMO_PASSWORD, None).await.cookie.unwrap();
        let sessions = app::server::sessions::Sessions::new(&state.db).await.unwrap();
        let count = || async {
            match &state.db {
                banking_core::db::Database::Sqlite(pool) => {
                    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM tower_sessions").fetch_one(pool).await.unwrap()
                }
                banking_core::db::Database::Postgres(pool) => {
                    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM tower_sessions.session")
                        .fetch_one(pool)
                        .await
                        .unwrap()
                }
            }
        };
        sessions.delete_expired().await.unwrap();
        assert_eq!(count().await, 1, "{backend}: a live session is kept");
        match &state.db {
            banking_core::db::Database::Sqlite(pool) => {
                sqlx::query("UPDATE tower_sessions SET expiry_date = '2000-01-01 00:00:00'")
                    .execute(pool)
                    .await
                    .unwrap();
            }
            banking_core::db::Database::Postgres(pool) => {
                sqlx::query("UPDATE tower_sessions.session SET expiry_date = now() - interval '1 minute'")
                    .execute(pool)
                    .await
                    .unwrap();
            }
        }
        // Another instance (this one may serve the record from memory for a few seconds).
        let Built { router: other, .. } = app(&url).await;
        assert_eq!(me(&other, &cookie).await, "null", "{backend}: an idle-expired session is signed out");
        sessions.delete_expired().await.unwrap();
        assert_eq!(count().await, 0, "{backend}: and purged");
    }
}

async fn change_password(router: &Router, cookie: &str, current: &str, new: &str, confirm: &str) -> Response {
    let form = format!("current={current}&new={new}&confirm={confirm}");
    send(router, "POST", "/api/auth/change-password", Some(cookie), Some(&form)).await
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_the_other_sessions() {
    for backend in BACKENDS {
        let url = fresh_url(backend).await;
        let Built { router, .. } = app(&url).await;
        let here = login(&router, "trader", DEMO_PASSWORD, None).await.cookie.unwrap();
        let elsewhere = login(&router, "trader", DEMO_PASSWORD, None).await.cookie.unwrap();
        let new = "a-new-long-passphrase";

        let signed_out =
            send(&router, "POST", "/api/auth/change-password", None, Some("current=x&new=y&confirm=y")).await;
        assert_eq!(signed_out.status, StatusCode::UNAUTHORIZED, "{backend}");
        let wrong = change_password(&router, &here, "not-my-password", new, new).await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{backend}: {}", wrong.body);
        let differ = change_password(&router, &here, DEMO_PASSWORD, new, "something-else-entirely").await;
        assert_eq!(differ.status, StatusCode::BAD_REQUEST, "{backend}: {}", differ.body);
        let short = change_password(&router, &here, DEMO_PASSWORD, "short", "short").await;
        assert_eq!(short.status, StatusCode::BAD_REQUEST, "{backend}: {}", short.body);
        assert!(short.body.contains("at least"), "{backend}: {}", short.body);

        let changed = change_password(&router, &here, DEMO_PASSWORD, new, new).await;
        assert_eq!(changed.status, StatusCode::OK, "{backend}: {}", changed.body);
        let here = changed.cookie.unwrap_or(here);
        assert!(me(&router, &here).await.contains("trader"), "{backend}: this session continues");
        assert_eq!(me(&router, &elsewhere).await, "null", "{backend}: the other session ended");
        assert_eq!(login(&router, "trader", DEMO_PASSWORD, None).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(login(&router, "trader", new, None).await.status, StatusCode::OK, "{backend}");
    }
}

/// The account page's form posted as plain HTML (no script runs on that page): each outcome
/// comes back to the page, which says it; nothing changes on a refusal.
#[tokio::test]
async fn the_account_pages_plain_form_comes_back_with_what_happened() {
    let Built { router, .. } = app(&fresh_url("sqlite").await).await;
    let cookie = login(&router, "trader", DEMO_PASSWORD, None).await.cookie.unwrap();
    let post = |cookie: Option<String>, form: String| {
        let router = router.clone();
        async move {
            let mut request = Request::builder()
                .method("POST")
                .uri("/api/auth/change-password")
                .header(header::HOST, "127.0.0.1:3999")
                .header(header::ACCEPT, "text/html,application/xhtml+xml")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            if let Some(cookie) = cookie {
                request = request.header(header::COOKIE, cookie);
            }
            let response = router.oneshot(request.body(Body::from(form)).unwrap()).await.unwrap();
            assert!(response.status().is_redirection(), "{}", response.status());
            response.headers()[header::LOCATION].to_str().unwrap().to_string()
        }
    };
    let page = |cookie: String, uri: &'static str| {
        let router = router.clone();
        async move {
            let request = Request::builder()
                .uri(uri)
                .header(header::HOST, "127.0.0.1:3999")
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap();
            let response = router.oneshot(request).await.unwrap();
            String::from_utf8(axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap()
        }
    };
    let new = "a-new-long-passphrase";
    let form = |current: &str, new: &str, confirm: &str| format!("current={current}&new={new}&confirm={confirm}");
    assert_eq!(post(None, form("x", new, new)).await, "/login?next=/account");
    assert_eq!(post(Some(cookie.clone()), form("not-mine", new, new)).await, "/account?error=current");
    assert_eq!(
        post(Some(cookie.clone()), form(DEMO_PASSWORD, new, "other-one-entirely")).await,
        "/account?error=differ"
    );
    assert_eq!(post(Some(cookie.clone()), form(DEMO_PASSWORD, "short", "short")).await, "/account?error=unacceptable");
    assert!(page(cookie.clone(), "/account?error=current").await.contains("Your current password is not right."));
    assert!(page(cookie.clone(), "/account?error=differ")
        .await
        .contains("The new password and its repetition differ."));
    assert!(
        page(cookie.clone(), "/account?error=made-up").await.contains("could not be changed"),
        "unknown names say nothing of their own"
    );
    assert_eq!(login(&router, "trader", DEMO_PASSWORD, None).await.status, StatusCode::OK, "nothing changed");
    assert_eq!(post(Some(cookie.clone()), form(DEMO_PASSWORD, new, new)).await, "/account?changed=1");
    assert!(page(cookie, "/account?changed=1").await.contains("Password changed."));
    assert_eq!(login(&router, "trader", new, None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn pages_are_compressed_for_clients_that_accept_it_and_stay_uncacheable() {
    let Built { router, .. } = app(&fresh_url("sqlite").await).await;
    let request = Request::builder()
        .uri("/login")
        .header(header::HOST, "127.0.0.1:3999")
        .header(header::ACCEPT_ENCODING, "br, gzip")
        .body(Body::empty())
        .unwrap();
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "br");
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
}

#[tokio::test]
async fn hashed_assets_are_kept_for_good_and_everything_else_is_not() {
    let site = std::env::temp_dir().join(format!("cf-app-test-site-{}", rand_suffix()));
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/cashflow.0f3a9c.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(site.join("favicon.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
    let cli = Cli::try_parse_from([
        "app",
        "--database-url",
        &fresh_url("sqlite").await,
        "--data-dir",
        site.to_str().unwrap(),
    ])
    .unwrap();
    let build_with = |hash_files: bool| {
        let options = LeptosOptions::builder()
            .output_name("cashflow")
            .site_root(site.to_str().unwrap())
            .hash_files(hash_files)
            .site_addr(std::net::SocketAddr::from(([127, 0, 0, 1], 3999)))
            .build();
        build(&cli.config, options)
    };
    let cache_control = |router: Router, uri: &'static str| async move {
        let response = router.oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap()).await.unwrap();
        (response.status(), response.headers()[header::CACHE_CONTROL].to_str().unwrap().to_string())
    };
    let hashed = build_with(true).await.unwrap().router;
    assert_eq!(
        cache_control(hashed.clone(), "/pkg/cashflow.0f3a9c.wasm").await,
        (StatusCode::OK, "public, max-age=31536000, immutable".to_string()),
        "a hashed asset never changes under its name"
    );
    let (status, policy) = cache_control(hashed.clone(), "/pkg/cashflow.ffffff.wasm").await;
    assert_eq!((status, policy.as_str()), (StatusCode::NOT_FOUND, "no-store"), "a missing asset is not cached");
    assert_eq!(cache_control(hashed.clone(), "/favicon.svg").await, (StatusCode::OK, "public, max-age=3600".into()));
    assert_eq!(cache_control(hashed, "/healthz").await, (StatusCode::OK, "no-store".into()), "JSON stays uncached");
    let unhashed = build_with(false).await.unwrap().router;
    assert_eq!(
        cache_control(unhashed, "/pkg/cashflow.0f3a9c.wasm").await.1,
        "no-cache",
        "without hashed names the browser must revalidate"
    );
    std::fs::remove_dir_all(&site).ok();
}

#[tokio::test]
async fn with_hashed_asset_names_on_and_no_hash_file_the_server_refuses_to_start() {
    let dir = std::env::temp_dir().join(format!("cf-app-test-{}", rand_suffix()));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_app"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("DATABASE_URL", format!("sqlite://{}/db.sqlite", dir.display()))
        .env("DATA_DIR", &dir)
        .env("LISTEN_ADDR", "127.0.0.1:0")
        // Settings from LEPTOS_* variables alone, as cargo-leptos passes them.
        .env("LEPTOS_OUTPUT_NAME", "cashflow")
        .env("LEPTOS_HASH_FILES", "true")
        .env("LEPTOS_HASH_FILE_NAME", "no-such-hash-file.txt")
        .env_remove("PLAID_CLIENT_ID")
        .output()
        .unwrap();
    assert!(!output.status.success(), "pages would name assets that cannot be found");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no-such-hash-file.txt is missing"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn every_api_error_carries_the_request_id_the_response_and_its_logs_carry() {
    let Built { router, .. } = app(&fresh_url("sqlite").await).await;
    let request = Request::builder()
        .uri("/api/v1/banking/accounts")
        .header("x-request-id", "chosen-by-the-client")
        .body(Body::empty())
        .unwrap();
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let id = response.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_ne!(id, "chosen-by-the-client", "ids in our logs are ours");
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let body: serde_json::Value =
        serde_json::from_slice(&axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    assert_eq!(body["error"]["request_id"], id.as_str(), "{body}");
}
