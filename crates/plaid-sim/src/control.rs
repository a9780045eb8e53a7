//! The control API (not part of Plaid's): drive scenarios in tests and demos.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use serde_json::json;

use crate::{state::Fault, webhooks, Simulator};

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
                "login_required": i.login_required, "transactions": i.transactions.len(), "webhook": i.webhook,
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
}

fn one() -> u32 {
    1
}

/// `POST /control/items/{id}/transactions`: advances the clock a day, posts pending
/// transactions, adds `count` new ones, modifies `modify`, and fires SYNC_UPDATES_AVAILABLE.
pub async fn add_transactions(
    State(sim): State<Simulator>,
    Path(item_id): Path<String>,
    body: Option<Json<AddTransactions>>,
) -> Response {
    let req = body.map(|Json(b)| b).unwrap_or(AddTransactions { count: 1, pending: false, modify: 0 });
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
    match sim.state.lock().await.items.get_mut(&item_id) {
        Some(item) => item.login_required = true,
        None => return not_found(&item_id),
    }
    webhooks::fire(&sim, &item_id, "ITEM", "ERROR").await;
    Json(json!({ "login_required": true })).into_response()
}

/// `POST /control/items/{id}/repair`: clears the error and fires LOGIN_REPAIRED.
pub async fn repair(State(sim): State<Simulator>, Path(item_id): Path<String>) -> Response {
    match sim.state.lock().await.items.get_mut(&item_id) {
        Some(item) => item.login_required = false,
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
    webhooks::fire(&sim, &item_id, &webhook_type, &req.code).await;
    Json(json!({ "fired": req.code })).into_response()
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
