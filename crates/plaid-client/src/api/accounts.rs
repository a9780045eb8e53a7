use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{endpoint, Item};
use crate::AccessToken;

/// `/accounts/get`: accounts with cached balances (free).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsGetRequest {
    /// The Item's access token.
    pub access_token: AccessToken,
    /// Filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<AccountsGetOptions>,
}

impl AccountsGetRequest {
    /// All accounts of the Item.
    pub fn new(access_token: &AccessToken) -> Self {
        Self { access_token: access_token.clone(), options: None }
    }
}

/// `options` of [`AccountsGetRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsGetOptions {
    /// Only these accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_ids: Option<Vec<String>>,
}

/// `/accounts/balance/get`: real-time balances (billed, slow, 5 requests/min/Item).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsBalanceGetRequest {
    /// The Item's access token.
    pub access_token: AccessToken,
    /// Filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<AccountsBalanceGetOptions>,
}

impl AccountsBalanceGetRequest {
    /// All accounts of the Item.
    pub fn new(access_token: &AccessToken) -> Self {
        Self { access_token: access_token.clone(), options: None }
    }
}

/// `options` of [`AccountsBalanceGetRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsBalanceGetOptions {
    /// Only these accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_ids: Option<Vec<String>>,
    /// Accept a cached balance no older than this (some institutions only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_last_updated_datetime: Option<DateTime<Utc>>,
}

/// Response of `/accounts/get` and `/accounts/balance/get` (`AccountsGetResponse`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountsGetResponse {
    /// The Item's accounts.
    pub accounts: Vec<Account>,
    /// The Item.
    pub item: Item,
    /// Plaid's request id.
    pub request_id: String,
}

endpoint!(AccountsGetRequest => AccountsGetResponse, "/accounts/get", idempotent = true);
// Billed per call and slow (up to 30 s+): a timeout or 5xx is not retried, or one press of
// Refresh could be billed several times.
endpoint!(AccountsBalanceGetRequest => AccountsGetResponse, "/accounts/balance/get", idempotent = false);

/// An account (`AccountBase`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// Plaid's account id.
    pub account_id: String,
    /// Balances.
    pub balances: AccountBalance,
    /// Last 2-4 digits of the account number.
    pub mask: Option<String>,
    /// Name given by the user or institution.
    pub name: String,
    /// Official product name.
    pub official_name: Option<String>,
    /// Account type.
    #[serde(rename = "type")]
    pub account_type: AccountType,
    /// Subtype, e.g. `checking`, `savings`, `credit card` (a growing list, kept as text).
    pub subtype: Option<String>,
    /// Stable id across Item re-creation (some institutions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_account_id: Option<String>,
}

/// `balances` of an [`Account`] (`AccountBalance`). Money as exact decimals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountBalance {
    /// Spendable amount.
    pub available: Option<Decimal>,
    /// Ledger balance; for credit, the amount owed.
    pub current: Option<Decimal>,
    /// Credit limit or overdraft limit.
    pub limit: Option<Decimal>,
    /// ISO 4217 currency (null when `unofficial_currency_code` is set).
    pub iso_currency_code: Option<String>,
    /// Non-ISO currency, e.g. crypto.
    pub unofficial_currency_code: Option<String>,
    /// When the institution last updated the balance (some institutions only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated_datetime: Option<DateTime<Utc>>,
}

/// Account `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountType {
    /// Checking, savings, money market, cash management.
    Depository,
    /// Credit card, line of credit.
    Credit,
    /// Mortgage, student loan, ...
    Loan,
    /// Investment account.
    Investment,
    /// Brokerage (legacy name of investment).
    Brokerage,
    /// Other.
    Other,
    /// A type added after this client was written.
    #[serde(other)]
    Unknown,
}

impl AccountType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Depository => "depository",
            Self::Credit => "credit",
            Self::Loan => "loan",
            Self::Investment => "investment",
            Self::Brokerage => "brokerage",
            Self::Other => "other",
            Self::Unknown => "unknown",
        }
    }
}
