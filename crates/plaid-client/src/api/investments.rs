use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{endpoint, Account, Item};
use crate::AccessToken;

/// `/investments/holdings/get`: the positions of an Item's investment accounts, with their
/// securities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvestmentsHoldingsGetRequest {
    /// The Item's access token.
    pub access_token: AccessToken,
    /// Filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<InvestmentHoldingsGetRequestOptions>,
}

impl InvestmentsHoldingsGetRequest {
    /// Every investment account of the Item.
    pub fn new(access_token: &AccessToken) -> Self {
        Self { access_token: access_token.clone(), options: None }
    }
}

/// `options` of [`InvestmentsHoldingsGetRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvestmentHoldingsGetRequestOptions {
    /// Only these accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_ids: Option<Vec<String>>,
}

/// Response of `/investments/holdings/get`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvestmentsHoldingsGetResponse {
    /// The Item's accounts.
    pub accounts: Vec<Account>,
    /// The positions.
    pub holdings: Vec<Holding>,
    /// The securities the positions and transactions refer to.
    pub securities: Vec<Security>,
    /// The Item.
    pub item: Item,
    /// Plaid's request id.
    pub request_id: String,
}

endpoint!(InvestmentsHoldingsGetRequest => InvestmentsHoldingsGetResponse, "/investments/holdings/get", idempotent = true);

/// A position (`Holding`; the fields we use).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Holding {
    /// The account.
    pub account_id: String,
    /// The security.
    pub security_id: String,
    /// Price per unit, as the institution reports it.
    pub institution_price: Decimal,
    /// The day of that price.
    #[serde(default)]
    pub institution_price_as_of: Option<NaiveDate>,
    /// Value of the position.
    pub institution_value: Decimal,
    /// What the position cost, when known.
    pub cost_basis: Option<Decimal>,
    /// Units held.
    pub quantity: Decimal,
    /// ISO currency.
    pub iso_currency_code: Option<String>,
    /// Non-ISO currency.
    pub unofficial_currency_code: Option<String>,
}

/// A security (`Security`; the fields we use).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Security {
    /// Plaid's id.
    pub security_id: String,
    /// Its name.
    pub name: Option<String>,
    /// Its ticker.
    pub ticker_symbol: Option<String>,
    /// Cash or a cash equivalent (a money market fund): brokerage cash.
    pub is_cash_equivalent: Option<bool>,
    /// `equity`, `etf`, `mutual fund`, `fixed income`, `cash`, … (kept as text).
    #[serde(rename = "type")]
    pub security_type: Option<String>,
    /// The last close price.
    pub close_price: Option<Decimal>,
    /// Its day.
    pub close_price_as_of: Option<NaiveDate>,
    /// ISO currency.
    pub iso_currency_code: Option<String>,
}

/// `/investments/transactions/get`: buys, sells, dividends, fees and transfers of an Item's
/// investment accounts between two dates, a page at a time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvestmentsTransactionsGetRequest {
    /// The Item's access token.
    pub access_token: AccessToken,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: NaiveDate,
    /// Paging and filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<InvestmentsTransactionsGetRequestOptions>,
}

/// `options` of [`InvestmentsTransactionsGetRequest`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InvestmentsTransactionsGetRequestOptions {
    /// Only these accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_ids: Option<Vec<String>>,
    /// Page size (1..=500, Plaid's default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Transactions to skip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
}

/// Response of `/investments/transactions/get`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvestmentsTransactionsGetResponse {
    /// The Item.
    pub item: Item,
    /// The Item's accounts.
    pub accounts: Vec<Account>,
    /// The securities the transactions refer to.
    pub securities: Vec<Security>,
    /// This page.
    pub investment_transactions: Vec<InvestmentTransaction>,
    /// How many in all between the dates.
    pub total_investment_transactions: u32,
    /// Plaid's request id.
    pub request_id: String,
}

endpoint!(InvestmentsTransactionsGetRequest => InvestmentsTransactionsGetResponse, "/investments/transactions/get", idempotent = true);

/// A buy, sell, dividend, fee, transfer… (`InvestmentTransaction`; the fields we use).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvestmentTransaction {
    /// Plaid's id.
    pub investment_transaction_id: String,
    /// The account.
    pub account_id: String,
    /// The security, if any.
    pub security_id: Option<String>,
    /// The day.
    pub date: NaiveDate,
    /// Description.
    pub name: String,
    /// Units (negative when sold).
    pub quantity: Decimal,
    /// Cash moved (positive = money out of the account, as for transactions).
    pub amount: Decimal,
    /// Price per unit.
    pub price: Decimal,
    /// Fees.
    pub fees: Option<Decimal>,
    /// `buy`, `sell`, `cancel`, `cash`, `fee` or `transfer` (kept as text).
    #[serde(rename = "type")]
    pub transaction_type: String,
    /// e.g. `dividend`, `deposit`, `management fee` (kept as text).
    pub subtype: String,
    /// ISO currency.
    pub iso_currency_code: Option<String>,
}
