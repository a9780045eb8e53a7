//! Plaid's HTTP API, validated the way Plaid validates it.

use axum::{
    body::Bytes,
    extract::State,
    http::HeaderMap,
    response::{IntoResponse, Response},
    Json,
};
use chrono::{Duration, NaiveDate, Utc};
use serde::{de::DeserializeOwned, Deserialize};
use serde_json::{json, Value};

use crate::{
    data,
    error::SimError,
    investments,
    state::{request_id, Change, Fault, LinkTokenInfo},
    webhooks, Simulator,
};

type ApiResult = Result<Response, SimError>;

/// Checks credentials and faults, then parses the body.
async fn accept<T: DeserializeOwned>(sim: &Simulator, headers: &HeaderMap, body: &Bytes) -> Result<T, SimError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| SimError::invalid_request("INVALID_BODY", "body could not be parsed as JSON"))?;
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let client_id =
        header("plaid-client-id").or_else(|| value.get("client_id").and_then(Value::as_str).map(str::to_string));
    let secret = header("plaid-secret").or_else(|| value.get("secret").and_then(Value::as_str).map(str::to_string));
    if client_id.as_deref() != Some(sim.config.client_id.as_str())
        || secret.as_deref() != Some(sim.config.secret.as_str())
    {
        return Err(SimError::invalid_input("INVALID_API_KEYS", "invalid client_id or secret provided"));
    }
    let fault = sim.state.lock().await.faults.pop_front().flatten();
    match fault {
        Some(Fault::RateLimit) => {
            return Err(SimError::new(
                429,
                "RATE_LIMIT_EXCEEDED",
                "RATE_LIMIT",
                "rate limit exceeded for this endpoint",
            ))
        }
        Some(Fault::ServerError) => {
            return Err(SimError::new(500, "API_ERROR", "INTERNAL_SERVER_ERROR", "an unexpected error occurred"))
        }
        Some(Fault::Stall(ms)) => tokio::time::sleep(std::time::Duration::from_millis(ms)).await,
        None => {}
    }
    serde_json::from_value(value)
        .map_err(|e| SimError::invalid_request("INVALID_FIELD", &format!("invalid request: {e}")))
}

fn ok(body: Value) -> ApiResult {
    Ok(Json(body).into_response())
}

#[derive(Deserialize)]
struct TokenOnly {
    access_token: String,
}

#[derive(Deserialize)]
pub(crate) struct LinkTokenCreate {
    client_name: String,
    language: String,
    country_codes: Vec<String>,
    user: Option<LinkUser>,
    products: Option<Vec<String>>,
    #[serde(default)]
    optional_products: Option<Vec<String>>,
    webhook: Option<String>,
    access_token: Option<String>,
    redirect_uri: Option<String>,
    update: Option<LinkUpdate>,
}

#[derive(Deserialize)]
struct LinkUpdate {
    #[serde(default)]
    account_selection_enabled: bool,
}

#[derive(Deserialize)]
struct LinkUser {
    client_user_id: String,
}

/// `/link/token/create`
pub async fn link_token_create(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let req: LinkTokenCreate = accept(&sim, &headers, &body).await?;
    if req.client_name.trim().is_empty() || req.language.is_empty() || req.country_codes.is_empty() {
        return Err(SimError::invalid_request(
            "MISSING_FIELDS",
            "client_name, language and country_codes are required",
        ));
    }
    if req.user.as_ref().is_none_or(|u| u.client_user_id.is_empty()) {
        return Err(SimError::invalid_request("MISSING_FIELDS", "user.client_user_id is required"));
    }
    let mut state = sim.state.lock().await;
    if let Some(token) = &req.access_token {
        state.item_for_token(token)?;
        if req.products.as_ref().is_some_and(|p| !p.is_empty()) {
            return Err(SimError::invalid_request("INVALID_FIELD", "products must be omitted in update mode"));
        }
    } else if req.products.as_ref().is_none_or(|p| p.is_empty()) {
        return Err(SimError::invalid_request("MISSING_FIELDS", "products is required"));
    }
    // Optional products must not repeat a product, as Plaid's spec says.
    let required = req.products.clone().unwrap_or_default();
    if req.optional_products.iter().flatten().any(|p| required.contains(p)) {
        return Err(SimError::invalid_request("INVALID_FIELD", "optional_products must not overlap products"));
    }
    // Plaid wants an absolute URL without query or fragment (it appends `oauth_state_id`).
    if let Some(uri) = &req.redirect_uri {
        let absolute = uri.starts_with("https://") || uri.starts_with("http://");
        if !absolute || uri.contains(['?', '#']) {
            return Err(SimError::invalid_request(
                "INVALID_FIELD",
                "redirect_uri must be an absolute http(s) URL without query or fragment",
            ));
        }
    }
    let lifetime = if req.access_token.is_some() { Duration::minutes(30) } else { Duration::hours(4) };
    let expires = Utc::now() + lifetime;
    let link_token = state.token("link");
    let account_selection = req.access_token.is_some() && req.update.is_some_and(|u| u.account_selection_enabled);
    state.link_tokens.insert(
        link_token.clone(),
        LinkTokenInfo {
            access_token: req.access_token,
            webhook: req.webhook,
            redirect_uri: req.redirect_uri,
            expires,
            account_selection,
        },
    );
    ok(
        json!({ "link_token": link_token, "expiration": expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), "request_id": request_id() }),
    )
}

#[derive(Deserialize)]
struct Exchange {
    public_token: String,
}

/// `/item/public_token/exchange`: a public token works once, for 30 minutes.
pub async fn public_token_exchange(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let req: Exchange = accept(&sim, &headers, &body).await?;
    let mut state = sim.state.lock().await;
    let invalid = || {
        SimError::invalid_input("INVALID_PUBLIC_TOKEN", "provided public token is expired or invalid")
            .display("The bank link has expired. Please connect the bank again.")
    };
    let info = state.public_tokens.remove(&req.public_token).ok_or_else(invalid)?;
    if info.expires < Utc::now() {
        return Err(invalid());
    }
    let access_token = state.token("access");
    state.access_tokens.insert(access_token.clone(), info.item_id.clone());
    ok(json!({ "access_token": access_token, "item_id": info.item_id, "request_id": request_id() }))
}

/// `/accounts/get`
pub async fn accounts_get(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let req: TokenOnly = accept(&sim, &headers, &body).await?;
    let mut state = sim.state.lock().await;
    let item = state.item_for_token(&req.access_token)?;
    item.check()?;
    ok(json!({ "accounts": item.accounts_json(), "item": item.item_json(), "request_id": request_id() }))
}

#[derive(Deserialize)]
struct BalanceGet {
    access_token: String,
    options: Option<BalanceOptions>,
}

#[derive(Deserialize)]
struct BalanceOptions {
    min_last_updated_datetime: Option<chrono::DateTime<Utc>>,
}

/// `/accounts/balance/get`: at Capybara One (Capital One's id), non-depository accounts
/// have no real-time figure, so `options.min_last_updated_datetime` is required there, as
/// the spec says, and a figure older than it is `LAST_UPDATED_DATETIME_OUT_OF_RANGE`.
pub async fn accounts_balance_get(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let req: BalanceGet = accept(&sim, &headers, &body).await?;
    let mut state = sim.state.lock().await;
    let item = state.item_for_token(&req.access_token)?;
    item.check()?;
    let accounts = item.accounts_json();
    if item.institution.id == data::NEEDS_MIN_LAST_UPDATED {
        let min = req.options.and_then(|o| o.min_last_updated_datetime);
        for account in accounts.iter().filter(|a| a["type"] != "depository") {
            let Some(min) = min else {
                return Err(SimError::invalid_request(
                    "INVALID_FIELD",
                    "min_last_updated_datetime is required for non-depository accounts at this institution",
                ));
            };
            let updated: Option<chrono::DateTime<Utc>> =
                account["balances"]["last_updated_datetime"].as_str().and_then(|t| t.parse().ok());
            if updated.is_some_and(|u| u < min) {
                return Err(SimError::new(
                    400,
                    "INVALID_RESULT",
                    "LAST_UPDATED_DATETIME_OUT_OF_RANGE",
                    "no data is available from the institution that is at least as recent as min_last_updated_datetime",
                ));
            }
        }
    }
    ok(json!({ "accounts": accounts, "item": item.item_json(), "request_id": request_id() }))
}

#[derive(Deserialize)]
struct Sync {
    access_token: String,
    cursor: Option<String>,
    count: Option<u32>,
}

/// `/transactions/sync`: pages the Item's change log by `count` with opaque cursors.
pub async fn transactions_sync(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let req: Sync = accept(&sim, &headers, &body).await?;
    let count = req.count.unwrap_or(100);
    if !(1..=500).contains(&count) {
        return Err(SimError::invalid_request("INVALID_FIELD", "count must be between 1 and 500"));
    }
    let mut state = sim.state.lock().await;
    let today = state.today();
    let item = state.item_for_token(&req.access_token)?;
    item.check()?;
    item.sync_called = true;
    let start = match req.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(cursor) => item.position(cursor)?,
        None => 0,
    };
    match item.mutate_after {
        Some(0) => {
            item.mutate_after = None;
            // Data changed under the client: one more transaction lands now.
            item.advance(today, 1, false, 0);
            return Err(SimError::new(
                400,
                "TRANSACTIONS_ERROR",
                "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION",
                "underlying transaction data changed since last page was fetched. Please restart pagination from last update.",
            ));
        }
        Some(n) => item.mutate_after = Some(n - 1),
        None => {}
    }
    let end = (start + count as usize).min(item.log.len());
    let (mut added, mut modified, mut removed) = (Vec::new(), Vec::new(), Vec::new());
    for change in &item.log[start..end] {
        match change {
            Change::Added(t) => added.push(t.to_json()),
            Change::Modified(t) => modified.push(t.to_json()),
            Change::Removed { id, account_id } => {
                removed.push(json!({ "transaction_id": id, "account_id": account_id }))
            }
        }
    }
    ok(json!({
        "transactions_update_status": "HISTORICAL_UPDATE_COMPLETE",
        "accounts": item.accounts_json(),
        "added": added,
        "modified": modified,
        "removed": removed,
        "next_cursor": item.cursor(end),
        "has_more": end < item.log.len(),
        "request_id": request_id(),
    }))
}

/// `/transactions/refresh`: Plaid asks the bank for new transactions at once; when it found
/// some (purchases waiting at the bank, see `/control/items/{id}/transactions` with
/// `at_bank`), SYNC_UPDATES_AVAILABLE follows, as Plaid sends it only when there are changes.
pub async fn transactions_refresh(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let req: TokenOnly = accept(&sim, &headers, &body).await?;
    let mut state = sim.state.lock().await;
    let today = state.today();
    let item = state.item_for_token(&req.access_token)?;
    item.check()?;
    let item_id = item.item_id.clone();
    let waiting = std::mem::take(&mut item.at_bank);
    if waiting > 0 {
        item.advance(today, waiting, false, 0);
    }
    drop(state);
    if waiting > 0 {
        webhooks::fire(&sim, &item_id, "TRANSACTIONS", "SYNC_UPDATES_AVAILABLE").await;
    }
    ok(json!({ "request_id": request_id() }))
}

/// `/liabilities/get`: the shared credit cards' statements, APRs and payments due;
/// NO_LIABILITY_ACCOUNTS for an Item without one.
pub async fn liabilities_get(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let req: TokenOnly = accept(&sim, &headers, &body).await?;
    let mut state = sim.state.lock().await;
    let today = state.today();
    let item = state.item_for_token(&req.access_token)?;
    item.check()?;
    let Some(liabilities) = item.liabilities_json(today) else {
        return Err(SimError::item("NO_LIABILITY_ACCOUNTS", "the Item does not contain any liability accounts"));
    };
    ok(json!({
        "accounts": item.accounts_json(),
        "item": item.item_json(),
        "liabilities": liabilities,
        "request_id": request_id(),
    }))
}

/// `/investments/holdings/get`: the investment accounts' positions at today's prices, with
/// their securities; NO_INVESTMENT_ACCOUNTS for an Item without one.
pub async fn investments_holdings_get(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let req: TokenOnly = accept(&sim, &headers, &body).await?;
    let mut state = sim.state.lock().await;
    let today = state.today();
    let item = state.item_for_token(&req.access_token)?;
    item.check()?;
    if item.positions.is_empty() {
        return Err(SimError::item("NO_INVESTMENT_ACCOUNTS", "the Item does not contain any investment accounts"));
    }
    let mut held: Vec<usize> = item.positions.iter().map(|p| p.security).collect();
    held.sort_unstable();
    held.dedup();
    ok(json!({
        "accounts": item.accounts_json(),
        "holdings": item.positions.iter().map(|p| investments::holding_json(p, today)).collect::<Vec<_>>(),
        "securities": held.iter().map(|&s| investments::security_json(&investments::SECURITIES[s], today)).collect::<Vec<_>>(),
        "item": item.item_json(),
        "request_id": request_id(),
    }))
}

#[derive(Deserialize)]
struct InvestmentsTransactionsGet {
    access_token: String,
    start_date: NaiveDate,
    end_date: NaiveDate,
    #[serde(default)]
    options: Option<InvestmentsTransactionsOptions>,
}

#[derive(Deserialize, Default)]
struct InvestmentsTransactionsOptions {
    count: Option<u32>,
    offset: Option<u32>,
}

/// `/investments/transactions/get`: one page (newest first) of the investment transactions
/// between the dates; `count` 1-500 (100), `offset`.
pub async fn investments_transactions_get(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let req: InvestmentsTransactionsGet = accept(&sim, &headers, &body).await?;
    if req.start_date > req.end_date {
        return Err(SimError::invalid_request("INVALID_FIELD", "start_date must not be after end_date"));
    }
    let options = req.options.unwrap_or_default();
    let count = options.count.unwrap_or(100);
    if !(1..=500).contains(&count) {
        return Err(SimError::invalid_request("INVALID_FIELD", "count must be from 1 to 500"));
    }
    let mut state = sim.state.lock().await;
    let today = state.today();
    let item = state.item_for_token(&req.access_token)?;
    item.check()?;
    if item.positions.is_empty() {
        return Err(SimError::item("NO_INVESTMENT_ACCOUNTS", "the Item does not contain any investment accounts"));
    }
    let mut matching: Vec<&investments::SimInvestmentTxn> =
        item.investment_log.iter().filter(|t| t.date >= req.start_date && t.date <= req.end_date).collect();
    matching.sort_by(|a, b| b.date.cmp(&a.date).then(a.id.cmp(&b.id)));
    let page: Vec<Value> = matching
        .iter()
        .skip(options.offset.unwrap_or(0) as usize)
        .take(count as usize)
        .map(|t| investments::transaction_json(t))
        .collect();
    let mut named: Vec<usize> = matching.iter().filter_map(|t| t.security).collect();
    named.sort_unstable();
    named.dedup();
    ok(json!({
        "item": item.item_json(),
        "accounts": item.accounts_json(),
        "securities": named.iter().map(|&s| investments::security_json(&investments::SECURITIES[s], today)).collect::<Vec<_>>(),
        "investment_transactions": page,
        "total_investment_transactions": matching.len(),
        "request_id": request_id(),
    }))
}

/// `/item/get`
pub async fn item_get(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let req: TokenOnly = accept(&sim, &headers, &body).await?;
    let mut state = sim.state.lock().await;
    let item = state.item_for_token(&req.access_token)?;
    let last_webhook = item
        .last_webhook
        .as_ref()
        .map(|(at, code)| json!({ "sent_at": at.to_rfc3339(), "code_sent": code }))
        .unwrap_or(Value::Null);
    let mut item_json = item.item_json();
    item_json["created_at"] = json!(item.created_at.to_rfc3339());
    ok(json!({
        "item": item_json,
        "status": {
            "transactions": { "last_successful_update": Utc::now().to_rfc3339(), "last_failed_update": null },
            "investments": null,
            "last_webhook": last_webhook,
        },
        "request_id": request_id(),
    }))
}

/// `/item/remove`: the access token stops working.
pub async fn item_remove(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let req: TokenOnly = accept(&sim, &headers, &body).await?;
    let mut state = sim.state.lock().await;
    let item_id = state.item_for_token(&req.access_token)?.item_id.clone();
    state.access_tokens.retain(|_, id| *id != item_id);
    state.items.remove(&item_id);
    ok(json!({ "request_id": request_id() }))
}

#[derive(Deserialize)]
struct WebhookUpdate {
    access_token: String,
    webhook: Option<String>,
}

/// `/item/webhook/update`: fires WEBHOOK_UPDATE_ACKNOWLEDGED to the new URL.
pub async fn item_webhook_update(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let req: WebhookUpdate = accept(&sim, &headers, &body).await?;
    let mut state = sim.state.lock().await;
    let item = state.item_for_token(&req.access_token)?;
    item.webhook = req.webhook.clone();
    let (item_id, item_json) = (item.item_id.clone(), item.item_json());
    drop(state);
    webhooks::fire(&sim, &item_id, "ITEM", "WEBHOOK_UPDATE_ACKNOWLEDGED").await;
    ok(json!({ "item": item_json, "request_id": request_id() }))
}

#[derive(Deserialize)]
struct KeyGet {
    key_id: String,
}

/// `/webhook_verification_key/get`
pub async fn webhook_key_get(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let req: KeyGet = accept(&sim, &headers, &body).await?;
    if req.key_id != sim.signer.kid() {
        return Err(SimError::invalid_input("INVALID_WEBHOOK_VERIFICATION_KEY_ID", "invalid key_id provided"));
    }
    ok(json!({ "key": sim.signer.jwk(), "request_id": request_id() }))
}

#[derive(Deserialize)]
struct SandboxCreate {
    institution_id: String,
    initial_products: Vec<String>,
    options: Option<SandboxOptions>,
}

#[derive(Deserialize)]
struct SandboxOptions {
    webhook: Option<String>,
    override_password: Option<String>,
}

#[derive(Deserialize)]
struct InstitutionById {
    institution_id: String,
    country_codes: Vec<String>,
    options: Option<InstitutionOptions>,
}

#[derive(Deserialize)]
struct InstitutionOptions {
    include_optional_metadata: Option<bool>,
}

/// `/institutions/get_by_id`: the institution; its colour, website and logo (a PNG drawn in
/// its colour) only with `options.include_optional_metadata`, as with Plaid.
pub async fn institutions_get_by_id(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let req: InstitutionById = accept(&sim, &headers, &body).await?;
    if req.country_codes.is_empty() {
        return Err(SimError::invalid_request("INVALID_FIELD", "country_codes must not be empty"));
    }
    let institution = data::institution(&req.institution_id)
        .ok_or_else(|| SimError::invalid_input("INVALID_INSTITUTION", "invalid institution_id provided"))?;
    let mut body = json!({
        "institution_id": institution.id,
        "name": institution.name,
        "products": ["transactions", "balance", "auth", "identity"],
        "country_codes": ["US", "CA"],
        "routing_numbers": [],
        "oauth": institution.oauth,
    });
    if req.options.and_then(|o| o.include_optional_metadata).unwrap_or(false) {
        body["primary_color"] = json!(institution.primary_color);
        body["url"] = json!(institution.url);
        body["logo"] = json!(crate::logo::logo(institution.primary_color));
    }
    ok(json!({ "institution": body, "request_id": request_id() }))
}

/// `/sandbox/public_token/create`
pub async fn sandbox_public_token_create(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let req: SandboxCreate = accept(&sim, &headers, &body).await?;
    let institution = data::institution(&req.institution_id)
        .ok_or_else(|| SimError::invalid_input("INVALID_INSTITUTION", "invalid institution_id provided"))?;
    if req.initial_products.is_empty() {
        return Err(SimError::invalid_request("MISSING_FIELDS", "initial_products is required"));
    }
    let options = req.options.unwrap_or(SandboxOptions { webhook: None, override_password: None });
    if options.override_password.as_deref().is_some_and(|p| p != "pass_good") {
        return Err(SimError::item("INVALID_CREDENTIALS", "the provided credentials were not correct"));
    }
    let (_, public_token) =
        sim.state.lock().await.create_item(institution, &[], options.webhook, sim.config.history_days);
    ok(json!({ "public_token": public_token, "request_id": request_id() }))
}

#[derive(Deserialize)]
struct FireWebhook {
    access_token: String,
    webhook_type: Option<String>,
    webhook_code: String,
}

/// `/sandbox/item/fire_webhook`: the codes Plaid's sandbox can fire.
pub async fn sandbox_fire_webhook(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let req: FireWebhook = accept(&sim, &headers, &body).await?;
    const ALLOWED: &[&str] = &[
        "DEFAULT_UPDATE",
        "NEW_ACCOUNTS_AVAILABLE",
        "USER_PERMISSION_REVOKED",
        "USER_ACCOUNT_REVOKED",
        "PENDING_DISCONNECT",
        "LOGIN_REPAIRED",
        "SYNC_UPDATES_AVAILABLE",
        "ERROR",
    ];
    if !ALLOWED.contains(&req.webhook_code.as_str()) {
        return Err(SimError::invalid_request("INVALID_FIELD", "webhook_code is not one the sandbox can fire"));
    }
    let item_id = sim.state.lock().await.item_for_token(&req.access_token)?.item_id.clone();
    let webhook_type = req.webhook_type.unwrap_or_else(|| {
        if matches!(req.webhook_code.as_str(), "SYNC_UPDATES_AVAILABLE" | "DEFAULT_UPDATE") {
            "TRANSACTIONS"
        } else {
            "ITEM"
        }
        .into()
    });
    webhooks::fire(&sim, &item_id, &webhook_type, &req.webhook_code).await;
    ok(json!({ "webhook_fired": true, "request_id": request_id() }))
}

/// `/sandbox/item/reset_login`: ITEM_LOGIN_REQUIRED, announced by an ITEM ERROR webhook.
pub async fn sandbox_reset_login(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let req: TokenOnly = accept(&sim, &headers, &body).await?;
    let mut state = sim.state.lock().await;
    let item = state.item_for_token(&req.access_token)?;
    item.error = Some("ITEM_LOGIN_REQUIRED".into());
    let item_id = item.item_id.clone();
    drop(state);
    webhooks::fire(&sim, &item_id, "ITEM", "ERROR").await;
    ok(json!({ "reset_login": true, "request_id": request_id() }))
}
