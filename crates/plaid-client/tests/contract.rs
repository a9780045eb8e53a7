//! Our request types against Plaid's spec (the committed extract in `fixtures/`, regenerated
//! from `../shared/plaid/openapi-2020-09-14.yml` by `scripts/extract-spec.py`): every field we
//! send exists in the request schema, every required field is sent, and every spec example
//! response parses into our response type.

mod common;

use plaid_client::{api::*, AccessToken, Endpoint};
use serde_json::Value;

fn check_request<E: Endpoint>(request: &E) {
    let spec = common::spec();
    let schema = &spec["endpoints"][E::PATH]["request"];
    assert!(schema.is_object(), "{} missing from the spec extract", E::PATH);
    let sent = serde_json::to_value(request).unwrap();
    check_object(E::PATH, schema, &sent);
    for required in schema["required"].as_array().unwrap() {
        let name = required.as_str().unwrap();
        // Credentials go in headers, which the spec allows instead of the body.
        if name != "client_id" && name != "secret" {
            assert!(sent.get(name).is_some(), "{}: required field `{name}` is not sent", E::PATH);
        }
    }
    let example = &spec["endpoints"][E::PATH]["example"];
    serde_json::from_value::<E::Response>(example.clone())
        .unwrap_or_else(|e| panic!("{}: spec example does not parse: {e}", E::PATH));
}

fn check_object(at: &str, schema: &Value, value: &Value) {
    let Some(object) = value.as_object() else {
        return;
    };
    for (name, field) in object {
        let property = &schema["properties"][name];
        assert!(property.is_object(), "{at}: we send `{name}`, which the spec does not define");
        check_object(&format!("{at}.{name}"), property, field);
    }
}

fn token() -> AccessToken {
    AccessToken::new("access-sandbox-1")
}

#[test]
fn every_request_type_matches_the_spec() {
    check_request(&LinkTokenCreateRequest {
        client_name: "App".into(),
        language: "en".into(),
        country_codes: vec!["US".into()],
        user: LinkTokenUser { client_user_id: "u".into() },
        products: Some(vec!["transactions".into()]),
        optional_products: Some(vec!["liabilities".into()]),
        webhook: Some("https://x".into()),
        access_token: Some(token()),
        redirect_uri: Some("https://x".into()),
        transactions: Some(LinkTokenTransactions { days_requested: 90 }),
        update: Some(LinkTokenUpdate { account_selection_enabled: true }),
    });
    check_request(&ItemPublicTokenExchangeRequest { public_token: "p".into() });
    check_request(&AccountsGetRequest {
        access_token: token(),
        options: Some(AccountsGetOptions { account_ids: Some(vec!["a".into()]) }),
    });
    check_request(&AccountsBalanceGetRequest {
        access_token: token(),
        options: Some(AccountsBalanceGetOptions {
            account_ids: Some(vec!["a".into()]),
            min_last_updated_datetime: Some(chrono::Utc::now()),
        }),
    });
    check_request(&TransactionsSyncRequest {
        access_token: token(),
        cursor: Some("c".into()),
        count: Some(100),
        options: Some(TransactionsSyncOptions {
            include_original_description: Some(true),
            days_requested: Some(90),
            account_id: Some("a".into()),
        }),
    });
    check_request(&ItemGetRequest { access_token: token() });
    check_request(&ItemRemoveRequest { access_token: token() });
    check_request(&ItemWebhookUpdateRequest { access_token: token(), webhook: Some("https://x".into()) });
    check_request(&WebhookVerificationKeyGetRequest { key_id: "k".into() });
    check_request(&SandboxPublicTokenCreateRequest {
        institution_id: "ins_109508".into(),
        initial_products: vec!["transactions".into()],
        options: Some(SandboxPublicTokenCreateOptions {
            webhook: Some("https://x".into()),
            override_username: Some("user_good".into()),
            override_password: Some("pass_good".into()),
        }),
    });
    check_request(&SandboxItemFireWebhookRequest {
        access_token: token(),
        webhook_type: Some("ITEM".into()),
        webhook_code: "ERROR".into(),
    });
    check_request(&SandboxItemResetLoginRequest { access_token: token() });
    check_request(&TransactionsRefreshRequest { access_token: token() });
    check_request(&InstitutionsGetByIdRequest::with_branding("ins_1", &["US".into()]));
    check_request(&InvestmentsHoldingsGetRequest {
        access_token: token(),
        options: Some(InvestmentHoldingsGetRequestOptions { account_ids: Some(vec!["a".into()]) }),
    });
    check_request(&InvestmentsTransactionsGetRequest {
        access_token: token(),
        start_date: "2026-01-01".parse().unwrap(),
        end_date: "2026-03-31".parse().unwrap(),
        options: Some(InvestmentsTransactionsGetRequestOptions {
            account_ids: Some(vec!["a".into()]),
            count: Some(100),
            offset: Some(0),
        }),
    });
    check_request(&LiabilitiesGetRequest {
        access_token: token(),
        options: Some(LiabilitiesGetRequestOptions { account_ids: Some(vec!["a".into()]) }),
    });
}

#[test]
fn the_extract_matches_the_full_spec_when_it_is_present() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/plaid/openapi-2020-09-14.yml");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("SKIP: {} not found; the committed extract was checked when it was generated", path.display());
        return;
    };
    // Cheap check that the extract is not stale: every schema name we rely on is still there.
    for name in ["TransactionsSyncResponse:", "LinkTokenCreateRequest:", "JWKPublicKey:", "PlaidError:", "AccountBase:"]
    {
        assert!(text.contains(name), "spec no longer defines {name}");
    }
}
