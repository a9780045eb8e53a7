//! The control API (not part of Plaid's): drive scenarios in tests and demos.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use serde_json::json;

use crate::{
    data,
    state::{Fault, SimAccount},
    webhooks, Simulator,
};

fn not_found(item_id: &str) -> Response {
    (StatusCode::NOT_FOUND, Json(json!({ "error": format!("no item {item_id}") }))).into_response()
}

/// `GET /control/items`: every Item with its institution and state.
pub async fn items(State(sim): State<Simulator>) -> Json<serde_json::Value> {
    let state = sim.state.lock().await;
    let mut items: Vec<_> = state
        .items
        .values()
        .map(|i| {
            json!({
                "item_id": i.item_id, "institution_id": i.institution.id, "institution_name": i.institution.name,
                "login_required": i.error.is_some(), "error": i.error, "transactions": i.transaction_count(),
                "webhook": i.webhook,
                "accounts": i.accounts.iter().map(|a| json!({"account_id": a.account_id, "mask": a.template.mask, "name": a.template.name})).collect::<Vec<_>>(),
                "unshared": i.unshared.iter().map(|a| a.template.mask).collect::<Vec<_>>(),
            })
        })
        .collect();
    items.sort_by_key(|v| v["item_id"].as_str().unwrap_or_default().to_string());
    Json(json!({ "items": items, "today": state.today().to_string() }))
}

/// Body of `POST /control/items/{id}/transactions`.
#[derive(Deserialize)]
pub struct AddTransactions {
    /// New transactions to add (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// Whether the new ones are pending.
    #[serde(default)]
    pub pending: bool,
    /// Recent posted transactions to modify.
    #[serde(default)]
    pub modify: u32,
    /// The new purchases wait at the bank: Plaid has not fetched them, and no webhook is
    /// sent, until `/transactions/refresh` (the clock does not move).
    #[serde(default)]
    pub at_bank: bool,
}

fn one() -> u32 {
    1
}

/// `POST /control/items/{id}/transactions`: advances the clock a day, posts pending
/// transactions, adds `count` new ones, modifies `modify`, and fires SYNC_UPDATES_AVAILABLE;
/// with `at_bank`, only leaves `count` purchases waiting at the bank for
/// `/transactions/refresh`.
pub async fn add_transactions(
    State(sim): State<Simulator>,
    Path(item_id): Path<String>,
    body: Option<Json<AddTransactions>>,
) -> Response {
    let req = body.map(|Json(b)| b).unwrap_or(AddTransactions { count: 1, pending: false, modify: 0, at_bank: false });
    if req.at_bank {
        let mut state = sim.state.lock().await;
        let Some(item) = state.items.get_mut(&item_id) else {
            return not_found(&item_id);
        };
        item.at_bank = item.at_bank.saturating_add(req.count).min(1_000);
        return Json(json!({ "at_bank": item.at_bank })).into_response();
    }
    let counts = {
        let mut state = sim.state.lock().await;
        state.day_offset += 1;
        let today = state.today();
        let Some(item) = state.items.get_mut(&item_id) else {
            return not_found(&item_id);
        };
        item.advance(today, req.count, req.pending, req.modify)
    };
    webhooks::fire(&sim, &item_id, "TRANSACTIONS", "SYNC_UPDATES_AVAILABLE").await;
    Json(json!({ "added": counts.0, "modified": counts.1, "removed": counts.2 })).into_response()
}

/// `POST /control/items/{id}/login-required`: ITEM_LOGIN_REQUIRED plus an ITEM ERROR webhook.
pub async fn login_required(State(sim): State<Simulator>, Path(item_id): Path<String>) -> Response {
    break_item(&sim, &item_id, "ITEM_LOGIN_REQUIRED").await
}

/// Body of `POST /control/items/{id}/error`.
#[derive(Deserialize)]
pub struct ItemErrorCode {
    /// An ITEM_ERROR code: `ITEM_LOCKED`, `INVALID_CREDENTIALS`, `INVALID_MFA`, …
    pub code: String,
}

/// `POST /control/items/{id}/error`: the Item fails every call with this ITEM_ERROR code,
/// announced by an ITEM ERROR webhook carrying it.
pub async fn item_error(
    State(sim): State<Simulator>,
    Path(item_id): Path<String>,
    Json(req): Json<ItemErrorCode>,
) -> Response {
    let code = req.code.trim().to_ascii_uppercase();
    if code.is_empty() || !code.chars().all(|c| c.is_ascii_uppercase() || c == '_') || code.len() > 64 {
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": "code must be an error code like ITEM_LOCKED" })))
            .into_response();
    }
    break_item(&sim, &item_id, &code).await
}

async fn break_item(sim: &Simulator, item_id: &str, code: &str) -> Response {
    match sim.state.lock().await.items.get_mut(item_id) {
        Some(item) => item.error = Some(code.to_string()),
        None => return not_found(item_id),
    }
    webhooks::fire(sim, item_id, "ITEM", "ERROR").await;
    Json(json!({ "login_required": true, "error": code })).into_response()
}

/// `POST /control/items/{id}/revoke`: the user revoked access at the bank: every call fails
/// with USER_PERMISSION_REVOKED, announced by a USER_PERMISSION_REVOKED webhook.
pub async fn revoke(State(sim): State<Simulator>, Path(item_id): Path<String>) -> Response {
    match sim.state.lock().await.items.get_mut(&item_id) {
        Some(item) => item.error = Some("USER_PERMISSION_REVOKED".into()),
        None => return not_found(&item_id),
    }
    webhooks::fire(&sim, &item_id, "ITEM", "USER_PERMISSION_REVOKED").await;
    Json(json!({ "revoked": true })).into_response()
}

/// Body of `POST /control/items/{id}/revoke-account`.
#[derive(Deserialize, Default)]
pub struct RevokeAccount {
    /// The account; default the Item's last one.
    pub account_id: Option<String>,
}

/// `POST /control/items/{id}/revoke-account`: the user stopped sharing one account at the
/// bank: it and its transactions disappear from the Item, and USER_ACCOUNT_REVOKED names it.
pub async fn revoke_account(
    State(sim): State<Simulator>,
    Path(item_id): Path<String>,
    body: Option<Json<RevokeAccount>>,
) -> Response {
    let wanted = body.and_then(|Json(b)| b.account_id);
    let account_id = {
        let mut state = sim.state.lock().await;
        let Some(item) = state.items.get_mut(&item_id) else {
            return not_found(&item_id);
        };
        let position = match &wanted {
            Some(id) => item.accounts.iter().position(|a| &a.account_id == id),
            None => item.accounts.len().checked_sub(1),
        };
        let Some(position) = position else {
            return (StatusCode::NOT_FOUND, Json(json!({ "error": "no such account on this item" }))).into_response();
        };
        item.remove_account(position).account_id
    };
    webhooks::fire_about(&sim, &item_id, "ITEM", "USER_ACCOUNT_REVOKED", Some(&account_id), 1, None).await;
    Json(json!({ "revoked_account_id": account_id })).into_response()
}

/// `POST /control/items/{id}/new-accounts`: the bank opened an account for this login (not
/// shared until the user picks it in update mode with account selection), announced by
/// NEW_ACCOUNTS_AVAILABLE.
pub async fn new_accounts(State(sim): State<Simulator>, Path(item_id): Path<String>) -> Response {
    let mask = {
        let mut state = sim.state.lock().await;
        let Some(item) = state.items.get_mut(&item_id) else {
            return not_found(&item_id);
        };
        let taken = item.accounts.iter().chain(item.unshared.iter()).any(|a| a.template.mask == data::NEW_ACCOUNT.mask);
        if !taken {
            let account_id = format!("{}-new", item.item_id);
            item.unshared.push(SimAccount { account_id, template: &data::NEW_ACCOUNT });
        }
        data::NEW_ACCOUNT.mask
    };
    webhooks::fire(&sim, &item_id, "ITEM", "NEW_ACCOUNTS_AVAILABLE").await;
    Json(json!({ "new_account_mask": mask })).into_response()
}

/// `POST /control/link-tokens/expire`: every Link token issued so far has expired (Link
/// then fails with INVALID_LINK_TOKEN), as after leaving a page open for hours.
pub async fn expire_link_tokens(State(sim): State<Simulator>) -> Response {
    let mut state = sim.state.lock().await;
    let past = chrono::Utc::now() - chrono::Duration::seconds(1);
    for info in state.link_tokens.values_mut() {
        info.expires = past;
    }
    Json(json!({ "expired": state.link_tokens.len() })).into_response()
}

/// `POST /control/items/{id}/repair`: clears the error and fires LOGIN_REPAIRED.
pub async fn repair(State(sim): State<Simulator>, Path(item_id): Path<String>) -> Response {
    match sim.state.lock().await.items.get_mut(&item_id) {
        Some(item) => item.error = None,
        None => return not_found(&item_id),
    }
    webhooks::fire(&sim, &item_id, "ITEM", "LOGIN_REPAIRED").await;
    Json(json!({ "login_required": false })).into_response()
}

/// Body of `POST /control/items/{id}/webhook`.
#[derive(Deserialize)]
pub struct Fire {
    /// e.g. `PENDING_EXPIRATION`.
    pub code: String,
    /// Default `ITEM` (`TRANSACTIONS` for SYNC_UPDATES_AVAILABLE).
    pub webhook_type: Option<String>,
    /// Identical deliveries to send at once (default 1, at most 10), as Plaid's duplicates.
    #[serde(default = "one")]
    pub repeat: u32,
    /// Fields that replace the body's, e.g. `{"account_id": null}` for a shape we cannot read.
    #[serde(default)]
    pub extra: Option<serde_json::Value>,
}

/// `POST /control/items/{id}/webhook`: any webhook, including ones Plaid's sandbox cannot
/// fire (PENDING_EXPIRATION, PENDING_DISCONNECT, NEW_ACCOUNTS_AVAILABLE, …).
pub async fn fire_webhook(
    State(sim): State<Simulator>,
    Path(item_id): Path<String>,
    Json(req): Json<Fire>,
) -> Response {
    if !sim.state.lock().await.items.contains_key(&item_id) {
        return not_found(&item_id);
    }
    let webhook_type = req.webhook_type.unwrap_or_else(|| {
        if req.code == "SYNC_UPDATES_AVAILABLE" {
            "TRANSACTIONS".into()
        } else {
            "ITEM".into()
        }
    });
    let copies = req.repeat.clamp(1, 10);
    webhooks::fire_about(&sim, &item_id, &webhook_type, &req.code, None, copies, req.extra.as_ref()).await;
    Json(json!({ "fired": req.code, "copies": copies })).into_response()
}

/// Body of `POST /control/items/{id}/mutate-next-sync`.
#[derive(Deserialize, Default)]
pub struct Mutate {
    /// Successful sync calls before the failing one (default 1: the second page fails).
    #[serde(default = "one")]
    pub after: u32,
}

/// `POST /control/items/{id}/mutate-next-sync`: a later page of the next sync fails with
/// TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION while a new transaction lands.
pub async fn mutate_next_sync(
    State(sim): State<Simulator>,
    Path(item_id): Path<String>,
    body: Option<Json<Mutate>>,
) -> Response {
    let after = body.map(|Json(m)| m.after).unwrap_or(1);
    match sim.state.lock().await.items.get_mut(&item_id) {
        Some(item) => item.mutate_after = Some(after),
        None => return not_found(&item_id),
    }
    Json(json!({ "mutate_after": after })).into_response()
}

/// Body of `POST /control/faults`.
#[derive(Deserialize)]
pub struct Faults {
    /// `429`, `500` or `stall`.
    pub kind: String,
    /// How many of the next API calls fail (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// For `stall`: milliseconds.
    #[serde(default)]
    pub stall_ms: u64,
    /// Calls to let through first (default 0), e.g. 1 to fail the second page of a sync.
    #[serde(default)]
    pub after: u32,
}

/// `POST /control/faults`: after `after` calls, the next `count` Plaid API calls fail with
/// 429 or 500, or stall.
pub async fn faults(State(sim): State<Simulator>, Json(req): Json<Faults>) -> Response {
    let fault = match req.kind.as_str() {
        "429" => Fault::RateLimit,
        "500" => Fault::ServerError,
        "stall" => Fault::Stall(req.stall_ms.max(1)),
        other => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": format!("unknown fault kind `{other}` (429, 500, stall)") })),
            )
                .into_response()
        }
    };
    let mut state = sim.state.lock().await;
    state.faults.clear();
    for _ in 0..req.after {
        state.faults.push_back(None);
    }
    for _ in 0..req.count {
        state.faults.push_back(Some(fault));
    }
    Json(json!({ "queued": state.faults.len() })).into_response()
}

/// `POST /control/items/{id}/overdue`: the credit card's payment is now overdue (its due
/// date passed unpaid), announced by LIABILITIES / DEFAULT_UPDATE naming the card.
pub async fn overdue(State(sim): State<Simulator>, Path(item_id): Path<String>) -> Response {
    let cards: Vec<String> = {
        let mut state = sim.state.lock().await;
        let Some(item) = state.items.get_mut(&item_id) else {
            return not_found(&item_id);
        };
        item.overdue = true;
        item.accounts.iter().filter(|a| a.template.account_type == "credit").map(|a| a.account_id.clone()).collect()
    };
    let updated: serde_json::Map<String, serde_json::Value> =
        cards.iter().map(|id| (id.clone(), json!(["is_overdue", "next_payment_due_date"]))).collect();
    let extra = json!({ "account_ids_with_new_liabilities": [], "account_ids_with_updated_liabilities": updated });
    webhooks::fire_about(&sim, &item_id, "LIABILITIES", "DEFAULT_UPDATE", None, 1, Some(&extra)).await;
    Json(json!({ "overdue": cards })).into_response()
}

/// `POST /control/items/{id}/trade`: the investor buys 5 AAPL with brokerage cash today,
/// announced by HOLDINGS and INVESTMENTS_TRANSACTIONS DEFAULT_UPDATE webhooks.
pub async fn trade(State(sim): State<Simulator>, Path(item_id): Path<String>) -> Response {
    let bought = {
        let mut state = sim.state.lock().await;
        let today = state.today();
        let Some(item) = state.items.get_mut(&item_id) else {
            return not_found(&item_id);
        };
        match item.buy(1, 5, today) {
            Some(bought) => bought,
            None => {
                return (StatusCode::BAD_REQUEST, Json(json!({ "error": "no brokerage account with enough cash" })))
                    .into_response()
            }
        }
    };
    let holdings = json!({ "new_holdings": 0, "updated_holdings": 2 });
    webhooks::fire_about(&sim, &item_id, "HOLDINGS", "DEFAULT_UPDATE", None, 1, Some(&holdings)).await;
    let transactions = json!({ "new_investments_transactions": 1, "cancelled_investments_transactions": 0 });
    webhooks::fire_about(&sim, &item_id, "INVESTMENTS_TRANSACTIONS", "DEFAULT_UPDATE", None, 1, Some(&transactions))
        .await;
    Json(json!({ "bought": bought })).into_response()
}
