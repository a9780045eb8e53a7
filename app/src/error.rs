//! The error every server function and JSON endpoint returns, serialised as
//! `{ "error": { "code", "message" } }`.

use serde::{Deserialize, Serialize};
use server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

/// The body of an error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `unauthorized`, `duplicate_item`.
    pub code: String,
    /// A message for the user; never contains internals.
    pub message: String,
    /// For `duplicate_item`: the connection to re-authenticate instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_item_id: Option<String>,
    /// The request's id (also its `X-Request-Id` header and in each of its log lines), set by
    /// the server on every API error so a user's report leads to the logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// An API error: the HTTP status is set separately by the server (see [`AppError::status`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{}", error.message)]
pub struct AppError {
    /// The body.
    pub error: ErrorBody,
}

impl AppError {
    /// An error with a code and message.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            error: ErrorBody { code: code.into(), message: message.into(), existing_item_id: None, request_id: None },
        }
    }

    /// Not signed in.
    pub fn unauthorized() -> Self {
        Self::new("unauthorized", "Please sign in.")
    }

    /// Signed in with a role that may not do this.
    pub fn forbidden() -> Self {
        Self::new("forbidden", "Your role does not allow this.")
    }

    /// Something failed on our side.
    pub fn internal() -> Self {
        Self::new("internal", "Something went wrong on our side. Please try again.")
    }

    /// The HTTP status for this error's code.
    pub fn status(&self) -> u16 {
        match self.error.code.as_str() {
            "unauthorized" | "invalid_credentials" => 401,
            "forbidden" | "cross_site" => 403,
            "not_found" => 404,
            "duplicate_item" | "conflict" => 409,
            "invalid_input" | "invalid_token" | "request_failed" => 400,
            "payload_too_large" => 413,
            "too_many_attempts" | "busy" | "rate_limited" | "too_many_streams" => 429,
            "plaid_error" => 502,
            "plaid_unavailable" => 503,
            _ => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::Deserialization(_) => {
                Self::new("invalid_input", "The request was not understood.")
            }
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => {
                Self::new("request_failed", "The server could not be reached. Check your connection.")
            }
            _ => Self::internal(),
        }
    }
}
