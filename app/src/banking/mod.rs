//! The banking feature: the types the browser sees, the server functions behind
//! `/api/v1/banking/*` (one implementation for the JSON API and the widget), and the
//! server-only glue in [`ssr`].

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::{GetUrl, Json};

use crate::error::AppError;

#[cfg(feature = "ssr")]
pub mod ssr;

/// A Link token for `Plaid.create`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkTokenView {
    /// The token.
    pub link_token: String,
    /// When it expires (RFC 3339).
    pub expiration: String,
}

/// What Link's `onSuccess` reported, as the widget forwards it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkMetadataView {
    /// `{ name, institution_id }`.
    #[serde(default)]
    pub institution: Option<InstitutionView>,
    /// Selected accounts.
    #[serde(default)]
    pub accounts: Vec<LinkAccountView>,
    /// Link session id (for support).
    #[serde(default)]
    pub link_session_id: Option<String>,
}

/// `metadata.institution`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstitutionView {
    /// Name.
    pub name: String,
    /// Plaid id.
    pub institution_id: String,
}

/// An account in `metadata.accounts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkAccountView {
    /// Account id.
    #[serde(default)]
    pub id: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Last digits.
    #[serde(default)]
    pub mask: Option<String>,
}

/// An account with its balances. Money is exact decimal text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountView {
    /// Plaid account id.
    pub account_id: String,
    /// Name.
    pub name: String,
    /// Last digits.
    pub mask: Option<String>,
    /// `depository`, `credit`, …
    #[serde(rename = "type")]
    pub account_type: String,
    /// `checking`, `credit card`, …
    pub subtype: Option<String>,
    /// Available balance.
    pub available: Option<String>,
    /// Current balance.
    pub current: Option<String>,
    /// Currency code.
    pub currency: Option<String>,
    /// When these balances were fetched (RFC 3339).
    pub as_of: String,
    /// `realtime` (asked of the bank by Refresh) or `sync` (Plaid's cached figure).
    pub balance_source: String,
    /// When the bank's figure dates from, when known (RFC 3339).
    pub balance_as_of: Option<String>,
}

/// A linked bank (Plaid Item) with its accounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemView {
    /// Plaid Item id.
    pub item_id: String,
    /// Bank name.
    pub institution_name: String,
    /// `good`, `login_required`, `pending_expiration`, `revoked`.
    pub status: String,
    /// Why, when not good: Plaid's error code or reason.
    pub status_detail: Option<String>,
    /// What the user is told about the state (Plaid's message, or ours).
    pub status_message: Option<String>,
    /// Deadline of a pending expiration (RFC 3339).
    pub status_deadline: Option<String>,
    /// New accounts are available: offer update mode.
    pub needs_update: bool,
    /// Last successful sync (RFC 3339).
    pub last_sync_at: Option<String>,
    /// Last sync failure.
    pub last_sync_error: Option<String>,
    /// Accounts.
    pub accounts: Vec<AccountView>,
}

/// An amount in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrencyAmountView {
    /// ISO currency code (empty when the bank gave none).
    pub currency: String,
    /// Exact decimal text.
    pub amount: String,
}

/// `GET /api/v1/banking/accounts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsView {
    /// Linked banks.
    pub items: Vec<ItemView>,
    /// Current balances of depository accounts, summed per currency (never across them).
    pub total_cash: Vec<CurrencyAmountView>,
}

/// `GET /api/v1/banking/link-settings`: how the browser loads Link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkSettingsView {
    /// Where the Link script is loaded from (Plaid's CDN, or the simulator's).
    pub link_script_url: String,
}

/// A transaction. `amount` > 0 is money out, as in Plaid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionView {
    /// Id.
    pub transaction_id: String,
    /// Account.
    pub account_id: String,
    /// Date (YYYY-MM-DD).
    pub date: String,
    /// Description.
    pub name: String,
    /// Amount (positive = out).
    pub amount: String,
    /// Currency.
    pub currency: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Pending.
    pub pending: bool,
}

/// One week of the cash-flow chart, in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeekFlowView {
    /// ISO currency code of the amounts.
    pub currency: String,
    /// Monday (YYYY-MM-DD).
    pub week_start: String,
    /// Money in.
    pub money_in: String,
    /// Money out.
    pub money_out: String,
}

/// A refresh result: balances, fresh or last known with why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefreshView {
    /// The bank with its accounts.
    pub item: ItemView,
    /// None if fresh; otherwise why the last known balances are shown.
    pub stale_reason: Option<String>,
}

/// `POST /api/v1/banking/plaid/create-link-token`: a Link token; with `item_id`, one in
/// update mode for that bank.
#[server(prefix = "/api/v1/banking/plaid", endpoint = "create-link-token", input = Json, output = Json)]
pub async fn create_link_token(#[server(default)] item_id: Option<String>) -> Result<LinkTokenView, AppError> {
    let (state, user) = ssr::trader().await?;
    ssr::create_link_token(&state, user.id, item_id.as_deref()).await.map_err(crate::auth::ssr::fail)
}

/// `POST /api/v1/banking/plaid/exchange-public-token`: links the bank Link returned.
#[server(prefix = "/api/v1/banking/plaid", endpoint = "exchange-public-token", input = Json, output = Json)]
pub async fn exchange_public_token(
    public_token: String,
    #[server(default)] metadata: LinkMetadataView,
) -> Result<ItemView, AppError> {
    let (state, user) = ssr::trader().await?;
    ssr::exchange(&state, user.id, &public_token, &metadata).await.map_err(crate::auth::ssr::fail)
}

/// `GET /api/v1/banking/accounts`: banks, accounts and balances.
#[server(prefix = "/api/v1/banking", endpoint = "accounts", input = GetUrl, output = Json)]
pub async fn get_accounts() -> Result<AccountsView, AppError> {
    let (state, user) = ssr::trader().await?;
    ssr::accounts(&state, user.id).await.map_err(crate::auth::ssr::fail)
}

/// `GET /api/v1/banking/link-settings`: where the Link script comes from.
#[server(prefix = "/api/v1/banking", endpoint = "link-settings", input = GetUrl, output = Json)]
pub async fn link_settings() -> Result<LinkSettingsView, AppError> {
    let (state, _) = ssr::trader().await?;
    Ok(ssr::link_settings(&state))
}

/// `GET /api/v1/banking/transactions`: newest first; filter by account and date range.
#[server(prefix = "/api/v1/banking", endpoint = "transactions", input = GetUrl, output = Json)]
pub async fn list_transactions(
    account_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<u32>,
    offset: Option<u32>,
) -> Result<Vec<TransactionView>, AppError> {
    let (state, user) = ssr::trader().await?;
    ssr::transactions(&state, user.id, account_id, from, to, limit, offset).await.map_err(crate::auth::ssr::fail)
}

/// `GET /api/v1/banking/cash-flow`: money in vs out per week over the synced history.
#[server(prefix = "/api/v1/banking", endpoint = "cash-flow", input = GetUrl, output = Json)]
pub async fn cash_flow() -> Result<Vec<WeekFlowView>, AppError> {
    let (state, user) = ssr::trader().await?;
    ssr::cash_flow(&state, user.id).await.map_err(crate::auth::ssr::fail)
}

/// Refreshes one bank's balances (also `POST /api/v1/banking/items/{id}/refresh`).
#[server(prefix = "/api/v1/banking/items", endpoint = "refresh", input = Json, output = Json)]
pub async fn refresh_item(item_id: String) -> Result<RefreshView, AppError> {
    let (state, user) = ssr::trader().await?;
    ssr::refresh(&state, user.id, &item_id).await.map_err(crate::auth::ssr::fail)
}

/// Removes one bank (also `DELETE /api/v1/banking/items/{id}`).
#[server(prefix = "/api/v1/banking/items", endpoint = "remove", input = Json, output = Json)]
pub async fn remove_item(item_id: String) -> Result<(), AppError> {
    let (state, user) = ssr::trader().await?;
    ssr::remove(&state, user.id, &item_id).await.map_err(crate::auth::ssr::fail)
}

/// What Link's `onExit` reported, for the server's log (support asks for these ids).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkExitView {
    /// Plaid's `error_code`, when Link closed on an error.
    #[serde(default)]
    pub error_code: Option<String>,
    /// Plaid's `error_type`.
    #[serde(default)]
    pub error_type: Option<String>,
    /// `metadata.status`, e.g. `requires_credentials`.
    #[serde(default)]
    pub status: Option<String>,
    /// `metadata.link_session_id`.
    #[serde(default)]
    pub link_session_id: Option<String>,
    /// `metadata.request_id`.
    #[serde(default)]
    pub request_id: Option<String>,
    /// `metadata.institution.institution_id`.
    #[serde(default)]
    pub institution_id: Option<String>,
}

/// `POST /api/v1/banking/plaid/link-exit`: logs why Link closed without linking.
#[server(prefix = "/api/v1/banking/plaid", endpoint = "link-exit", input = Json, output = Json)]
pub async fn report_link_exit(exit: LinkExitView) -> Result<(), AppError> {
    let (_, user) = ssr::trader().await?;
    ssr::log_link_exit(user.id, &exit);
    Ok(())
}

/// After Link succeeded in update mode: re-check the bank with Plaid and clear its flag.
#[server(prefix = "/api/v1/banking/plaid", endpoint = "update-complete", input = Json, output = Json)]
pub async fn complete_update(item_id: String) -> Result<ItemView, AppError> {
    let (state, user) = ssr::trader().await?;
    ssr::complete_update(&state, user.id, &item_id).await.map_err(crate::auth::ssr::fail)
}
