//! Domain records: what the store holds and the service returns. Secrets (password hashes,
//! access tokens) never appear here in clear, and nothing here serialises a secret.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Our user id.
pub type UserId = i64;

/// The closed sets shared with the browser: one definition each, in `cashflow-api`.
pub use cashflow_api::{
    banking::{BalanceSource, ItemStatus, LiabilityKind},
    transactions::{Category, TransactionSort},
    users::Role,
};

/// A user with the password hash, for sign-in. `Debug` hides the hash.
#[derive(Clone)]
pub struct User {
    /// Id.
    pub id: UserId,
    /// Unique name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Argon2 PHC string.
    pub password_hash: secrecy::SecretString,
    /// A demo user seeded in simulation mode (refused sign-in in live mode).
    pub demo: bool,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("password_hash", &"[redacted]")
            .finish()
    }
}

/// A linked Item (one bank login) without its token.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Plaid's Item id.
    pub item_id: String,
    /// Owner.
    pub user_id: UserId,
    /// Plaid institution id.
    pub institution_id: Option<String>,
    /// Bank name.
    pub institution_name: String,
    /// Health.
    pub status: ItemStatus,
    /// Detail: Plaid error code or reason.
    pub status_detail: Option<String>,
    /// What the user is told about the state: Plaid's `display_message`, or ours.
    pub status_message: Option<String>,
    /// Deadline for pending expiration/disconnect (Unix seconds).
    pub status_deadline: Option<i64>,
    /// New accounts are available: offer update mode with account selection.
    pub needs_update: bool,
    /// Last successful sync (Unix seconds).
    pub last_sync_at: Option<i64>,
    /// Last sync failure, for the user.
    pub last_sync_error: Option<String>,
    /// Syncs failed in a row since the last success (drives the back-off).
    pub sync_failures: i64,
    /// The safety net leaves the Item alone until then (Unix seconds), after failures.
    pub sync_retry_at: Option<i64>,
    /// The institution's brand colour (`#RRGGBB`), when cached.
    pub primary_color: Option<String>,
    /// Whether the institution's logo is cached.
    pub has_logo: bool,
}

/// An institution's identity as Plaid gives it, checked before it is kept or shown.
#[derive(Debug, Clone, PartialEq)]
pub struct InstitutionInfo {
    /// Plaid's institution id.
    pub institution_id: String,
    /// Its name.
    pub name: String,
    /// Brand colour, `#RRGGBB` only.
    pub primary_color: Option<String>,
    /// Website, `https://` only.
    pub url: Option<String>,
    /// Logo: base64 of a PNG (at most [`InstitutionInfo::LOGO_MAX_BYTES`]).
    pub logo: Option<String>,
    /// When it was fetched from Plaid (Unix seconds).
    pub fetched_at: i64,
}

impl InstitutionInfo {
    /// Largest logo kept, in decoded bytes (Plaid's 152×152 PNGs are a few KiB).
    pub const LOGO_MAX_BYTES: usize = 64 * 1024;
    /// How long a cached identity is used before Plaid is asked again.
    pub const FRESH_FOR_SECS: i64 = 7 * 24 * 3600;

    /// Keeps what can be shown safely: a colour that is `#RRGGBB`, a website on https, a logo
    /// that decodes to a PNG of at most [`Self::LOGO_MAX_BYTES`]; anything else is dropped.
    pub fn checked(
        institution_id: String,
        name: String,
        primary_color: Option<String>,
        url: Option<String>,
        logo: Option<String>,
        fetched_at: i64,
    ) -> Self {
        use base64::Engine;
        let colour = primary_color
            .filter(|c| c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit()));
        let url = url.filter(|u| u.starts_with("https://") && u.len() <= 2048);
        let logo = logo.filter(|l| {
            l.len() <= Self::LOGO_MAX_BYTES * 4 / 3 + 4
                && base64::engine::general_purpose::STANDARD
                    .decode(l)
                    .is_ok_and(|png| png.starts_with(b"\x89PNG\r\n\x1a\n"))
        });
        Self { institution_id, name, primary_color: colour, url, logo, fetched_at }
    }
}

/// An account with its last known balances.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// Plaid's account id.
    pub account_id: String,
    /// Its Item.
    pub item_id: String,
    /// Name.
    pub name: String,
    /// Official name.
    pub official_name: Option<String>,
    /// Last digits.
    pub mask: Option<String>,
    /// `depository`, `credit`, …
    pub account_type: String,
    /// `checking`, `savings`, `credit card`, …
    pub subtype: Option<String>,
    /// Available balance.
    pub available: Option<Decimal>,
    /// Current balance.
    pub current: Option<Decimal>,
    /// Credit limit.
    pub limit: Option<Decimal>,
    /// ISO currency (or unofficial code).
    pub currency: Option<String>,
    /// When the bank last updated the balance, if known (Unix seconds); a real-time figure
    /// is as of its fetch.
    pub balance_as_of: Option<i64>,
    /// When we fetched it (Unix seconds).
    pub fetched_at: i64,
    /// Cached (sync) or real-time.
    pub balance_source: BalanceSource,
}

/// A transaction. `amount` > 0 is money out, as in Plaid.
#[derive(Debug, Clone, PartialEq)]
pub struct Transaction {
    /// Plaid's id.
    pub transaction_id: String,
    /// Account.
    pub account_id: String,
    /// Item.
    pub item_id: String,
    /// Positive = out.
    pub amount: Decimal,
    /// Currency.
    pub currency: Option<String>,
    /// Posted (or pending) date.
    pub date: NaiveDate,
    /// Authorised date.
    pub authorized_date: Option<NaiveDate>,
    /// Description.
    pub name: String,
    /// Merchant.
    pub merchant_name: Option<String>,
    /// Plaid's primary category (`personal_finance_category.primary`).
    pub category: Option<String>,
    /// The category the trader filed it under, if they did (never set by a sync).
    pub user_category: Option<String>,
    /// Pending.
    pub pending: bool,
    /// The pending transaction this one replaced.
    pub pending_transaction_id: Option<String>,
}

impl Transaction {
    /// The category it counts under: the trader's choice, else Plaid's.
    pub fn effective_category(&self) -> Option<&str> {
        self.user_category.as_deref().or(self.category.as_deref())
    }
}

/// Which transactions to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TransactionFilter {
    /// Text in the description or merchant name (case-insensitive for ASCII letters).
    pub text: Option<String>,
    /// Only this Item's.
    pub item_id: Option<String>,
    /// Only this account.
    pub account_id: Option<String>,
    /// Only those whose effective category (the trader's, else Plaid's) is this.
    pub category: Option<String>,
    /// Only pending (`true`) or only posted (`false`) ones.
    pub pending: Option<bool>,
    /// From this date (inclusive).
    pub from: Option<NaiveDate>,
    /// To this date (inclusive).
    pub to: Option<NaiveDate>,
    /// Rows at most (capped at [`TransactionFilter::MAX_ROWS`]; the API's pages are 500).
    pub limit: u32,
    /// Rows to skip.
    pub offset: u32,
    /// The order.
    pub sort: TransactionSort,
}

impl TransactionFilter {
    /// The most rows one read returns: an export of more is refused (narrow the dates).
    pub const MAX_ROWS: u32 = 100_000;
}

/// An Item with its accounts, as `BankingService::accounts` returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemWithAccounts {
    /// The Item.
    pub item: Item,
    /// Its accounts.
    pub accounts: Vec<Account>,
}

/// Counts of one applied sync.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncCounts {
    /// Inserted.
    pub added: usize,
    /// Updated.
    pub modified: usize,
    /// Deleted.
    pub removed: usize,
}

/// What a trader decided about one of their accounts; kept across syncs and re-links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountPreferences {
    /// Shown instead of the bank's name for the account.
    pub nickname: Option<String>,
    /// Left off the dashboard (until shown again).
    pub hidden: bool,
    /// Counted in total cash.
    pub in_total_cash: bool,
}

impl Default for AccountPreferences {
    fn default() -> Self {
        Self { nickname: None, hidden: false, in_total_cash: true }
    }
}

impl AccountPreferences {
    /// Longest nickname, in characters.
    pub const NICKNAME_MAX: usize = 60;

    /// Checks and tidies what a user sent: the nickname trimmed (empty means none), at most
    /// [`Self::NICKNAME_MAX`] characters, no control characters.
    pub fn new(nickname: Option<&str>, hidden: bool, in_total_cash: bool) -> crate::Result<Self> {
        let nickname = nickname.map(str::trim).filter(|n| !n.is_empty());
        if let Some(n) = nickname {
            if n.chars().count() > Self::NICKNAME_MAX || n.chars().any(char::is_control) {
                return Err(crate::Error::InvalidInput(format!(
                    "A nickname is at most {} characters, on one line.",
                    Self::NICKNAME_MAX
                )));
            }
        }
        Ok(Self { nickname: nickname.map(str::to_string), hidden, in_total_cash })
    }
}

/// Money in and out of one category in one currency, over a filter's transactions.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryTotal {
    /// The effective category; `None` for uncategorised transactions.
    pub category: Option<String>,
    /// The currency, when the bank gave one.
    pub currency: Option<String>,
    /// How many transactions.
    pub count: u64,
    /// Money received, as a positive sum.
    pub money_in: Decimal,
    /// Money spent or sent.
    pub money_out: Decimal,
}

/// Money in and out of one account on one day, in one currency: what a cash-flow report
/// sums per week.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyFlow {
    /// The account.
    pub account_id: String,
    /// The transactions' currency, when Plaid gave one.
    pub currency: Option<String>,
    /// The posting date.
    pub date: chrono::NaiveDate,
    /// Money received (Plaid's negative amounts), as a positive sum.
    pub money_in: rust_decimal::Decimal,
    /// Money spent or sent (Plaid's positive amounts).
    pub money_out: rust_decimal::Decimal,
}

/// Which kind of balance snapshot: the day's (one per account and UTC day, the last figure
/// of the day) or one taken on a real-time refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotSource {
    /// The day's snapshot.
    Daily,
    /// A real-time refresh's snapshot.
    Realtime,
}

impl SnapshotSource {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Daily => "daily",
            Self::Realtime => "realtime",
        }
    }
}

/// One account's balances as kept on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct BalanceSnapshot {
    /// The account.
    pub account_id: String,
    /// The UTC day it was taken.
    pub day: NaiveDate,
    /// The day's or a real-time refresh's.
    pub source: SnapshotSource,
    /// When it was taken (Unix seconds).
    pub taken_at: i64,
    /// Current balance.
    pub current: Option<Decimal>,
    /// Available balance.
    pub available: Option<Decimal>,
    /// ISO currency (or unofficial code).
    pub currency: Option<String>,
    /// Whether the account counts in total cash today (a depository account the trader has
    /// not left out), so that the history follows the trader's choice.
    pub counted: bool,
}

/// Who did what the audit trail records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The bank's owner.
    User(UserId),
    /// An admin acting on someone's bank.
    Admin(UserId),
    /// Plaid (a webhook, an error it answered with).
    Plaid,
    /// The app on its own (background syncs, status changes it derived).
    System,
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::User(id) => write!(f, "user:{id}"),
            Self::Admin(id) => write!(f, "admin:{id}"),
            Self::Plaid => f.write_str("plaid"),
            Self::System => f.write_str("system"),
        }
    }
}

/// One entry of a bank's audit trail. Never holds a token, an amount or a transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// The bank (Item).
    pub item_id: String,
    /// Its owner.
    pub user_id: UserId,
    /// When (Unix seconds).
    pub at: i64,
    /// Who (`user:<id>`, `admin:<id>`, `plaid`, `system`).
    pub actor: String,
    /// What: `linked`, `removed`, `status_changed`, `plaid_error`, `synced`, `sync_failed`,
    /// `webhook`, `sync_now`, `sync_requested`, `reauthenticated`.
    pub action: String,
    /// Details (Plaid's codes and request ids, counts), if any.
    pub detail: Option<String>,
}

/// One bank's health as the admin view shows it: no token, balance or transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct BankHealth {
    /// The owner.
    pub user_id: UserId,
    /// The owner's username.
    pub username: String,
    /// The bank (Item).
    pub item_id: String,
    /// Institution name.
    pub institution_name: String,
    /// Connection status.
    pub status: ItemStatus,
    /// Plaid's code for the status, if any.
    pub status_detail: Option<String>,
    /// Accounts shared.
    pub accounts: i64,
    /// Linked (Unix seconds).
    pub created_at: i64,
    /// Last successful sync.
    pub last_sync_at: Option<i64>,
    /// Why the last sync failed, while it does.
    pub last_sync_error: Option<String>,
    /// The last error Plaid answered with for this bank.
    pub last_error_code: Option<String>,
    /// Plaid's `request_id` of that answer (what Plaid support asks for).
    pub last_error_request_id: Option<String>,
    /// When.
    pub last_error_at: Option<i64>,
    /// When Plaid's last verified webhook about it arrived.
    pub last_webhook_at: Option<i64>,
    /// Webhooks naming this bank that failed verification.
    pub webhook_failures: i64,
    /// When the last one came.
    pub webhook_failure_at: Option<i64>,
    /// Why it was refused.
    pub webhook_failure_reason: Option<String>,
}

/// A credit card's or loan's terms and payments, from Plaid's `/liabilities/get`.
#[derive(Debug, Clone, PartialEq)]
pub struct Liability {
    /// The account.
    pub account_id: String,
    /// Its Item.
    pub item_id: String,
    /// Credit card, mortgage or student loan.
    pub kind: LiabilityKind,
    /// Purchase APR (cards) or interest rate (loans), in percent.
    pub apr: Option<Decimal>,
    /// Whether a payment is overdue.
    pub is_overdue: Option<bool>,
    /// The minimum (cards, student loans) or monthly (mortgages) payment due next.
    pub minimum_payment: Option<Decimal>,
    /// When it is due.
    pub next_payment_due: Option<NaiveDate>,
    /// The last payment made.
    pub last_payment_amount: Option<Decimal>,
    /// Its date.
    pub last_payment_date: Option<NaiveDate>,
    /// The last statement's balance (cards).
    pub last_statement_balance: Option<Decimal>,
}

/// A position of an investment account, at the institution's price.
#[derive(Debug, Clone, PartialEq)]
pub struct Holding {
    /// The account.
    pub account_id: String,
    /// Its Item.
    pub item_id: String,
    /// Plaid's security id.
    pub security_id: String,
    /// Ticker.
    pub ticker: Option<String>,
    /// Security name.
    pub name: Option<String>,
    /// `equity`, `etf`, `cash`, … as Plaid names it.
    pub security_type: Option<String>,
    /// Cash or a cash equivalent: brokerage cash rather than a position.
    pub is_cash: bool,
    /// Units held.
    pub quantity: Decimal,
    /// Price per unit.
    pub price: Decimal,
    /// The day of that price.
    pub price_as_of: Option<NaiveDate>,
    /// Value of the position.
    pub value: Decimal,
    /// What it cost, when known.
    pub cost_basis: Option<Decimal>,
    /// Currency.
    pub currency: Option<String>,
}

/// A buy, sell, dividend, fee or transfer in an investment account.
#[derive(Debug, Clone, PartialEq)]
pub struct InvestmentTransaction {
    /// Plaid's id.
    pub investment_transaction_id: String,
    /// The account.
    pub account_id: String,
    /// Its Item.
    pub item_id: String,
    /// The day.
    pub date: NaiveDate,
    /// Description.
    pub name: String,
    /// `buy`, `sell`, `cancel`, `cash`, `fee` or `transfer`.
    pub kind: String,
    /// e.g. `dividend`, `deposit`, `account fee`.
    pub subtype: String,
    /// The security's ticker, if any.
    pub ticker: Option<String>,
    /// Units (negative when sold).
    pub quantity: Decimal,
    /// Price per unit.
    pub price: Decimal,
    /// Cash moved (positive = out of the account, as for transactions).
    pub amount: Decimal,
    /// Fees.
    pub fees: Option<Decimal>,
    /// Currency.
    pub currency: Option<String>,
}
