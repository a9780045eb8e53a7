use serde::{Deserialize, Serialize};

use super::endpoint;
use crate::AccessToken;

/// `/sandbox/public_token/create`: makes an Item without Link (sandbox only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SandboxPublicTokenCreateRequest {
    /// e.g. `ins_109508` (First Platypus Bank).
    pub institution_id: String,
    /// Products, e.g. `["transactions"]`.
    pub initial_products: Vec<String>,
    /// Options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<SandboxPublicTokenCreateOptions>,
}

/// `options` of [`SandboxPublicTokenCreateRequest`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SandboxPublicTokenCreateOptions {
    /// Webhook for the Item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<String>,
    /// Sandbox username (default `user_good`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_username: Option<String>,
    /// Sandbox password (default `pass_good`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_password: Option<String>,
}

/// Response of `/sandbox/public_token/create`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SandboxPublicTokenCreateResponse {
    /// Exchange it with `/item/public_token/exchange`.
    pub public_token: String,
    /// Plaid's request id.
    pub request_id: String,
}

endpoint!(SandboxPublicTokenCreateRequest => SandboxPublicTokenCreateResponse, "/sandbox/public_token/create", idempotent = false);

/// `/sandbox/item/fire_webhook`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SandboxItemFireWebhookRequest {
    /// The Item's access token.
    pub access_token: AccessToken,
    /// e.g. `TRANSACTIONS`, `ITEM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_type: Option<String>,
    /// e.g. `SYNC_UPDATES_AVAILABLE`, `LOGIN_REPAIRED`.
    pub webhook_code: String,
}

/// Response of `/sandbox/item/fire_webhook`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SandboxItemFireWebhookResponse {
    /// Whether it fired.
    pub webhook_fired: bool,
    /// Plaid's request id.
    pub request_id: String,
}

endpoint!(SandboxItemFireWebhookRequest => SandboxItemFireWebhookResponse, "/sandbox/item/fire_webhook", idempotent = false);

/// `/sandbox/item/reset_login`: puts the Item into `ITEM_LOGIN_REQUIRED`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SandboxItemResetLoginRequest {
    /// The Item's access token.
    pub access_token: AccessToken,
}

/// Response of `/sandbox/item/reset_login`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SandboxItemResetLoginResponse {
    /// Whether it was reset.
    pub reset_login: bool,
    /// Plaid's request id.
    pub request_id: String,
}

endpoint!(SandboxItemResetLoginRequest => SandboxItemResetLoginResponse, "/sandbox/item/reset_login", idempotent = true);
