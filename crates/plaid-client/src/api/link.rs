use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::endpoint;
use crate::AccessToken;

/// `/link/token/create`: a short-lived token that initialises Link. With `access_token` set
/// and no `products`, Link opens in update mode for that Item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkTokenCreateRequest {
    /// App name shown in Link.
    pub client_name: String,
    /// Link language, e.g. `en`.
    pub language: String,
    /// Country codes of the institutions shown, e.g. `["US"]`.
    pub country_codes: Vec<String>,
    /// Who is linking.
    pub user: LinkTokenUser,
    /// Products to enable (omit in update mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub products: Option<Vec<String>>,
    /// Products the app can do without: Plaid adds them where the institution has them,
    /// and links the bank anyway where it has not (none may repeat `products`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional_products: Option<Vec<String>>,
    /// Where Plaid sends webhooks for the new Item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<String>,
    /// Update mode: the Item to repair.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<AccessToken>,
    /// OAuth redirect URI registered in the Plaid dashboard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// Transactions options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transactions: Option<LinkTokenTransactions>,
    /// Update-mode options (`LinkTokenCreateRequestUpdate`), e.g. letting the user share
    /// accounts the bank added since the Item was linked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<LinkTokenUpdate>,
}

/// `update` of [`LinkTokenCreateRequest`] (`LinkTokenCreateRequestUpdate` in the spec).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkTokenUpdate {
    /// Update mode shows account selection, so accounts from `NEW_ACCOUNTS_AVAILABLE` can be
    /// shared.
    #[serde(default)]
    pub account_selection_enabled: bool,
}

/// `user` of [`LinkTokenCreateRequest`]; no PII, just our stable id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkTokenUser {
    /// Our id for the user.
    pub client_user_id: String,
}

/// `transactions` of [`LinkTokenCreateRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkTokenTransactions {
    /// Days of history to request (1..=730, Plaid's default 90).
    pub days_requested: u32,
}

/// Response of `/link/token/create`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkTokenCreateResponse {
    /// The token for `Plaid.create({token})`.
    pub link_token: String,
    /// When it stops working (4 h, 30 min in update mode).
    pub expiration: DateTime<Utc>,
    /// Plaid's request id.
    pub request_id: String,
}

endpoint!(LinkTokenCreateRequest => LinkTokenCreateResponse, "/link/token/create", idempotent = true);

/// `/item/public_token/exchange`: trades Link's one-time public token for an access token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemPublicTokenExchangeRequest {
    /// From Link's `onSuccess`.
    pub public_token: String,
}

/// Response of `/item/public_token/exchange`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemPublicTokenExchangeResponse {
    /// The Item's permanent access token.
    pub access_token: AccessToken,
    /// The new Item's id.
    pub item_id: String,
    /// Plaid's request id.
    pub request_id: String,
}

endpoint!(ItemPublicTokenExchangeRequest => ItemPublicTokenExchangeResponse, "/item/public_token/exchange", idempotent = false);
