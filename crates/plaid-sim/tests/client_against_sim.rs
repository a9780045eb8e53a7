//! plaid-client's own calls, pointed at the simulator, for every endpoint, with errors and
//! the sync restart.

use std::time::Duration;

use plaid_client::{api::*, retry::RetryPolicy, AccessToken, Environment, Error, PlaidClient};
use plaid_sim::{spawn, SimConfig};
use serde_json::json;

async fn sim() -> (String, PlaidClient) {
    let (url, _) = spawn(SimConfig::default()).await.unwrap();
    let client = PlaidClient::builder(Environment::Custom(url.clone()), "sim-client-id", "sim-secret")
        .timeout(Duration::from_secs(2))
        .retry_policy(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        })
        .build()
        .unwrap();
    (url, client)
}

async fn linked(client: &PlaidClient, institution: &str) -> (AccessToken, String) {
    let public = client
        .send(&SandboxPublicTokenCreateRequest {
            institution_id: institution.into(),
            initial_products: vec!["transactions".into()],
            options: None,
        })
        .await
        .unwrap();
    assert!(public.public_token.starts_with("public-sandbox-"));
    let exchanged = client.send(&ItemPublicTokenExchangeRequest { public_token: public.public_token }).await.unwrap();
    assert!(exchanged.access_token.expose().starts_with("access-sandbox-"));
    (exchanged.access_token, exchanged.item_id)
}

/// Serves `receiver` on a free port; returns the URL of its `/hook` route.
async fn serve_hook(receiver: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await });
    hook
}

/// An Item at First Platypus Bank whose webhooks go to `hook`.
async fn linked_with_webhook(client: &PlaidClient, hook: String) -> AccessToken {
    let public = client
        .send(&SandboxPublicTokenCreateRequest {
            institution_id: "ins_109508".into(),
            initial_products: vec!["transactions".into()],
            options: Some(SandboxPublicTokenCreateOptions { webhook: Some(hook), ..Default::default() }),
        })
        .await
        .unwrap();
    client.send(&ItemPublicTokenExchangeRequest { public_token: public.public_token }).await.unwrap().access_token
}

/// A Link token request for a new bank.
fn link_request() -> LinkTokenCreateRequest {
    LinkTokenCreateRequest {
        client_name: "Test".into(),
        language: "en".into(),
        country_codes: vec!["US".into()],
        user: LinkTokenUser { client_user_id: "u1".into() },
        products: Some(vec!["transactions".into()]),
        optional_products: Some(vec!["liabilities".into()]),
        webhook: None,
        access_token: None,
        redirect_uri: None,
        transactions: None,
        update: None,
    }
}

fn code(e: Error) -> String {
    e.code().map(str::to_string).unwrap_or_else(|| format!("{e:?}"))
}

async fn control(url: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
    reqwest::Client::new().post(format!("{url}/control{path}")).json(&body).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn link_token_create_and_update_mode() {
    let (_, client) = sim().await;
    let request = link_request();
    let token = client.send(&request).await.unwrap();
    assert!(token.link_token.starts_with("link-sandbox-"));
    assert!(token.expiration > chrono::Utc::now() + chrono::Duration::hours(3));
    let (access, _) = linked(&client, "ins_109508").await;
    let update = LinkTokenCreateRequest { products: None, access_token: Some(access), ..request.clone() };
    let token = client.send(&update).await.unwrap();
    assert!(token.expiration < chrono::Utc::now() + chrono::Duration::minutes(31));
    let missing_products = LinkTokenCreateRequest { products: None, ..request };
    assert_eq!(code(client.send(&missing_products).await.unwrap_err()), "MISSING_FIELDS");
}

#[tokio::test]
async fn wrong_or_missing_keys_are_invalid_api_keys() {
    let (url, _) = sim().await;
    let wrong = PlaidClient::builder(Environment::Custom(url.clone()), "sim-client-id", "nope").build().unwrap();
    let err = wrong.send(&ItemGetRequest { access_token: AccessToken::new("access-sandbox-x") }).await.unwrap_err();
    assert_eq!(err.api().unwrap().error_code, "INVALID_API_KEYS");
    assert!(err.api().unwrap().request_id.is_some());
    let raw = reqwest::Client::new().post(format!("{url}/item/get")).body("{not json").send().await.unwrap();
    assert_eq!(raw.status(), 400);
    let body: serde_json::Value = raw.json().await.unwrap();
    assert_eq!(body["error_type"], "INVALID_REQUEST");
}

#[tokio::test]
async fn public_tokens_work_once() {
    let (_, client) = sim().await;
    let public = client
        .send(&SandboxPublicTokenCreateRequest {
            institution_id: "ins_109510".into(),
            initial_products: vec!["transactions".into()],
            options: None,
        })
        .await
        .unwrap()
        .public_token;
    client.send(&ItemPublicTokenExchangeRequest { public_token: public.clone() }).await.unwrap();
    let again = client.send(&ItemPublicTokenExchangeRequest { public_token: public }).await.unwrap_err();
    assert_eq!(code(again), "INVALID_PUBLIC_TOKEN");
}

#[tokio::test]
async fn accounts_and_balances_agree_with_transactions() {
    let (_, client) = sim().await;
    let (access, item_id) = linked(&client, "ins_109508").await;
    let accounts = client.send(&AccountsGetRequest::new(&access)).await.unwrap();
    assert_eq!(accounts.item.item_id, item_id);
    assert_eq!(accounts.accounts.iter().map(|a| a.mask.clone().unwrap()).collect::<Vec<_>>(), ["0000", "1111"]);
    let balances = client.send(&AccountsBalanceGetRequest::new(&access)).await.unwrap();
    let sync = client.sync_transactions(&access, None, 500).await.unwrap();
    for account in &balances.accounts {
        let posted: rust_decimal::Decimal =
            sync.added.iter().filter(|t| t.account_id == account.account_id && !t.pending).map(|t| t.amount).sum();
        let opening = if account.mask.as_deref() == Some("0000") { "3200" } else { "12500" };
        assert_eq!(account.balances.current.unwrap(), opening.parse::<rust_decimal::Decimal>().unwrap() - posted);
    }
}

#[tokio::test]
async fn sync_pages_and_reports_pending_to_posted() {
    let (url, client) = sim().await;
    let (access, item_id) = linked(&client, "ins_109510").await;
    let first = client.sync_transactions(&access, None, 25).await.unwrap();
    assert!(first.pages > 1, "history spans several pages of 25");
    assert!(first.added.len() > 100, "90 days of history: {}", first.added.len());
    let ids: std::collections::HashSet<_> = first.added.iter().map(|t| &t.transaction_id).collect();
    assert_eq!(ids.len(), first.added.len(), "ids are unique");
    let pending: Vec<_> = first.added.iter().filter(|t| t.pending).map(|t| t.transaction_id.clone()).collect();
    assert!(!pending.is_empty(), "recent purchases are pending");
    let cursor = first.next_cursor.clone().unwrap();
    let none = client.sync_transactions(&access, Some(&cursor), 25).await.unwrap();
    assert!(none.added.is_empty() && none.removed.is_empty());

    control(&url, &format!("/items/{item_id}/transactions"), json!({"count": 2, "modify": 1})).await;
    let next = client.sync_transactions(&access, Some(&cursor), 25).await.unwrap();
    let removed: Vec<_> = next.removed.iter().map(|r| r.transaction_id.clone()).collect();
    assert_eq!(removed, pending, "every pending transaction is removed when it posts");
    for p in &pending {
        assert!(next.added.iter().any(|t| t.pending_transaction_id.as_deref() == Some(p.as_str()) && !t.pending));
    }
    assert_eq!(next.added.len(), pending.len() + 2);
    assert_eq!(next.modified.len(), 1);
}

#[tokio::test]
async fn mutation_during_pagination_restarts_cleanly() {
    let (url, client) = sim().await;
    let (access, item_id) = linked(&client, "ins_109508").await;
    control(&url, &format!("/items/{item_id}/mutate-next-sync"), json!({"after": 1})).await;
    let result = client.sync_transactions(&access, None, 20).await.unwrap();
    assert_eq!(result.restarts, 1);
    let all = client.sync_transactions(&access, None, 500).await.unwrap();
    assert_eq!(result.added.len(), all.added.len(), "the restarted pass saw everything, once");
}

#[tokio::test]
async fn login_required_repair_and_errors() {
    let (url, client) = sim().await;
    let (access, item_id) = linked(&client, "ins_109508").await;
    client.send(&SandboxItemResetLoginRequest { access_token: access.clone() }).await.unwrap();
    assert_eq!(code(client.send(&AccountsGetRequest::new(&access)).await.unwrap_err()), "ITEM_LOGIN_REQUIRED");
    assert_eq!(code(client.sync_transactions(&access, None, 100).await.unwrap_err()), "ITEM_LOGIN_REQUIRED");
    let item = client.send(&ItemGetRequest { access_token: access.clone() }).await.unwrap().item;
    assert_eq!(item.error.unwrap().error_code, "ITEM_LOGIN_REQUIRED");
    control(&url, &format!("/items/{item_id}/repair"), json!({})).await;
    client.send(&AccountsGetRequest::new(&access)).await.unwrap();
    assert_eq!(
        code(client.send(&AccountsGetRequest::new(&AccessToken::new("bogus"))).await.unwrap_err()),
        "INVALID_ACCESS_TOKEN"
    );
}

#[tokio::test]
async fn item_get_webhook_update_fire_refresh_and_remove() {
    let (_, client) = sim().await;
    let (access, item_id) = linked(&client, "ins_109512").await;
    let got = client.send(&ItemGetRequest { access_token: access.clone() }).await.unwrap();
    assert_eq!(got.item.item_id, item_id);
    assert_eq!(got.item.institution_id.as_deref(), Some("ins_109512"));
    let updated = client
        .send(&ItemWebhookUpdateRequest {
            access_token: access.clone(),
            webhook: Some("http://127.0.0.1:9/hook".into()),
        })
        .await
        .unwrap();
    assert_eq!(updated.item.webhook.as_deref(), Some("http://127.0.0.1:9/hook"));
    let fired = client
        .send(&SandboxItemFireWebhookRequest {
            access_token: access.clone(),
            webhook_type: None,
            webhook_code: "NEW_ACCOUNTS_AVAILABLE".into(),
        })
        .await
        .unwrap();
    assert!(fired.webhook_fired);
    let bad = client
        .send(&SandboxItemFireWebhookRequest {
            access_token: access.clone(),
            webhook_type: None,
            webhook_code: "PENDING_EXPIRATION".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(code(bad), "INVALID_FIELD", "Plaid's sandbox cannot fire PENDING_EXPIRATION");
    client.send(&ItemRemoveRequest { access_token: access.clone() }).await.unwrap();
    assert_eq!(code(client.send(&ItemGetRequest { access_token: access }).await.unwrap_err()), "ITEM_NOT_FOUND");
}

#[tokio::test]
async fn injected_faults_are_retried_or_surface() {
    let (url, client) = sim().await;
    let (access, _) = linked(&client, "ins_109508").await;
    control(&url, "/faults", json!({"kind": "429", "count": 1})).await;
    client.send(&AccountsGetRequest::new(&access)).await.unwrap();
    control(&url, "/faults", json!({"kind": "500", "count": 3})).await;
    assert_eq!(code(client.send(&AccountsGetRequest::new(&access)).await.unwrap_err()), "INTERNAL_SERVER_ERROR");
    control(&url, "/faults", json!({"kind": "stall", "count": 3, "stall_ms": 2500})).await;
    assert!(matches!(client.send(&AccountsGetRequest::new(&access)).await.unwrap_err(), Error::Timeout { .. }));
}

#[tokio::test]
async fn webhooks_are_signed_so_the_client_verifier_accepts_them() {
    use axum::{body::Bytes, http::HeaderMap, routing::post, Router};
    let (_, client) = sim().await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Option<String>, Bytes)>();
    let receiver = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            async move {
                let header = headers.get("plaid-verification").and_then(|v| v.to_str().ok()).map(str::to_string);
                let _ = tx.send((header, body));
                "ok"
            }
        }),
    );
    let access = linked_with_webhook(&client, serve_hook(receiver).await).await;
    client.send(&SandboxItemResetLoginRequest { access_token: access }).await.unwrap();
    let (header, body) = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.unwrap().unwrap();
    let verifier = plaid_client::webhook::WebhookVerifier::new(client.clone());
    let payload = verifier.verify(header.as_deref(), &body).await.unwrap();
    assert!(
        matches!(payload, plaid_client::webhook::WebhookPayload::ItemError { error: Some(ref e), .. } if e.error_code == "ITEM_LOGIN_REQUIRED")
    );
    let mut tampered = body.to_vec();
    tampered[0] = b' ';
    assert!(verifier.verify(header.as_deref(), &tampered).await.is_err());
}

#[tokio::test]
async fn a_refused_webhook_is_delivered_again() {
    use axum::{http::StatusCode, routing::post, Router};
    use std::sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    };
    let (url, _) =
        spawn(SimConfig { webhook_retry_delay: Duration::from_millis(20), ..SimConfig::default() }).await.unwrap();
    let client = PlaidClient::builder(Environment::Custom(url.clone()), "sim-client-id", "sim-secret").build().unwrap();
    let attempts = Arc::new(AtomicUsize::new(0));
    let seen = attempts.clone();
    let receiver = Router::new().route(
        "/hook",
        post(move || {
            let seen = seen.clone();
            async move {
                // Refuse the first two deliveries, like an app that is restarting.
                if seen.fetch_add(1, Ordering::SeqCst) < 2 {
                    StatusCode::SERVICE_UNAVAILABLE
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let access = linked_with_webhook(&client, serve_hook(receiver).await).await;
    client.send(&SandboxItemResetLoginRequest { access_token: access }).await.unwrap();
    for _ in 0..100 {
        if attempts.load(Ordering::SeqCst) >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(attempts.load(Ordering::SeqCst), 3, "two refusals, then delivered once, then no more");
}

#[tokio::test]
async fn link_shares_only_the_accounts_the_user_picked() {
    let (url, client) = sim().await;
    let token = client.send(&link_request()).await.unwrap();
    let done: serde_json::Value = reqwest::Client::new()
        .post(format!("{url}/link/complete"))
        .json(&json!({"link_token": token.link_token, "institution_id": "ins_109510", "username": "user_good",
                      "password": "pass_good", "account_masks": ["4444"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let masks: Vec<_> = done["metadata"]["accounts"].as_array().unwrap().iter().map(|a| a["mask"].clone()).collect();
    assert_eq!(masks, [json!("4444")]);
    let public_token = done["public_token"].as_str().unwrap().to_string();
    let access = client.send(&ItemPublicTokenExchangeRequest { public_token }).await.unwrap().access_token;
    let accounts = client.send(&AccountsGetRequest::new(&access)).await.unwrap().accounts;
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].account_type, AccountType::Credit);
    // The token is single-use: the same Link session cannot complete twice.
    let again = reqwest::Client::new()
        .post(format!("{url}/link/complete"))
        .json(&json!({"link_token": token.link_token, "institution_id": "ins_109510", "username": "user_good", "password": "pass_good"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 400);
}

#[tokio::test]
async fn an_oauth_bank_signs_in_on_its_own_page_and_link_resumes_at_the_redirect_uri() {
    let (url, client) = sim().await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    // Link's JSON endpoints, as the Link script calls them: (status, body).
    let link = |path: &str, body: serde_json::Value| {
        let request = http.post(format!("{url}/link{path}")).json(&body);
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.json::<serde_json::Value>().await.unwrap())
        }
    };
    // The user's answer on the bank's page.
    let answer = |state_id: &str, decision: &str| {
        let request = http
            .post(format!("{url}/link/oauth/authorize"))
            .form(&[("oauth_state_id", state_id), ("decision", decision)]);
        async move { request.send().await.unwrap() }
    };
    const OAUTH_BANK: &str = "ins_127287";

    // Without a redirect_uri there is nowhere to come back to: refused with a message.
    let plain = client.send(&link_request()).await.unwrap().link_token;
    let (status, refused) = link("/oauth/start", json!({"link_token": plain, "institution_id": OAUTH_BANK})).await;
    assert_eq!(status, 400);
    assert!(refused["error_message"].as_str().unwrap().contains("redirect_uri"));
    // A redirect_uri with a query is not one Plaid accepts.
    let bad = client
        .send(&LinkTokenCreateRequest { redirect_uri: Some("https://app.test/cash-flow?x=1".into()), ..link_request() })
        .await;
    assert_eq!(code(bad.unwrap_err()), "INVALID_FIELD");

    let redirect_uri = "https://app.test/cash-flow";
    let start_session = || async {
        let request = LinkTokenCreateRequest { redirect_uri: Some(redirect_uri.into()), ..link_request() };
        let token = client.send(&request).await.unwrap().link_token;
        let (status, started) = link("/oauth/start", json!({"link_token": token, "institution_id": OAUTH_BANK})).await;
        assert_eq!(status, 200);
        (token, started["oauth_state_id"].as_str().unwrap().to_string())
    };
    let (token, state_id) = start_session().await;
    // An OAuth bank takes no credentials in Link, nor can Link finish before the user answered.
    let credentials =
        json!({"link_token": token, "institution_id": OAUTH_BANK, "username": "user_good", "password": "pass_good"});
    assert_eq!(link("/complete", credentials).await.0, 400);
    let with_state = json!({"link_token": token, "institution_id": OAUTH_BANK, "oauth_state_id": state_id, "account_masks": ["8888"]});
    assert_eq!(link("/complete", with_state.clone()).await.0, 400);

    // The bank's page, then Allow: back to the redirect_uri with the state id.
    let page = http.get(format!("{url}/link/oauth/authorize?oauth_state_id={state_id}")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Platypus OAuth Bank"));
    let answered = answer(&state_id, "allow").await;
    assert_eq!(answered.status(), 303);
    let location = answered.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, format!("{redirect_uri}?oauth_state_id={state_id}"));
    assert_eq!(answer(&state_id, "deny").await.status(), 400, "the page cannot be answered twice");

    // Link resumes with the received URI, only for its own token.
    let other_token = client.send(&link_request()).await.unwrap().link_token;
    let foreign = link("/oauth/resume", json!({"link_token": other_token, "received_redirect_uri": location})).await;
    assert_eq!(foreign.0, 400);
    let resume = json!({"link_token": token, "received_redirect_uri": location});
    let (_, resumed) = link("/oauth/resume", resume.clone()).await;
    assert_eq!((resumed["allowed"].clone(), resumed["institution_id"].clone()), (json!(true), json!(OAUTH_BANK)));
    let (status, done) = link("/complete", with_state).await;
    assert_eq!(status, 200, "{done}");
    let public_token = done["public_token"].as_str().expect("a public token").to_string();
    let access = client.send(&ItemPublicTokenExchangeRequest { public_token }).await.unwrap().access_token;
    let accounts = client.send(&AccountsGetRequest::new(&access)).await.unwrap().accounts;
    assert_eq!(accounts.iter().map(|a| a.mask.clone().unwrap()).collect::<Vec<_>>(), ["8888"]);
    // A reload of the redirect page must not resume the finished session, as with Plaid.
    let (_, replayed) = link("/oauth/resume", resume).await;
    assert_eq!(replayed["error_code"], "OAUTH_STATE_ID_ALREADY_PROCESSED");

    // Deny: Link learns that nothing was shared, and cannot complete.
    let (token, state_id) = start_session().await;
    assert_eq!(answer(&state_id, "deny").await.status(), 303);
    let received = format!("{redirect_uri}?oauth_state_id={state_id}");
    let (_, resumed) = link("/oauth/resume", json!({"link_token": token, "received_redirect_uri": received})).await;
    assert_eq!(resumed["allowed"], json!(false));
    let denied = json!({"link_token": token, "institution_id": OAUTH_BANK, "oauth_state_id": state_id});
    assert_eq!(link("/complete", denied).await.0, 400);
}

#[tokio::test]
async fn institutions_come_with_their_branding_only_when_asked() {
    let (_, client) = sim().await;
    let us = vec!["US".to_string()];
    let branded = client.send(&InstitutionsGetByIdRequest::with_branding("ins_109510", &us)).await.unwrap();
    assert_eq!(branded.institution.name, "Houndstooth Bank");
    assert_eq!(branded.institution.primary_color.as_deref(), Some("#7C3AED"));
    let logo = branded.institution.logo.expect("a logo");
    use base64::Engine;
    let png = base64::engine::general_purpose::STANDARD.decode(logo).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let plain = InstitutionsGetByIdRequest { institution_id: "ins_109510".into(), country_codes: us, options: None };
    let plain = client.send(&plain).await.unwrap();
    assert_eq!((plain.institution.logo, plain.institution.primary_color), (None, None));
    let unknown = InstitutionsGetByIdRequest::with_branding("ins_nope", &["US".into()]);
    assert_eq!(code(client.send(&unknown).await.unwrap_err()), "INVALID_INSTITUTION");
}

#[tokio::test]
async fn refresh_fetches_what_waits_at_the_bank_and_only_then_notifies() {
    let (url, client) = sim().await;
    let (hook_tx, mut hooks) = tokio::sync::mpsc::channel::<serde_json::Value>(8);
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(body): axum::Json<serde_json::Value>| {
            let hook_tx = hook_tx.clone();
            async move {
                hook_tx.send(body).await.unwrap();
                axum::http::StatusCode::OK
            }
        }),
    );
    let access = linked_with_webhook(&client, serve_hook(receiver).await).await;
    let first = client.sync_transactions(&access, None, 500).await.unwrap();
    let cursor = first.next_cursor.clone().unwrap();
    let items = reqwest::get(format!("{url}/control/items")).await.unwrap().json::<serde_json::Value>().await.unwrap();
    let item_id = items["items"][0]["item_id"].as_str().unwrap().to_string();

    // Nothing new at the bank: the refresh is accepted and no webhook follows.
    client.send(&TransactionsRefreshRequest { access_token: access.clone() }).await.unwrap();
    let quiet = tokio::time::timeout(Duration::from_millis(300), hooks.recv()).await;
    assert!(quiet.is_err(), "no change, no webhook: {quiet:?}");

    // Two purchases wait at the bank: invisible to a sync until the refresh fetches them.
    let waiting =
        control(&url, &format!("/items/{item_id}/transactions"), json!({ "count": 2, "at_bank": true })).await;
    assert_eq!(waiting["at_bank"], 2);
    let before = client.sync_transactions(&access, Some(&cursor), 500).await.unwrap();
    assert!(before.added.is_empty(), "Plaid has not fetched them yet");
    client.send(&TransactionsRefreshRequest { access_token: access.clone() }).await.unwrap();
    let hook = tokio::time::timeout(Duration::from_secs(5), hooks.recv()).await.unwrap().unwrap();
    assert_eq!(hook["webhook_code"], "SYNC_UPDATES_AVAILABLE");
    let after = client.sync_transactions(&access, Some(&cursor), 500).await.unwrap();
    let new: Vec<_> = after.added.iter().filter(|t| t.pending_transaction_id.is_none()).collect();
    assert_eq!(new.len(), 2, "the refresh brought the bank's two purchases: {new:?}");
}

#[tokio::test]
async fn liabilities_come_for_credit_cards_and_overdue_is_announced() {
    let (url, client) = sim().await;
    let (access, item_id) = linked(&client, "ins_109510").await;
    let got = client.send(&LiabilitiesGetRequest::new(&access)).await.unwrap();
    let cards = got.liabilities.credit.clone().unwrap();
    assert_eq!(cards.len(), 1, "Houndstooth's Rewards Card");
    let card = &cards[0];
    let account = got.accounts.iter().find(|a| Some(&a.account_id) == card.account_id.as_ref()).unwrap();
    assert_eq!(account.account_type, AccountType::Credit);
    assert_eq!(card.last_statement_balance, account.balances.current, "the statement is the amount owed");
    assert_eq!(card.is_overdue, Some(false));
    assert!(card.minimum_payment_amount.unwrap() >= rust_decimal::Decimal::new(25_00, 2));
    assert!(card.aprs.iter().any(|a| a.apr_type == "purchase_apr"));
    assert_eq!((got.liabilities.mortgage.clone(), got.liabilities.student.clone()), (None, None));

    control(&url, &format!("/items/{item_id}/overdue"), json!({})).await;
    let later = client.send(&LiabilitiesGetRequest::new(&access)).await.unwrap();
    let card = &later.liabilities.credit.unwrap()[0];
    assert_eq!(card.is_overdue, Some(true));

    // A bank with no card or loan has no liabilities.
    let (savings_only, _) = linked(&client, "ins_109512").await;
    let err = client.send(&LiabilitiesGetRequest::new(&savings_only)).await.unwrap_err();
    assert_eq!(code(err), "NO_LIABILITY_ACCOUNTS");
}

#[tokio::test]
async fn a_brokerage_reports_positions_worth_its_balance_and_trades_are_announced() {
    let (url, client) = sim().await;
    let (access, item_id) = linked(&client, "ins_115585").await;
    let held = client.send(&InvestmentsHoldingsGetRequest::new(&access)).await.unwrap();
    let brokerage = held.accounts.iter().find(|a| a.account_type == AccountType::Investment).unwrap();
    let value: rust_decimal::Decimal = held.holdings.iter().map(|h| h.institution_value).sum();
    assert_eq!(Some(value), brokerage.balances.current, "positions, cash included, are the account's balance");
    let ticker = |id: &str| held.securities.iter().find(|s| s.security_id == id).and_then(|s| s.ticker_symbol.clone());
    let mut tickers: Vec<_> = held.holdings.iter().filter_map(|h| ticker(&h.security_id)).collect();
    tickers.sort();
    assert_eq!(tickers, ["AAPL", "BND", "USD", "VTI"]);
    assert!(held
        .securities
        .iter()
        .any(|s| s.is_cash_equivalent == Some(true) && s.ticker_symbol.as_deref() == Some("USD")));

    let today = chrono::Utc::now().date_naive();
    let window = |count: u32, offset: u32| InvestmentsTransactionsGetRequest {
        access_token: access.clone(),
        start_date: today - chrono::Duration::days(365),
        end_date: today + chrono::Duration::days(30),
        options: Some(InvestmentsTransactionsGetRequestOptions {
            count: Some(count),
            offset: Some(offset),
            ..Default::default()
        }),
    };
    let all = client.send(&window(500, 0)).await.unwrap();
    let kinds: std::collections::BTreeSet<_> =
        all.investment_transactions.iter().map(|t| t.transaction_type.as_str()).collect();
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), ["buy", "cash", "fee", "sell", "transfer"]);
    let page = client.send(&window(2, 2)).await.unwrap();
    assert_eq!(page.total_investment_transactions, all.total_investment_transactions);
    assert_eq!(
        page.investment_transactions,
        all.investment_transactions[2..4].to_vec(),
        "pages follow the newest-first order"
    );

    control(&url, &format!("/items/{item_id}/trade"), json!({})).await;
    let after = client.send(&window(500, 0)).await.unwrap();
    assert_eq!(after.total_investment_transactions, all.total_investment_transactions + 1);
    let held_after = client.send(&InvestmentsHoldingsGetRequest::new(&access)).await.unwrap();
    let value_after: rust_decimal::Decimal = held_after.holdings.iter().map(|h| h.institution_value).sum();
    assert_eq!(value_after, value, "cash became shares at today's price");

    let (bank, _) = linked(&client, "ins_109512").await;
    let err = client.send(&InvestmentsHoldingsGetRequest::new(&bank)).await.unwrap_err();
    assert_eq!(code(err), "NO_INVESTMENT_ACCOUNTS");
}
