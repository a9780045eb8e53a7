use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{endpoint, Account, RequestIdResponse};
use crate::AccessToken;

/// `/transactions/sync`: one page of changes since `cursor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionsSyncRequest {
    /// The Item's access token.
    pub access_token: AccessToken,
    /// Where the last sync ended; `None` for the full history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Page size, 1..=500 (Plaid's default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<TransactionsSyncOptions>,
}

/// `options` of [`TransactionsSyncRequest`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TransactionsSyncOptions {
    /// Include the raw description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_original_description: Option<bool>,
    /// Days of history for the first sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_requested: Option<u32>,
    /// Only this account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

/// Response of `/transactions/sync`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionsSyncResponse {
    /// Readiness of the Item's transaction data.
    pub transactions_update_status: TransactionsUpdateStatus,
    /// Accounts with balances as of this sync.
    pub accounts: Vec<Account>,
    /// New transactions.
    pub added: Vec<Transaction>,
    /// Changed transactions.
    pub modified: Vec<Transaction>,
    /// Removed transactions (including pending ones that posted).
    pub removed: Vec<RemovedTransaction>,
    /// Cursor for the next call; `""` when data is not ready yet.
    pub next_cursor: String,
    /// More pages follow.
    pub has_more: bool,
    /// Plaid's request id.
    pub request_id: String,
}

endpoint!(TransactionsSyncRequest => TransactionsSyncResponse, "/transactions/sync", idempotent = true);

/// `transactions_update_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TransactionsUpdateStatus {
    /// Unknown.
    TransactionsUpdateStatusUnknown,
    /// Not ready.
    NotReady,
    /// Recent 30 days ready.
    InitialUpdateComplete,
    /// Full history ready.
    HistoricalUpdateComplete,
    /// A status added after this client was written.
    #[serde(other)]
    Unknown,
}

/// A removed transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemovedTransaction {
    /// Its id.
    pub transaction_id: String,
    /// Its account.
    pub account_id: String,
}

/// A transaction (`Transaction`). `amount` is positive when money leaves the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    /// Plaid's transaction id.
    pub transaction_id: String,
    /// Its account.
    pub account_id: String,
    /// Positive = money out, negative = money in.
    pub amount: Decimal,
    /// ISO 4217 currency.
    pub iso_currency_code: Option<String>,
    /// Non-ISO currency.
    pub unofficial_currency_code: Option<String>,
    /// Posted date (or authorised date while pending).
    pub date: NaiveDate,
    /// Still pending.
    pub pending: bool,
    /// For a posted transaction, the id of the pending one it replaces.
    #[serde(default)]
    pub pending_transaction_id: Option<String>,
    /// Description.
    #[serde(default)]
    pub name: Option<String>,
    /// Cleaned merchant name.
    #[serde(default)]
    pub merchant_name: Option<String>,
    /// Authorisation date.
    #[serde(default)]
    pub authorized_date: Option<NaiveDate>,
    /// Posting time, when the institution gives one.
    #[serde(default)]
    pub datetime: Option<DateTime<Utc>>,
    /// `online`, `in store` or `other`.
    #[serde(default)]
    pub payment_channel: Option<String>,
    /// Category.
    #[serde(default)]
    pub personal_finance_category: Option<PersonalFinanceCategory>,
}

/// `personal_finance_category` of a [`Transaction`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonalFinanceCategory {
    /// e.g. `FOOD_AND_DRINK`.
    pub primary: String,
    /// e.g. `FOOD_AND_DRINK_COFFEE`.
    pub detailed: String,
}

/// `/transactions/refresh`: asks Plaid to check for new transactions now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionsRefreshRequest {
    /// The Item's access token.
    pub access_token: AccessToken,
}

endpoint!(TransactionsRefreshRequest => RequestIdResponse, "/transactions/refresh", idempotent = true);
