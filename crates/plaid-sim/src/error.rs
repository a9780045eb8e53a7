//! Plaid-shaped error responses.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use plaid_client::PlaidApiError;

/// An error answered with Plaid's error object and a request id.
#[derive(Debug)]
pub struct SimError {
    status: StatusCode,
    body: Box<PlaidApiError>,
}

impl SimError {
    /// Any Plaid error.
    pub fn new(status: u16, error_type: &str, code: &str, message: &str) -> Self {
        let mut body = PlaidApiError::new(error_type, code, message);
        body.status = Some(status);
        Self { status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST), body: Box::new(body) }
    }

    /// With a user-facing message.
    pub fn display(mut self, message: &str) -> Self {
        self.body.display_message = Some(message.into());
        self
    }

    /// 400 INVALID_REQUEST.
    pub fn invalid_request(code: &str, message: &str) -> Self {
        Self::new(400, "INVALID_REQUEST", code, message)
    }

    /// 400 INVALID_INPUT.
    pub fn invalid_input(code: &str, message: &str) -> Self {
        Self::new(400, "INVALID_INPUT", code, message)
    }

    /// 400 ITEM_ERROR.
    pub fn item(code: &str, message: &str) -> Self {
        Self::new(400, "ITEM_ERROR", code, message)
    }
}

impl IntoResponse for SimError {
    fn into_response(mut self) -> Response {
        self.body.request_id = Some(crate::state::request_id());
        self.body.documentation_url =
            Some(format!("https://plaid.com/docs/errors/#{}", self.body.error_code.to_lowercase()));
        let mut value = serde_json::to_value(&self.body).expect("error serialises");
        value["causes"] = serde_json::json!([]);
        value["suggested_action"] = serde_json::Value::Null;
        (self.status, Json(value)).into_response()
    }
}
