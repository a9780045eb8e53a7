//! Retries against a mock server: what is retried, what is not, and the timeout.

mod common;

use plaid_client::{api::*, AccessToken, Error};

fn accounts() -> AccountsGetRequest {
    AccountsGetRequest::new(&AccessToken::new("access-sandbox-1"))
}

#[tokio::test]
async fn rate_limited_then_ok_succeeds() {
    let mut server = mockito::Server::new_async().await;
    // mockito answers with the first matching mock whose `expect` is not yet used up.
    let limited = server
        .mock("POST", "/accounts/get")
        .with_status(429)
        .with_header("Retry-After", "0")
        .with_body(common::plaid_error("RATE_LIMIT_EXCEEDED", "ACCOUNTS_LIMIT"))
        .expect(1)
        .create_async()
        .await;
    let ok = server
        .mock("POST", "/accounts/get")
        .with_status(200)
        .with_body(common::example("/accounts/get").to_string())
        .expect(1)
        .create_async()
        .await;
    let response = common::client(&server.url()).send(&accounts()).await.unwrap();
    assert_eq!(response.accounts.len(), 3);
    limited.assert_async().await;
    ok.assert_async().await;
}

#[tokio::test]
async fn server_errors_give_up_after_max_attempts_with_the_last_error() {
    let mut server = mockito::Server::new_async().await;
    let failing = server
        .mock("POST", "/accounts/get")
        .with_status(500)
        .with_body(common::plaid_error("API_ERROR", "INTERNAL_SERVER_ERROR"))
        .expect(3)
        .create_async()
        .await;
    let err = common::client(&server.url()).send(&accounts()).await.unwrap_err();
    assert_eq!(err.code(), Some("INTERNAL_SERVER_ERROR"));
    assert_eq!(err.api().unwrap().status, Some(500));
    failing.assert_async().await;
}

#[tokio::test]
async fn item_login_required_is_not_retried() {
    let mut server = mockito::Server::new_async().await;
    let once = server
        .mock("POST", "/accounts/get")
        .with_status(400)
        .with_body(common::plaid_error("ITEM_ERROR", "ITEM_LOGIN_REQUIRED"))
        .expect(1)
        .create_async()
        .await;
    let err = common::client(&server.url()).send(&accounts()).await.unwrap_err();
    assert_eq!(err.code(), Some("ITEM_LOGIN_REQUIRED"));
    once.assert_async().await;
}

#[tokio::test]
async fn a_non_idempotent_request_is_not_retried_on_a_server_error() {
    let mut server = mockito::Server::new_async().await;
    let once = server
        .mock("POST", "/item/public_token/exchange")
        .with_status(500)
        .with_body(common::plaid_error("API_ERROR", "INTERNAL_SERVER_ERROR"))
        .expect(1)
        .create_async()
        .await;
    let request = ItemPublicTokenExchangeRequest { public_token: "public-sandbox-1".into() };
    assert!(common::client(&server.url()).send(&request).await.is_err());
    once.assert_async().await;
}

#[tokio::test]
async fn a_slow_server_hits_the_timeout() {
    // A listener that accepts and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let err = common::client(&url).send(&accounts()).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { endpoint: "/accounts/get", .. }), "{err:?}");
    accepted.abort();
}

#[tokio::test]
async fn a_real_time_balance_request_is_not_retried_on_timeout() {
    // /accounts/balance/get is billed and slow: a timed-out one must not be sent again.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = connections.clone();
    let accepted = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            held.push(socket);
        }
    });
    let request = AccountsBalanceGetRequest::new(&AccessToken::new("access-sandbox-1"));
    let err = common::client(&url).send(&request).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { endpoint: "/accounts/balance/get", .. }), "{err:?}");
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 1, "sent once, not retried");
    // An idempotent read, by contrast, is retried after a timeout.
    let err = common::client(&url).send(&accounts()).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }));
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 1 + 3, "retried up to max_attempts");
    accepted.abort();
}
