use serde::{Deserialize, Serialize};
use std::time::Duration;

use crate::webhook::WebhookRejection;

/// Plaid's error object (`PlaidError` in the spec), returned with 4xx/5xx responses and
/// carried by some webhooks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaidApiError {
    /// Broad category, e.g. `ITEM_ERROR`, `RATE_LIMIT_EXCEEDED`, `INVALID_REQUEST`.
    pub error_type: String,
    /// Specific code, e.g. `ITEM_LOGIN_REQUIRED`.
    pub error_code: String,
    /// Developer-facing description.
    pub error_message: String,
    /// User-facing message, when Plaid has one.
    #[serde(default)]
    pub display_message: Option<String>,
    /// Plaid's request id, for support tickets.
    #[serde(default)]
    pub request_id: Option<String>,
    /// HTTP status Plaid reported (also set from the response when absent in the body).
    #[serde(default)]
    pub status: Option<u16>,
    /// Link to Plaid's documentation of the code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<String>,
    /// Plaid's suggestion for resolving it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggested_action: Option<String>,
    /// The `Retry-After` header of the response that carried this error (not part of the body).
    #[serde(skip)]
    pub retry_after: Option<Duration>,
}

impl PlaidApiError {
    /// Builds an error object, as the simulator and tests do.
    pub fn new(error_type: &str, error_code: &str, error_message: &str) -> Self {
        Self {
            error_type: error_type.into(),
            error_code: error_code.into(),
            error_message: error_message.into(),
            display_message: None,
            request_id: None,
            status: None,
            documentation_url: None,
            suggested_action: None,
            retry_after: None,
        }
    }
}

/// Everything that can go wrong talking to Plaid or verifying its webhooks.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Plaid answered with its error object.
    #[error("Plaid error {} ({}): {}", .0.error_code, .0.error_type, .0.error_message)]
    Api(Box<PlaidApiError>),
    /// No response within the configured timeout.
    #[error("Plaid did not answer {endpoint} within {timeout:?}")]
    Timeout {
        /// Endpoint path.
        endpoint: &'static str,
        /// The timeout that expired.
        timeout: Duration,
    },
    /// The connection failed (DNS, TLS, reset).
    #[error("could not reach Plaid for {endpoint}: {source}")]
    Transport {
        /// Endpoint path.
        endpoint: &'static str,
        /// Underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The response was not the JSON the spec promises.
    #[error("unexpected response from {endpoint} (HTTP {status}) at `{path}`: {message}")]
    Decode {
        /// Endpoint path.
        endpoint: &'static str,
        /// HTTP status of the response.
        status: u16,
        /// JSON path of the value that failed, e.g. `accounts[0].balances.current`.
        path: String,
        /// What was wrong there.
        message: String,
    },
    /// Configuration could not be used.
    #[error("invalid Plaid configuration: {0}")]
    Config(String),
    /// Too many unknown webhook key ids were looked up in the last minute; the lookup was
    /// not made. The webhook may be genuine: answer with a retryable status.
    #[error("too many webhook key lookups in the last minute; not asking Plaid again yet")]
    LookupLimit,
    /// An incoming webhook failed verification.
    #[error("webhook rejected: {0}")]
    Webhook(WebhookRejection),
}

impl Error {
    /// Plaid's error object, when this is one.
    pub fn api(&self) -> Option<&PlaidApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Plaid's `error_code`, when this is a Plaid error.
    pub fn code(&self) -> Option<&str> {
        self.api().map(|e| e.error_code.as_str())
    }
}
