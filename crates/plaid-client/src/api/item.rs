use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{endpoint, RequestIdResponse};
use crate::{AccessToken, PlaidApiError};

/// An Item: one login at one institution (`Item` in the spec).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Plaid's Item id.
    pub item_id: String,
    /// Institution id, e.g. `ins_109508`.
    #[serde(default)]
    pub institution_id: Option<String>,
    /// Institution name (newer responses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub institution_name: Option<String>,
    /// Webhook URL.
    pub webhook: Option<String>,
    /// The Item's current error, e.g. `ITEM_LOGIN_REQUIRED`.
    pub error: Option<PlaidApiError>,
    /// Products available but not billed.
    #[serde(default)]
    pub available_products: Vec<String>,
    /// Products billed.
    #[serde(default)]
    pub billed_products: Vec<String>,
    /// When consent expires (EU/UK).
    #[serde(default)]
    pub consent_expiration_time: Option<DateTime<Utc>>,
    /// `background` or `user_present_required`.
    #[serde(default)]
    pub update_type: Option<String>,
}

/// `/item/get`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemGetRequest {
    /// The Item's access token.
    pub access_token: AccessToken,
}

/// Response of `/item/get`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemGetResponse {
    /// The Item.
    pub item: Item,
    /// Product update status.
    #[serde(default)]
    pub status: Option<ItemStatus>,
    /// Plaid's request id.
    pub request_id: String,
}

/// `status` of [`ItemGetResponse`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemStatus {
    /// Transactions update times.
    #[serde(default)]
    pub transactions: Option<ItemStatusTransactions>,
    /// Last webhook Plaid sent for the Item.
    #[serde(default)]
    pub last_webhook: Option<ItemStatusLastWebhook>,
}

/// `status.transactions` of [`ItemGetResponse`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemStatusTransactions {
    /// Last successful update.
    #[serde(default)]
    pub last_successful_update: Option<DateTime<Utc>>,
    /// Last failed update.
    #[serde(default)]
    pub last_failed_update: Option<DateTime<Utc>>,
}

/// `status.last_webhook` of [`ItemGetResponse`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemStatusLastWebhook {
    /// When it was sent.
    #[serde(default)]
    pub sent_at: Option<DateTime<Utc>>,
    /// Its code.
    #[serde(default)]
    pub code_sent: Option<String>,
}

endpoint!(ItemGetRequest => ItemGetResponse, "/item/get", idempotent = true);

/// `/item/remove`: invalidates the access token and stops billing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemRemoveRequest {
    /// The Item's access token.
    pub access_token: AccessToken,
}

endpoint!(ItemRemoveRequest => RequestIdResponse, "/item/remove", idempotent = false);

/// `/item/webhook/update`: changes the Item's webhook URL; Plaid confirms with
/// `WEBHOOK_UPDATE_ACKNOWLEDGED` at the new URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemWebhookUpdateRequest {
    /// The Item's access token.
    pub access_token: AccessToken,
    /// New URL (`None` removes it).
    pub webhook: Option<String>,
}

/// Response of `/item/webhook/update`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemWebhookUpdateResponse {
    /// The Item with its new webhook.
    pub item: Item,
    /// Plaid's request id.
    pub request_id: String,
}

endpoint!(ItemWebhookUpdateRequest => ItemWebhookUpdateResponse, "/item/webhook/update", idempotent = true);
