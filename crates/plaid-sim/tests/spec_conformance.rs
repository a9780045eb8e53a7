//! Every simulator response validates against the spec's schema for its operation:
//! required fields present, types right (the committed extract of Plaid's spec).

use plaid_sim::{spawn, SimConfig};
use serde_json::{json, Value};

fn spec() -> Value {
    serde_json::from_str(include_str!("../../plaid-client/tests/fixtures/spec-subset.json")).unwrap()
}

/// Returns the problems of `value` against `schema`, with their paths.
fn validate(path: &str, schema: &Value, value: &Value, problems: &mut Vec<String>) {
    if value.is_null() {
        if schema.get("nullable") != Some(&Value::Bool(true)) && schema.get("type").is_some() {
            problems.push(format!("{path}: null but not nullable"));
        }
        return;
    }
    let ok = match schema.get("type").and_then(Value::as_str) {
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("number") => value.is_number(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("boolean") => value.is_boolean(),
        _ => true,
    };
    if !ok {
        problems.push(format!("{path}: expected {}, got {value}", schema["type"]));
        return;
    }
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        for name in required.iter().filter_map(Value::as_str) {
            if value.get(name).is_none() {
                problems.push(format!("{path}.{name}: required but missing"));
            }
        }
    }
    if let (Some(props), Some(object)) = (schema.get("properties").and_then(Value::as_object), value.as_object()) {
        for (name, v) in object {
            if let Some(s) = props.get(name) {
                validate(&format!("{path}.{name}"), s, v, problems);
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, v) in array.iter().enumerate() {
            validate(&format!("{path}[{i}]"), items, v, problems);
        }
    }
}

async fn call(url: &str, path: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{url}{path}"))
        .header("PLAID-CLIENT-ID", "sim-client-id")
        .header("PLAID-SECRET", "sim-secret")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{path}: HTTP {}", response.status());
    response.json().await.unwrap()
}

#[tokio::test]
async fn every_response_matches_the_spec_schema() {
    let (url, sim) = spawn(SimConfig::default()).await.unwrap();
    let spec = spec();
    let mut responses: Vec<(&str, Value)> = Vec::new();
    let link = call(&url, "/link/token/create", json!({"client_name": "T", "language": "en", "country_codes": ["US"], "user": {"client_user_id": "u"}, "products": ["transactions"], "optional_products": ["liabilities"]})).await;
    responses.push(("/link/token/create", link));
    let public = call(
        &url,
        "/sandbox/public_token/create",
        json!({"institution_id": "ins_109510", "initial_products": ["transactions"]}),
    )
    .await;
    responses.push(("/sandbox/public_token/create", public.clone()));
    let exchanged = call(&url, "/item/public_token/exchange", json!({"public_token": public["public_token"]})).await;
    responses.push(("/item/public_token/exchange", exchanged.clone()));
    let token = exchanged["access_token"].clone();
    for path in ["/accounts/get", "/accounts/balance/get", "/item/get", "/transactions/refresh", "/liabilities/get"] {
        responses.push((path, call(&url, path, json!({"access_token": token})).await));
    }
    responses.push((
        "/transactions/sync",
        call(&url, "/transactions/sync", json!({"access_token": token, "count": 50})).await,
    ));
    responses.push((
        "/item/webhook/update",
        call(&url, "/item/webhook/update", json!({"access_token": token, "webhook": "http://127.0.0.1:9/x"})).await,
    ));
    responses.push((
        "/sandbox/item/fire_webhook",
        call(
            &url,
            "/sandbox/item/fire_webhook",
            json!({"access_token": token, "webhook_code": "NEW_ACCOUNTS_AVAILABLE"}),
        )
        .await,
    ));
    // Error bodies follow PlaidError (an unknown key id is one way to get one).
    let error: Value = reqwest::Client::new()
        .post(format!("{url}/webhook_verification_key/get"))
        .header("PLAID-CLIENT-ID", "sim-client-id")
        .header("PLAID-SECRET", "sim-secret")
        .json(&json!({"key_id": "nope"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut problems = Vec::new();
    validate("PlaidError", &spec["schemas"]["PlaidError"], &error, &mut problems);
    assert!(problems.is_empty(), "{problems:#?}");
    let broker = call(
        &url,
        "/sandbox/public_token/create",
        json!({"institution_id": "ins_115585", "initial_products": ["transactions", "investments"]}),
    )
    .await;
    let broker = call(&url, "/item/public_token/exchange", json!({"public_token": broker["public_token"]})).await;
    let broker = broker["access_token"].clone();
    responses.push((
        "/investments/holdings/get",
        call(&url, "/investments/holdings/get", json!({"access_token": broker})).await,
    ));
    let window =
        json!({"access_token": broker, "start_date": "2000-01-01", "end_date": "2100-01-01", "options": {"count": 2}});
    responses.push(("/investments/transactions/get", call(&url, "/investments/transactions/get", window).await));
    responses.push((
        "/sandbox/item/reset_login",
        call(&url, "/sandbox/item/reset_login", json!({"access_token": token})).await,
    ));
    responses.push(("/item/remove", call(&url, "/item/remove", json!({"access_token": token})).await));
    let branded = json!({"institution_id": "ins_109510", "country_codes": ["US"], "options": {"include_optional_metadata": true}});
    responses.push(("/institutions/get_by_id", call(&url, "/institutions/get_by_id", branded).await));
    responses.push((
        "/webhook_verification_key/get",
        call(&url, "/webhook_verification_key/get", json!({"key_id": sim.key_id()})).await,
    ));
    let mut problems = Vec::new();
    for (path, body) in &responses {
        validate(path, &spec["endpoints"][path]["response"], body, &mut problems);
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(responses.len(), 17, "all seventeen endpoints");
}
