use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{endpoint, Account, Item};
use crate::AccessToken;

/// `/liabilities/get`: credit cards, mortgages and student loans of an Item linked with the
/// `liabilities` product (`NO_LIABILITY_ACCOUNTS` when it has none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiabilitiesGetRequest {
    /// The Item's access token.
    pub access_token: AccessToken,
    /// Filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<LiabilitiesGetRequestOptions>,
}

impl LiabilitiesGetRequest {
    /// Every liability account of the Item.
    pub fn new(access_token: &AccessToken) -> Self {
        Self { access_token: access_token.clone(), options: None }
    }
}

/// `options` of [`LiabilitiesGetRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiabilitiesGetRequestOptions {
    /// Only these accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_ids: Option<Vec<String>>,
}

/// Response of `/liabilities/get`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiabilitiesGetResponse {
    /// The Item's accounts (with balances and credit limits).
    pub accounts: Vec<Account>,
    /// The Item.
    pub item: Item,
    /// The liabilities, by kind.
    pub liabilities: LiabilitiesObject,
    /// Plaid's request id.
    pub request_id: String,
}

endpoint!(LiabilitiesGetRequest => LiabilitiesGetResponse, "/liabilities/get", idempotent = true);

/// `liabilities` of [`LiabilitiesGetResponse`]: each kind null when the Item has none.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LiabilitiesObject {
    /// Credit cards.
    pub credit: Option<Vec<CreditCardLiability>>,
    /// Mortgages.
    pub mortgage: Option<Vec<MortgageLiability>>,
    /// Student loans.
    pub student: Option<Vec<StudentLoan>>,
}

/// A credit card (`CreditCardLiability`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreditCardLiability {
    /// The account.
    pub account_id: Option<String>,
    /// Its APRs (purchase, cash, balance transfer, special).
    pub aprs: Vec<Apr>,
    /// Whether a payment is overdue.
    pub is_overdue: Option<bool>,
    /// The last payment.
    pub last_payment_amount: Option<Decimal>,
    /// Its date.
    pub last_payment_date: Option<NaiveDate>,
    /// When the last statement was issued.
    pub last_statement_issue_date: Option<NaiveDate>,
    /// Its balance.
    pub last_statement_balance: Option<Decimal>,
    /// The minimum payment due.
    pub minimum_payment_amount: Option<Decimal>,
    /// When it is due.
    pub next_payment_due_date: Option<NaiveDate>,
}

/// One APR of a credit card (`APR`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Apr {
    /// Annual percentage rate, e.g. 15.24.
    pub apr_percentage: Decimal,
    /// `purchase_apr`, `cash_apr`, `balance_transfer_apr` or `special` (kept as text).
    pub apr_type: String,
    /// The balance it applies to.
    pub balance_subject_to_apr: Option<Decimal>,
    /// Interest charged on it in the last statement period.
    pub interest_charge_amount: Option<Decimal>,
}

/// A mortgage (`MortgageLiability`; the fields we use).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MortgageLiability {
    /// The account.
    pub account_id: String,
    /// The interest rate.
    pub interest_rate: MortgageInterestRate,
    /// The last payment.
    pub last_payment_amount: Option<Decimal>,
    /// Its date.
    pub last_payment_date: Option<NaiveDate>,
    /// The next monthly payment.
    pub next_monthly_payment: Option<Decimal>,
    /// When it is due.
    pub next_payment_due_date: Option<NaiveDate>,
    /// Amount past due.
    pub past_due_amount: Option<Decimal>,
}

/// `interest_rate` of a [`MortgageLiability`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MortgageInterestRate {
    /// Percentage, e.g. 3.99.
    pub percentage: Option<Decimal>,
    /// `fixed` or `variable`.
    #[serde(rename = "type")]
    pub rate_type: Option<String>,
}

/// A student loan (`StudentLoan`; the fields we use).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentLoan {
    /// The account.
    pub account_id: Option<String>,
    /// Interest rate percentage.
    pub interest_rate_percentage: Decimal,
    /// Whether a payment is overdue.
    pub is_overdue: Option<bool>,
    /// The last payment.
    pub last_payment_amount: Option<Decimal>,
    /// Its date.
    pub last_payment_date: Option<NaiveDate>,
    /// The loan's name.
    pub loan_name: Option<String>,
    /// The minimum payment due.
    pub minimum_payment_amount: Option<Decimal>,
    /// When it is due.
    pub next_payment_due_date: Option<NaiveDate>,
}
