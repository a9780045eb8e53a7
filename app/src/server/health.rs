//! Load-balancer probes and the API description.

use axum::{extract::State, http::StatusCode, Json};
use serde_json::{json, Value};

use super::state::AppState;

/// `GET /healthz`: the process is alive.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: the database answers and every migration is applied.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if state.db.ready().await {
        (StatusCode::OK, Json(json!({ "status": "ready" })))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "not ready", "reason": "database unreachable or migrations pending" })),
        )
    }
}

/// `GET /api/v1/openapi.json`: the banking API described as OpenAPI 3.1.
pub async fn openapi() -> impl axum::response::IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], super::openapi::DOCUMENT.as_str())
}
