//! Helpers shared by the plaid-client integration tests.
#![allow(dead_code)]

use std::time::Duration;

use plaid_client::{retry::RetryPolicy, Environment, PlaidClient};
use serde_json::Value;

/// The committed extract of Plaid's spec (see `scripts/extract-spec.py`).
pub fn spec() -> Value {
    serde_json::from_str(include_str!("../fixtures/spec-subset.json")).unwrap()
}

/// The spec's `example-1` 200 body for `path`.
pub fn example(path: &str) -> Value {
    spec()["endpoints"][path]["example"].clone()
}

/// A client pointed at `url` with test credentials and short retry delays.
pub fn client(url: &str) -> PlaidClient {
    PlaidClient::builder(Environment::Custom(url.to_string()), "test-client-id", "test-secret")
        .timeout(Duration::from_millis(800))
        .retry_policy(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
        })
        .build()
        .unwrap()
}

/// A Plaid error body.
pub fn plaid_error(error_type: &str, code: &str) -> String {
    serde_json::json!({
        "error_type": error_type,
        "error_code": code,
        "error_message": format!("{code} happened"),
        "display_message": "Something went wrong at your bank.",
        "request_id": "req-123",
        "causes": [],
        "status": null,
        "documentation_url": "https://plaid.com/docs/errors/",
        "suggested_action": null
    })
    .to_string()
}
