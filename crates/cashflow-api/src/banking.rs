//! The banking API's request and response types. Money is exact decimal text, times are
//! RFC 3339, dates `YYYY-MM-DD`.

use serde::{Deserialize, Serialize};

pub use crate::transactions::*;

/// The state of a linked bank's connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Syncing normally.
    Good,
    /// The user must sign in to the bank again through Link's update mode (`status_detail`
    /// holds Plaid's code, e.g. `ITEM_LOCKED`).
    LoginRequired,
    /// Consent or the connection ends soon (`status_deadline`).
    PendingExpiration,
    /// The user revoked access at the bank: no more syncing; remove and link again.
    Revoked,
}

impl ItemStatus {
    /// The name used in the API and in CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::LoginRequired => "login_required",
            Self::PendingExpiration => "pending_expiration",
            Self::Revoked => "revoked",
        }
    }
}

/// Where an account's balances came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BalanceSource {
    /// Plaid's cached figure, delivered with a sync.
    Sync,
    /// Asked of the bank just now (Refresh).
    Realtime,
}

impl BalanceSource {
    /// The name used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sync => "sync",
            Self::Realtime => "realtime",
        }
    }
}

/// A Link token for `Plaid.create`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkTokenView {
    /// The token.
    pub link_token: String,
    /// When it expires (RFC 3339).
    pub expiration: String,
}

/// What Link's `onSuccess` reported, as the widget forwards it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstitutionView {
    /// Name.
    pub name: String,
    /// Plaid id.
    pub institution_id: String,
}

/// An account in `metadata.accounts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountView {
    /// Plaid account id.
    pub account_id: String,
    /// Name.
    pub name: String,
    /// Last digits.
    pub mask: Option<String>,
    /// `depository`, `credit`, … (Plaid's open set of account types).
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
    /// Where the balances came from.
    pub balance_source: BalanceSource,
    /// When the bank's figure dates from, when known (RFC 3339).
    pub balance_as_of: Option<String>,
    /// The trader's name for it, shown instead of `name`.
    #[serde(default)]
    pub nickname: Option<String>,
    /// The trader hid it from the dashboard.
    #[serde(default)]
    pub hidden: bool,
    /// Counted in `total_cash` (the trader may leave an account out).
    #[serde(default = "counted")]
    pub in_total_cash: bool,
}

fn counted() -> bool {
    true
}

impl AccountView {
    /// The name to show: the trader's nickname, else the bank's name.
    pub fn display_name(&self) -> &str {
        self.nickname.as_deref().unwrap_or(&self.name)
    }
}

/// A linked bank (Plaid Item) with its accounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemView {
    /// Plaid Item id.
    pub item_id: String,
    /// Bank name.
    pub institution_name: String,
    /// The connection's state.
    pub status: ItemStatus,
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
    /// The institution's brand colour (`#RRGGBB`), when known.
    #[serde(default)]
    pub primary_color: Option<String>,
    /// Where its logo is served (a PNG, same origin), when known.
    #[serde(default)]
    pub logo_url: Option<String>,
    /// Accounts.
    pub accounts: Vec<AccountView>,
}

/// An amount in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CurrencyAmountView {
    /// ISO currency code (empty when the bank gave none).
    pub currency: String,
    /// Exact decimal text.
    pub amount: String,
}

/// `GET /api/v1/banking/accounts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountsView {
    /// Linked banks.
    pub items: Vec<ItemView>,
    /// Current balances of depository accounts the trader counts (`in_total_cash`), summed per
    /// currency (never across them).
    pub total_cash: Vec<CurrencyAmountView>,
}

/// `GET /api/v1/banking/link-settings`: how the browser loads Link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkSettingsView {
    /// Where the Link script is loaded from (Plaid's CDN, or the simulator's).
    pub link_script_url: String,
}

/// One week of the cash-flow chart, in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// What kind of debt a liability is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LiabilityKind {
    /// A credit card.
    Credit,
    /// A mortgage.
    Mortgage,
    /// A student loan.
    Student,
}

impl LiabilityKind {
    /// The name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Credit => "credit",
            Self::Mortgage => "mortgage",
            Self::Student => "student",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Credit, Self::Mortgage, Self::Student].into_iter().find(|k| k.as_str() == name)
    }
}

/// A credit card's or loan's terms and next payment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiabilityView {
    /// The account.
    pub account_id: String,
    /// Its bank.
    pub item_id: String,
    /// The bank's name.
    pub institution_name: String,
    /// The account as the trader names it (nickname, else the bank's name).
    pub account_name: String,
    /// Last digits.
    pub mask: Option<String>,
    /// Credit card, mortgage or student loan.
    pub kind: LiabilityKind,
    /// Currency of the amounts.
    pub currency: Option<String>,
    /// Amount owed now.
    pub balance: Option<String>,
    /// Credit limit (cards).
    pub limit: Option<String>,
    /// Credit still available (cards): the bank's figure, else limit minus balance.
    pub available_credit: Option<String>,
    /// Purchase APR (cards) or interest rate (loans), in percent.
    pub apr: Option<String>,
    /// A payment is overdue.
    pub is_overdue: bool,
    /// The minimum (or monthly) payment due next.
    pub minimum_payment: Option<String>,
    /// When it is due (YYYY-MM-DD).
    pub next_payment_due_date: Option<String>,
    /// The last payment made.
    pub last_payment_amount: Option<String>,
    /// Its date.
    pub last_payment_date: Option<String>,
    /// The last statement's balance (cards).
    pub last_statement_balance: Option<String>,
}

/// Credit and payments due: the credit still available on the trader's cards per currency,
/// and every card and loan with its next payment, soonest first (overdue ones first of all).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiabilitiesView {
    /// Available credit of the credit accounts, per currency.
    pub available_credit: Vec<CurrencyAmountView>,
    /// The cards and loans.
    pub liabilities: Vec<LiabilityView>,
}

/// A position of an investment account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HoldingView {
    /// Plaid's security id.
    pub security_id: String,
    /// Ticker.
    pub ticker: Option<String>,
    /// Security name.
    pub name: Option<String>,
    /// `equity`, `etf`, `mutual fund`, … as Plaid names it.
    pub security_type: Option<String>,
    /// Units held.
    pub quantity: String,
    /// Price per unit.
    pub price: String,
    /// The day of that price (YYYY-MM-DD).
    pub price_as_of: Option<String>,
    /// Value of the position.
    pub value: String,
    /// What it cost, when known.
    pub cost_basis: Option<String>,
    /// Value minus cost basis, when the cost is known.
    pub gain: Option<String>,
}

/// An investment account: its brokerage cash apart from its positions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvestmentAccountView {
    /// The account.
    pub account_id: String,
    /// Its bank.
    pub item_id: String,
    /// The bank's name.
    pub institution_name: String,
    /// The account as the trader names it.
    pub account_name: String,
    /// Last digits.
    pub mask: Option<String>,
    /// Currency of the amounts.
    pub currency: Option<String>,
    /// Brokerage cash (cash and cash equivalents).
    pub cash: String,
    /// Value of the positions other than cash.
    pub positions_value: String,
    /// Cash plus positions.
    pub total: String,
    /// The positions other than cash, largest first.
    pub holdings: Vec<HoldingView>,
}

/// A buy, sell, dividend, fee or transfer in an investment account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvestmentTransactionView {
    /// Plaid's id.
    pub investment_transaction_id: String,
    /// The account.
    pub account_id: String,
    /// The day (YYYY-MM-DD).
    pub date: String,
    /// Description.
    pub name: String,
    /// `buy`, `sell`, `cancel`, `cash`, `fee` or `transfer`.
    pub kind: String,
    /// e.g. `dividend`, `deposit`, `account fee`.
    pub subtype: String,
    /// The security's ticker, if any.
    pub ticker: Option<String>,
    /// Units (negative when sold).
    pub quantity: String,
    /// Price per unit.
    pub price: String,
    /// Cash moved: positive = out of the account (Plaid's sign).
    pub amount: String,
    /// Fees.
    pub fees: Option<String>,
    /// Currency.
    pub currency: Option<String>,
}

/// The trader's investment accounts with their positions, and their latest investment
/// transactions (newest first, at most 50).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvestmentsView {
    /// The accounts.
    pub accounts: Vec<InvestmentAccountView>,
    /// The latest transactions.
    pub transactions: Vec<InvestmentTransactionView>,
}

/// Total cash on one day (YYYY-MM-DD, UTC), as an exact decimal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CashPointView {
    /// The day.
    pub date: String,
    /// Total cash that day.
    pub amount: String,
}

/// Cash over time in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CashSeriesView {
    /// ISO currency code (empty when the bank gave none).
    pub currency: String,
    /// One point per day, oldest first, from the first day with a balance on record.
    pub points: Vec<CashPointView>,
}

/// Cash over time: the current balances of the accounts counted in total cash, as kept each
/// day (and on each real-time refresh), summed per day and currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CashHistoryView {
    /// Days covered, up to today.
    pub days: u32,
    /// One series per currency, in currency order.
    pub series: Vec<CashSeriesView>,
}

/// Days a cash-over-time chart may cover.
pub const CASH_HISTORY_DAYS: std::ops::RangeInclusive<u32> = 1..=366;

/// The result of "Sync now": balances (fresh, or last known with why) and whether the bank
/// was asked for new transactions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshView {
    /// The bank with its accounts.
    pub item: ItemView,
    /// None if fresh; otherwise why the last known balances are shown.
    pub stale_reason: Option<String>,
    /// None when the bank was asked for new transactions (they appear as it answers);
    /// otherwise why it was not asked.
    #[serde(default)]
    pub transactions_reason: Option<String>,
}

/// What Link's `onExit` reported, for the server's log (support asks for these ids).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// `POST /api/v1/banking/plaid/create-link-token`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateLinkTokenRequest {
    /// A linked bank to re-authenticate (Link's update mode); absent to link a new one.
    #[serde(default)]
    pub item_id: Option<String>,
}

/// `POST /api/v1/banking/plaid/exchange-public-token`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExchangePublicTokenRequest {
    /// The `public_token` Link's `onSuccess` gave.
    pub public_token: String,
    /// Link's `onSuccess` metadata (the institution and the accounts chosen).
    #[serde(default)]
    pub metadata: LinkMetadataView,
}

/// A request about one linked bank: `update-complete`, `items/refresh`, `items/remove`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemRequest {
    /// The bank's Plaid Item id.
    pub item_id: String,
}

/// `POST /api/v1/banking/accounts/preferences`: what the trader decided about one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountPreferencesRequest {
    /// Plaid's account id.
    pub account_id: String,
    /// A name of the trader's (at most 60 characters, no control characters); absent or
    /// empty for none.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 60, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$"))]
    pub nickname: Option<String>,
    /// Hide it from the dashboard.
    pub hidden: bool,
    /// Count it in total cash.
    pub in_total_cash: bool,
}

/// `POST /api/v1/banking/plaid/link-exit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkExitRequest {
    /// What Link's `onExit` reported.
    pub exit: LinkExitView,
}
