//! The error every server function and JSON endpoint returns, serialised as
//! `{ "error": { "code", "message", "request_id" } }`.

use serde::{Deserialize, Serialize};
use server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

/// What went wrong, for programs; each code has one HTTP status ([`ErrorCode::status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Not signed in (401).
    Unauthorized,
    /// Wrong username or password (401).
    InvalidCredentials,
    /// Signed in with a role that may not do this (403).
    Forbidden,
    /// A state-changing request from another site (403).
    CrossSite,
    /// No such bank or account for this user (404).
    NotFound,
    /// The bank is linked already; `existing_item_id` names it (409).
    DuplicateItem,
    /// The request's content is not valid (400).
    InvalidInput,
    /// The browser could not reach the server or read its answer (400; browser side).
    RequestFailed,
    /// The username is locked for a while after failed sign-ins (429).
    TooManyAttempts,
    /// The server is at its limit of costly work; try again shortly (429).
    Busy,
    /// Too many requests from this address (429).
    RateLimited,
    /// Too many live-event streams open (429).
    TooManyStreams,
    /// Plaid refused the request (502).
    PlaidError,
    /// Plaid or the bank cannot be reached now (503).
    PlaidUnavailable,
    /// Something failed on our side (500).
    Internal,
}

impl ErrorCode {
    /// Every code.
    pub const ALL: [ErrorCode; 15] = [
        Self::Unauthorized,
        Self::InvalidCredentials,
        Self::Forbidden,
        Self::CrossSite,
        Self::NotFound,
        Self::DuplicateItem,
        Self::InvalidInput,
        Self::RequestFailed,
        Self::TooManyAttempts,
        Self::Busy,
        Self::RateLimited,
        Self::TooManyStreams,
        Self::PlaidError,
        Self::PlaidUnavailable,
        Self::Internal,
    ];

    /// The code's name, as in JSON bodies (and in the sign-in page's `error` query parameter
    /// after a refused plain-form sign-in).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Forbidden => "forbidden",
            Self::CrossSite => "cross_site",
            Self::NotFound => "not_found",
            Self::DuplicateItem => "duplicate_item",
            Self::InvalidInput => "invalid_input",
            Self::RequestFailed => "request_failed",
            Self::TooManyAttempts => "too_many_attempts",
            Self::Busy => "busy",
            Self::RateLimited => "rate_limited",
            Self::TooManyStreams => "too_many_streams",
            Self::PlaidError => "plaid_error",
            Self::PlaidUnavailable => "plaid_unavailable",
            Self::Internal => "internal",
        }
    }

    /// The code with this name, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// The HTTP status this code is answered with.
    pub fn status(self) -> u16 {
        match self {
            Self::Unauthorized | Self::InvalidCredentials => 401,
            Self::Forbidden | Self::CrossSite => 403,
            Self::NotFound => 404,
            Self::DuplicateItem => 409,
            Self::InvalidInput | Self::RequestFailed => 400,
            Self::TooManyAttempts | Self::Busy | Self::RateLimited | Self::TooManyStreams => 429,
            Self::PlaidError => 502,
            Self::PlaidUnavailable => 503,
            Self::Internal => 500,
        }
    }
}

/// The body of an error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable machine-readable code.
    pub code: ErrorCode,
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

/// An API error: the HTTP status follows from its code ([`AppError::status`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error("{}", error.message)]
pub struct AppError {
    /// The body.
    pub error: ErrorBody,
}

impl AppError {
    /// An error with a code and a message for the user.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { error: ErrorBody { code, message: message.into(), existing_item_id: None, request_id: None } }
    }

    /// Not signed in.
    pub fn unauthorized() -> Self {
        Self::new(ErrorCode::Unauthorized, "Please sign in.")
    }

    /// Signed in with a role that may not do this.
    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden, "Your role does not allow this.")
    }

    /// Something failed on our side.
    pub fn internal() -> Self {
        Self::new(ErrorCode::Internal, "Something went wrong on our side. Please try again.")
    }

    /// The HTTP status for this error.
    pub fn status(&self) -> u16 {
        self.error.code.status()
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::Deserialization(_) => {
                Self::new(ErrorCode::InvalidInput, "The request was not understood.")
            }
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => {
                Self::new(ErrorCode::RequestFailed, "The server could not be reached. Check your connection.")
            }
            _ => Self::internal(),
        }
    }
}

/// An error as a JSON response with its status (server side).
#[cfg(feature = "axum")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let status =
            axum::http::StatusCode::from_u16(self.status()).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(self)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_has_one_name_in_json_and_in_urls() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(ErrorCode::parse("no_such_code"), None);
    }

    #[test]
    fn codes_travel_as_snake_case_names() {
        let body = serde_json::to_string(&AppError::new(ErrorCode::DuplicateItem, "x")).unwrap();
        assert_eq!(body, r#"{"error":{"code":"duplicate_item","message":"x"}}"#);
        let back: AppError = serde_json::from_str(r#"{"error":{"code":"too_many_streams","message":"y"}}"#).unwrap();
        assert_eq!((back.error.code, back.status()), (ErrorCode::TooManyStreams, 429));
    }
}
