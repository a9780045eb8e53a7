//! The ceiling `bench/accounts_api.sh` compares `GET /api/v1/banking/accounts` with: a bare
//! axum handler doing the same per-user reads (the user's Items without tokens, and their
//! accounts, through the same `Store`) and answering JSON, with no session, sign-in, role
//! check or middleware. `DATABASE_URL` and `LISTEN_ADDR` say where; `GET /accounts/{user_id}`.

use std::sync::Arc;

use axum::{
    extract::{Path, State},
    routing::get,
    Json, Router,
};
use banking_core::{db::Database, store::Store};
use serde_json::{json, Value};

async fn accounts(State(store): State<Arc<dyn Store>>, Path(user): Path<i64>) -> Json<Value> {
    let items = store.listed_items(user).await.unwrap_or_default();
    let accounts = store.accounts(user).await.unwrap_or_default();
    let money = |d: Option<rust_decimal::Decimal>| d.map(|d| d.round_dp(2).to_string());
    Json(json!({
        "items": items.iter().map(|i| json!({
            "item_id": i.item_id,
            "institution_name": i.institution_name,
            "status": format!("{:?}", i.status),
            "status_message": i.status_message,
            "needs_update": i.needs_update,
            "last_sync_at": i.last_sync_at,
            "accounts": accounts.iter().filter(|a| a.item_id == i.item_id).map(|a| json!({
                "account_id": a.account_id,
                "name": a.name,
                "mask": a.mask,
                "type": a.account_type,
                "subtype": a.subtype,
                "available": money(a.available),
                "current": money(a.current),
                "limit": money(a.limit),
                "currency": a.currency,
                "balance_as_of": a.balance_as_of,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    }))
}

#[tokio::main]
async fn main() {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let addr = std::env::var("LISTEN_ADDR").unwrap_or_else(|_| "127.0.0.1:3299".into());
    let db = Database::connect(&url).await.expect("database");
    let app = Router::new().route("/accounts/{user}", get(accounts)).with_state(db.store());
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("listen");
    axum::serve(listener, app).await.expect("serve");
}
