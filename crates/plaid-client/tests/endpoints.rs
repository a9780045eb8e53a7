//! Each endpoint: the request the client sends (path, headers, body) and the parsing of the
//! spec's `example-1` response; and Plaid's error body turned into the typed error.

mod common;

use mockito::Matcher;
use plaid_client::{api::*, AccessToken, Endpoint, Error};
use serde_json::{json, Value};

fn token() -> AccessToken {
    AccessToken::new("access-sandbox-de3ce8ef-33f8-452c-a685-8671031fc0f6")
}

/// Serves the spec example for `E::PATH` only when the request carries our auth headers,
/// version header and exactly `expected_body`; returns the parsed response.
async fn roundtrip<E: Endpoint>(request: &E, expected_body: Value) -> E::Response {
    let mut server = mockito::Server::new_async().await;
    let mock = server
        .mock("POST", E::PATH)
        .match_header("PLAID-CLIENT-ID", "test-client-id")
        .match_header("PLAID-SECRET", "test-secret")
        .match_header("Plaid-Version", "2020-09-14")
        .match_header("content-type", "application/json")
        .match_body(Matcher::Json(expected_body))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_body(common::example(E::PATH).to_string())
        .expect(1)
        .create_async()
        .await;
    let response = common::client(&server.url()).send(request).await.unwrap_or_else(|e| panic!("{}: {e}", E::PATH));
    mock.assert_async().await;
    response
}

/// A 400 with Plaid's error object becomes `Error::Api` with every field kept.
async fn error_is_typed<E: Endpoint>(request: &E) {
    let mut server = mockito::Server::new_async().await;
    server
        .mock("POST", E::PATH)
        .with_status(400)
        .with_body(common::plaid_error("INVALID_INPUT", "INVALID_ACCESS_TOKEN"))
        .create_async()
        .await;
    match common::client(&server.url()).send(request).await {
        Err(Error::Api(e)) => {
            assert_eq!(e.error_type, "INVALID_INPUT");
            assert_eq!(e.error_code, "INVALID_ACCESS_TOKEN");
            assert_eq!(e.display_message.as_deref(), Some("Something went wrong at your bank."));
            assert_eq!(e.request_id.as_deref(), Some("req-123"));
            assert_eq!(e.status, Some(400));
        }
        other => panic!("{}: expected a typed Plaid error, got {other:?}", E::PATH),
    }
}

#[tokio::test]
async fn link_token_create() {
    let request = LinkTokenCreateRequest {
        client_name: "Cash Flow".into(),
        language: "en".into(),
        country_codes: vec!["US".into()],
        user: LinkTokenUser { client_user_id: "user-42".into() },
        products: Some(vec!["transactions".into()]),
        optional_products: Some(vec!["liabilities".into()]),
        webhook: Some("https://app.example.com/api/v1/banking/plaid/webhook".into()),
        access_token: None,
        redirect_uri: None,
        transactions: Some(LinkTokenTransactions { days_requested: 90 }),
        update: None,
    };
    let response = roundtrip(
        &request,
        json!({
            "client_name": "Cash Flow", "language": "en", "country_codes": ["US"],
            "user": {"client_user_id": "user-42"}, "products": ["transactions"],
            "optional_products": ["liabilities"],
            "webhook": "https://app.example.com/api/v1/banking/plaid/webhook",
            "transactions": {"days_requested": 90}
        }),
    )
    .await;
    assert!(response.link_token.starts_with("link-sandbox-"));
    assert_eq!(response.expiration.to_rfc3339(), "2020-03-27T12:56:34+00:00");
    error_is_typed(&request).await;
}

#[tokio::test]
async fn link_token_create_update_mode_sends_access_token_and_no_products() {
    let request = LinkTokenCreateRequest {
        client_name: "Cash Flow".into(),
        language: "en".into(),
        country_codes: vec!["US".into()],
        user: LinkTokenUser { client_user_id: "user-42".into() },
        products: None,
        optional_products: None,
        webhook: None,
        access_token: Some(token()),
        redirect_uri: Some("https://app.example.com/cash-flow".into()),
        transactions: None,
        update: Some(LinkTokenUpdate { account_selection_enabled: true }),
    };
    roundtrip(
        &request,
        json!({
            "client_name": "Cash Flow", "language": "en", "country_codes": ["US"],
            "user": {"client_user_id": "user-42"}, "access_token": token().expose(),
            "redirect_uri": "https://app.example.com/cash-flow",
            "update": {"account_selection_enabled": true}
        }),
    )
    .await;
}

#[tokio::test]
async fn item_public_token_exchange() {
    let request = ItemPublicTokenExchangeRequest { public_token: "public-sandbox-5c224a01".into() };
    let response = roundtrip(&request, json!({"public_token": "public-sandbox-5c224a01"})).await;
    assert!(response.access_token.expose().starts_with("access-sandbox-"));
    assert!(!format!("{response:?}").contains(response.access_token.expose()), "token leaked into Debug");
    assert_eq!(response.item_id, "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op");
    error_is_typed(&request).await;
}

#[tokio::test]
async fn accounts_get() {
    let request = AccountsGetRequest::new(&token());
    let response = roundtrip(&request, json!({"access_token": token().expose()})).await;
    assert!(!response.accounts.is_empty());
    let first = &response.accounts[0];
    assert_eq!(first.account_type, AccountType::Depository);
    assert_eq!(first.balances.current, Some("110".parse().unwrap()));
    assert_eq!(first.balances.iso_currency_code.as_deref(), Some("USD"));
    assert_eq!(response.accounts[1].balances.current, Some("23631.9805".parse().unwrap()));
    assert!(response.accounts.iter().any(|a| a.account_type == AccountType::Loan));
    error_is_typed(&request).await;
}

#[tokio::test]
async fn accounts_balance_get() {
    let mut request = AccountsBalanceGetRequest::new(&token());
    request.options =
        Some(AccountsBalanceGetOptions { account_ids: Some(vec!["acc-1".into()]), min_last_updated_datetime: None });
    let response =
        roundtrip(&request, json!({"access_token": token().expose(), "options": {"account_ids": ["acc-1"]}})).await;
    assert_eq!(response.accounts[0].balances.available, Some("100".parse().unwrap()));
    error_is_typed(&request).await;
}

#[tokio::test]
async fn transactions_sync() {
    let request = TransactionsSyncRequest {
        access_token: token(),
        cursor: Some("cursor-1".into()),
        count: Some(250),
        options: Some(TransactionsSyncOptions { include_original_description: Some(true), ..Default::default() }),
    };
    let response = roundtrip(
        &request,
        json!({"access_token": token().expose(), "cursor": "cursor-1", "count": 250,
               "options": {"include_original_description": true}}),
    )
    .await;
    assert_eq!(response.added.len(), 1);
    let added = &response.added[0];
    assert_eq!(added.amount, "72.1".parse().unwrap());
    assert_eq!(added.pending_transaction_id.as_deref(), Some("no86Eox18VHMvaOVL7gPUM9ap3aR1LsAVZ5nc"));
    assert_eq!(added.date.to_string(), "2023-09-24");
    assert_eq!(response.removed[0].transaction_id, "CmdQTNgems8BT1B7ibkoUXVPyAeehT3Tmzk0l");
    assert_eq!(response.transactions_update_status, TransactionsUpdateStatus::HistoricalUpdateComplete);
    assert!(!response.has_more);
    error_is_typed(&request).await;
}

#[tokio::test]
async fn item_get() {
    let request = ItemGetRequest { access_token: token() };
    let response = roundtrip(&request, json!({"access_token": token().expose()})).await;
    assert_eq!(response.item.institution_id.as_deref(), Some("ins_109508"));
    assert!(response.status.unwrap().transactions.unwrap().last_successful_update.is_some());
    error_is_typed(&request).await;
}

#[tokio::test]
async fn item_remove() {
    let request = ItemRemoveRequest { access_token: token() };
    let response = roundtrip(&request, json!({"access_token": token().expose()})).await;
    assert_eq!(response.request_id, "m8MDnv9okwxFNBV");
    error_is_typed(&request).await;
}

#[tokio::test]
async fn item_webhook_update() {
    let request =
        ItemWebhookUpdateRequest { access_token: token(), webhook: Some("https://new.example.com/hook".into()) };
    let response =
        roundtrip(&request, json!({"access_token": token().expose(), "webhook": "https://new.example.com/hook"})).await;
    assert!(response.item.webhook.is_some());
    error_is_typed(&request).await;
}

#[tokio::test]
async fn webhook_verification_key_get() {
    let request = WebhookVerificationKeyGetRequest { key_id: "bfbd5111-8e33-4643-8ced-b2e642a72f3c".into() };
    let response = roundtrip(&request, json!({"key_id": "bfbd5111-8e33-4643-8ced-b2e642a72f3c"})).await;
    assert_eq!(response.key.alg, "ES256");
    assert_eq!(response.key.expired_at, None);
    error_is_typed(&request).await;
}

#[tokio::test]
async fn sandbox_public_token_create() {
    let request = SandboxPublicTokenCreateRequest {
        institution_id: "ins_109508".into(),
        initial_products: vec!["transactions".into()],
        options: Some(SandboxPublicTokenCreateOptions {
            webhook: Some("https://x.example/hook".into()),
            ..Default::default()
        }),
    };
    let response = roundtrip(
        &request,
        json!({"institution_id": "ins_109508", "initial_products": ["transactions"], "options": {"webhook": "https://x.example/hook"}}),
    )
    .await;
    assert!(response.public_token.starts_with("public-sandbox-"));
    error_is_typed(&request).await;
}

#[tokio::test]
async fn sandbox_item_fire_webhook() {
    let request = SandboxItemFireWebhookRequest {
        access_token: token(),
        webhook_type: Some("TRANSACTIONS".into()),
        webhook_code: "SYNC_UPDATES_AVAILABLE".into(),
    };
    let response = roundtrip(
        &request,
        json!({"access_token": token().expose(), "webhook_type": "TRANSACTIONS", "webhook_code": "SYNC_UPDATES_AVAILABLE"}),
    )
    .await;
    assert!(response.webhook_fired);
    error_is_typed(&request).await;
}

#[tokio::test]
async fn sandbox_item_reset_login() {
    let request = SandboxItemResetLoginRequest { access_token: token() };
    let response = roundtrip(&request, json!({"access_token": token().expose()})).await;
    assert!(response.reset_login);
    error_is_typed(&request).await;
}

#[tokio::test]
async fn transactions_refresh() {
    let request = TransactionsRefreshRequest { access_token: token() };
    let response = roundtrip(&request, json!({"access_token": token().expose()})).await;
    assert!(!response.request_id.is_empty());
    error_is_typed(&request).await;
}

#[tokio::test]
async fn institutions_get_by_id() {
    let request = InstitutionsGetByIdRequest::with_branding("ins_109512", &["US".into()]);
    let body = json!({"institution_id": "ins_109512", "country_codes": ["US"], "options": {"include_optional_metadata": true}});
    let response = roundtrip(&request, body).await;
    assert_eq!((response.institution.name.as_str(), response.institution.oauth), ("Houndstooth Bank", false));
    assert_eq!(response.institution.logo, None, "the spec's example has no logo");
    error_is_typed(&request).await;
}

#[tokio::test]
async fn liabilities_get() {
    let request = LiabilitiesGetRequest::new(&token());
    let response = roundtrip(&request, json!({"access_token": token().expose()})).await;
    let credit = response.liabilities.credit.expect("the spec's example has a credit card");
    let card = &credit[0];
    assert!(card.account_id.is_some() && !card.aprs.is_empty());
    assert!(card.next_payment_due_date.is_some() && card.minimum_payment_amount.is_some());
    let mortgage = &response.liabilities.mortgage.expect("and a mortgage")[0];
    assert!(mortgage.interest_rate.percentage.is_some());
    let student = &response.liabilities.student.expect("and a student loan")[0];
    assert!(student.interest_rate_percentage > rust_decimal::Decimal::ZERO);
    error_is_typed(&request).await;
}

#[tokio::test]
async fn investments_holdings_get() {
    let request = InvestmentsHoldingsGetRequest::new(&token());
    let response = roundtrip(&request, json!({"access_token": token().expose()})).await;
    assert!(!response.holdings.is_empty() && !response.securities.is_empty());
    let holding = &response.holdings[0];
    assert!(response.securities.iter().any(|s| s.security_id == holding.security_id), "positions name their security");
    assert!(response.securities.iter().any(|s| s.is_cash_equivalent == Some(true)), "the example has a cash position");
    error_is_typed(&request).await;
}

#[tokio::test]
async fn investments_transactions_get() {
    let request = InvestmentsTransactionsGetRequest {
        access_token: token(),
        start_date: "2026-08-01".parse().unwrap(),
        end_date: "2026-11-26".parse().unwrap(),
        options: Some(InvestmentsTransactionsGetRequestOptions {
            count: Some(250),
            offset: Some(0),
            ..Default::default()
        }),
    };
    let body = json!({"access_token": token().expose(), "start_date": "2026-08-01", "end_date": "2026-11-26",
        "options": {"count": 250, "offset": 0}});
    let response = roundtrip(&request, body).await;
    assert!(!response.investment_transactions.is_empty());
    assert!(response.total_investment_transactions as usize >= response.investment_transactions.len());
    assert!(response.investment_transactions.iter().any(|t| t.transaction_type == "buy"));
    error_is_typed(&request).await;
}

#[tokio::test]
async fn a_response_missing_a_required_field_names_the_json_path() {
    let mut server = mockito::Server::new_async().await;
    let mut body = common::example("/accounts/get");
    body["accounts"][1]["balances"]["current"] = json!("not a number");
    server.mock("POST", "/accounts/get").with_status(200).with_body(body.to_string()).create_async().await;
    match common::client(&server.url()).send(&AccountsGetRequest::new(&token())).await {
        Err(Error::Decode { path, .. }) => assert_eq!(path, "accounts[1].balances.current"),
        other => panic!("expected a decode error, got {other:?}"),
    }
}
