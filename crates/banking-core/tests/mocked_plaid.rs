//! The service's error paths against Plaid responses mocked with mockito.

use std::time::Duration;

use banking_core::{
    crypto::TokenCipher, events::EventBus, model::Role, testing, BankingConfig, BankingService, Error, LinkMetadata,
};
use plaid_client::{retry::RetryPolicy, Environment, PlaidClient};
use serde_json::json;

async fn service(url: &str) -> (BankingService, i64) {
    let store = testing::fresh("sqlite").await.store();
    let user = store.upsert_user("alice", "h", Role::Trader).await.unwrap();
    let cipher = TokenCipher::from_spec(&TokenCipher::generate_spec("k1")).unwrap();
    (instance(url, store, cipher), user)
}

/// One app instance's service on `store` (instances share the database and the key).
fn instance(url: &str, store: std::sync::Arc<dyn banking_core::store::Store>, cipher: TokenCipher) -> BankingService {
    let plaid = PlaidClient::builder(Environment::Custom(url.into()), "id", "secret")
        .timeout(Duration::from_secs(2))
        .retry_policy(RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
        })
        .build()
        .unwrap();
    BankingService::new(store, plaid, cipher, BankingConfig::default(), EventBus::new(None))
}

fn accounts_body() -> String {
    json!({
        "accounts": [{
            "account_id": "acc-1", "balances": {"available": 90.5, "current": 100.25, "limit": null, "iso_currency_code": "USD", "unofficial_currency_code": null},
            "mask": "0000", "name": "Checking", "official_name": null, "type": "depository", "subtype": "checking"
        }],
        "item": {"item_id": "item-1", "institution_id": "ins_1", "webhook": null, "error": null, "available_products": [], "billed_products": [], "consent_expiration_time": null, "update_type": "background"},
        "request_id": "r"
    })
    .to_string()
}

fn error_body(kind: &str, code: &str) -> String {
    json!({"error_type": kind, "error_code": code, "error_message": "m", "display_message": "Your bank is not responding.", "request_id": "req-9"}).to_string()
}

#[tokio::test]
async fn exchange_then_accounts_and_the_balance_refresh_fallback() {
    let mut server = mockito::Server::new_async().await;
    let (service, user) = service(&server.url()).await;
    server
        .mock("POST", "/item/public_token/exchange")
        .match_body(mockito::Matcher::Json(json!({"public_token": "public-sandbox-1"})))
        .with_body(
            json!({"access_token": "access-sandbox-secret-1", "item_id": "item-1", "request_id": "r"}).to_string(),
        )
        .create_async()
        .await;
    server
        .mock("POST", "/accounts/get")
        .match_body(mockito::Matcher::Json(json!({"access_token": "access-sandbox-secret-1"})))
        .with_body(accounts_body())
        .create_async()
        .await;
    // The background first sync: not ready yet.
    server
        .mock("POST", "/transactions/sync")
        .with_body(json!({"transactions_update_status": "NOT_READY", "accounts": [], "added": [], "modified": [], "removed": [], "next_cursor": "", "has_more": false, "request_id": "r"}).to_string())
        .create_async()
        .await;
    let linked = service.exchange_public_token(user, "public-sandbox-1", &LinkMetadata::default()).await.unwrap();
    assert_eq!(linked.accounts[0].current, Some("100.25".parse().unwrap()));
    assert!(!format!("{linked:?}").contains("access-sandbox-secret-1"));

    // Balance refresh: Plaid rate-limits → last known balances with their age and why.
    server
        .mock("POST", "/accounts/balance/get")
        .with_status(429)
        .with_body(error_body("RATE_LIMIT_EXCEEDED", "BALANCE_LIMIT"))
        .expect(2)
        .create_async()
        .await;
    let refresh = service.refresh_balances(user, "item-1").await.unwrap();
    assert!(refresh.stale_reason.unwrap().contains("last known"));
    assert_eq!(refresh.item.accounts[0].current, Some("100.25".parse().unwrap()));
    assert_eq!(refresh.item.accounts[0].fetched_at, linked.accounts[0].fetched_at);
}

#[tokio::test]
async fn accounts_failure_after_exchange_removes_the_item_and_stores_nothing() {
    let mut server = mockito::Server::new_async().await;
    let (service, user) = service(&server.url()).await;
    server
        .mock("POST", "/item/public_token/exchange")
        .with_body(
            json!({"access_token": "access-sandbox-secret-2", "item_id": "item-2", "request_id": "r"}).to_string(),
        )
        .create_async()
        .await;
    server
        .mock("POST", "/accounts/get")
        .with_status(400)
        .with_body(error_body("INSTITUTION_ERROR", "INSTITUTION_DOWN"))
        .create_async()
        .await;
    let removed = server
        .mock("POST", "/item/remove")
        .match_body(mockito::Matcher::Json(json!({"access_token": "access-sandbox-secret-2"})))
        .with_body(json!({"request_id": "r"}).to_string())
        .expect(1)
        .create_async()
        .await;
    match service.exchange_public_token(user, "public-sandbox-2", &LinkMetadata::default()).await {
        Err(Error::Plaid { code, message, request_id }) => {
            assert_eq!(code, "INSTITUTION_DOWN");
            assert_eq!(message, "Your bank is not responding.", "Plaid's display message reaches the user");
            assert_eq!(request_id.as_deref(), Some("req-9"));
        }
        other => panic!("expected a Plaid error, got {other:?}"),
    }
    removed.assert_async().await;
    assert!(service.accounts(user).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_expired_public_token_is_a_clear_input_error() {
    let mut server = mockito::Server::new_async().await;
    let (service, user) = service(&server.url()).await;
    server
        .mock("POST", "/item/public_token/exchange")
        .with_status(400)
        .with_body(error_body("INVALID_INPUT", "INVALID_PUBLIC_TOKEN"))
        .create_async()
        .await;
    let err = service.exchange_public_token(user, "public-sandbox-old", &LinkMetadata::default()).await.unwrap_err();
    assert!(matches!(&err, Error::InvalidInput(m) if m.contains("expired")), "{err:?}");
}

#[tokio::test]
async fn instances_share_the_pace_of_real_time_balance_calls() {
    let mut server = mockito::Server::new_async().await;
    let store = testing::fresh("sqlite").await.store();
    let user = store.upsert_user("alice", "h", Role::Trader).await.unwrap();
    let cipher = TokenCipher::from_spec(&TokenCipher::generate_spec("k1")).unwrap();
    let (first, second) =
        (instance(&server.url(), store.clone(), cipher.clone()), instance(&server.url(), store, cipher));
    server
        .mock("POST", "/item/public_token/exchange")
        .with_body(json!({"access_token": "access-sandbox-3", "item_id": "item-1", "request_id": "r"}).to_string())
        .create_async()
        .await;
    server.mock("POST", "/accounts/get").with_body(accounts_body()).create_async().await;
    server
        .mock("POST", "/transactions/sync")
        .with_body(json!({"transactions_update_status": "NOT_READY", "accounts": [], "added": [], "modified": [], "removed": [], "next_cursor": "", "has_more": false, "request_id": "r"}).to_string())
        .create_async()
        .await;
    first.exchange_public_token(user, "public-sandbox-3", &LinkMetadata::default()).await.unwrap();
    let balance =
        server.mock("POST", "/accounts/balance/get").with_body(accounts_body()).expect(1).create_async().await;

    assert_eq!(first.refresh_balances(user, "item-1").await.unwrap().stale_reason, None, "fresh from the bank");
    // Moments later, through the other instance behind the load balancer: no second call.
    let again = second.refresh_balances(user, "item-1").await.unwrap();
    assert!(again.stale_reason.unwrap().contains("moments ago"));
    assert_eq!(again.item.accounts[0].current, Some("100.25".parse().unwrap()));
    balance.assert_async().await;
}
