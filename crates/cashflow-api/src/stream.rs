//! The durable event stream other services consume (NATS JetStream stream `BANKING`,
//! subjects `banking.<user_id>.<type>`): one [`StreamEvent`] per committed change, as JSON.
//! `docs/events.schema.json` is the JSON Schema of these types (a test keeps it in step).
//!
//! Money is exact decimal text with Plaid's sign (positive = money out), dates `YYYY-MM-DD`,
//! times RFC 3339. A consumer ignores a `type` it does not know and reads `schema_version`:
//! fields are only ever added within a version.

use serde::{Deserialize, Serialize};

use crate::banking::{BalanceSource, ItemStatus, LiabilityKind};

/// The version of this schema carried by every event.
pub const SCHEMA_VERSION: u32 = 1;

/// One change, as published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamEvent {
    /// [`SCHEMA_VERSION`] when written.
    pub schema_version: u32,
    /// UUID v7 (time-ordered); also the message's `Nats-Msg-Id`, so a redelivery is dropped.
    pub event_id: String,
    /// Our user id of the bank's owner.
    pub user_id: i64,
    /// Plaid's Item id of the bank.
    pub item_id: String,
    /// When the change was committed (RFC 3339).
    pub occurred_at: String,
    /// What changed: `type` names it, `payload` holds it.
    #[serde(flatten)]
    pub change: Change,
}

/// What changed. Transactions come in batches of at most [`BATCH`] per event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", content = "payload", rename_all = "snake_case")]
pub enum Change {
    /// Transactions seen for the first time.
    TransactionsAdded {
        /// The transactions.
        transactions: Vec<StreamTransaction>,
    },
    /// Transactions Plaid changed (a pending one posted, an amount or name corrected).
    TransactionsModified {
        /// The transactions as they are now.
        transactions: Vec<StreamTransaction>,
    },
    /// Transactions Plaid removed.
    TransactionsRemoved {
        /// Plaid's ids of the removed transactions.
        transaction_ids: Vec<String>,
    },
    /// Balances of the bank's accounts, as stored after the change.
    BalancesUpdated {
        /// The accounts.
        accounts: Vec<StreamAccount>,
    },
    /// The user revoked one account at the bank: it and its transactions are gone.
    AccountRemoved {
        /// Plaid's account id.
        account_id: String,
    },
    /// A bank was linked.
    BankLinked {
        /// Plaid's institution id.
        institution_id: Option<String>,
        /// The bank's name.
        institution_name: String,
        /// Its accounts.
        accounts: Vec<StreamAccount>,
    },
    /// A bank was removed, with its accounts and transactions.
    BankRemoved {},
    /// The bank's connection changed state.
    BankStatusChanged {
        /// The new state.
        status: ItemStatus,
        /// Plaid's error code or reason, when not good.
        detail: Option<String>,
    },
    /// The bank's investment positions changed: all of them as stored now, in `parts`
    /// consecutive events of at most [`BATCH`] positions each (one event with an empty list
    /// when none are left). Written only when a fetch changed what is stored.
    HoldingsUpdated {
        /// This event's positions (of the bank's investment accounts).
        holdings: Vec<StreamHolding>,
        /// Which part of the set this event is, from 1.
        part: u32,
        /// How many events carry the set.
        parts: u32,
    },
    /// Investment transactions (buys, sells, dividends, fees) seen for the first time.
    InvestmentTransactionsAdded {
        /// The investment transactions.
        transactions: Vec<StreamInvestmentTransaction>,
    },
    /// Investment transactions the bank changed.
    InvestmentTransactionsModified {
        /// The investment transactions as they are now.
        transactions: Vec<StreamInvestmentTransaction>,
    },
    /// Investment transactions the bank no longer reports.
    InvestmentTransactionsRemoved {
        /// Plaid's ids of the removed investment transactions.
        investment_transaction_ids: Vec<String>,
    },
    /// The terms or payments due of the bank's credit cards and loans changed: all of them as
    /// stored now (an empty list when none are left). Written only when a fetch changed them.
    LiabilitiesUpdated {
        /// Every liability of the bank's accounts.
        liabilities: Vec<StreamLiability>,
    },
}

/// Most transactions one event carries (a sync of more becomes several events).
pub const BATCH: usize = 500;

impl Change {
    /// The event's `type`, also the last part of its subject.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::TransactionsAdded { .. } => "transactions_added",
            Self::TransactionsModified { .. } => "transactions_modified",
            Self::TransactionsRemoved { .. } => "transactions_removed",
            Self::BalancesUpdated { .. } => "balances_updated",
            Self::AccountRemoved { .. } => "account_removed",
            Self::BankLinked { .. } => "bank_linked",
            Self::BankRemoved {} => "bank_removed",
            Self::BankStatusChanged { .. } => "bank_status_changed",
            Self::HoldingsUpdated { .. } => "holdings_updated",
            Self::InvestmentTransactionsAdded { .. } => "investment_transactions_added",
            Self::InvestmentTransactionsModified { .. } => "investment_transactions_modified",
            Self::InvestmentTransactionsRemoved { .. } => "investment_transactions_removed",
            Self::LiabilitiesUpdated { .. } => "liabilities_updated",
        }
    }
}

/// A transaction in an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamTransaction {
    /// Plaid's transaction id.
    pub transaction_id: String,
    /// Plaid's account id.
    pub account_id: String,
    /// Exact decimal text; positive = money out.
    pub amount: String,
    /// ISO currency code, when the bank gave one.
    pub currency: Option<String>,
    /// Posting date (YYYY-MM-DD).
    pub date: String,
    /// Authorisation date (YYYY-MM-DD), when known.
    pub authorized_date: Option<String>,
    /// Description.
    pub name: String,
    /// Merchant, when known.
    pub merchant_name: Option<String>,
    /// Plaid's category, when known.
    pub category: Option<String>,
    /// The category the trader filed it under: set in the `transactions_modified` event a
    /// re-categorisation writes, absent from a sync's events (a sync never changes it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_category: Option<String>,
    /// Not yet posted.
    pub pending: bool,
    /// For a posted transaction: the pending one it replaces.
    pub pending_transaction_id: Option<String>,
}

/// An account and its balances in an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamAccount {
    /// Plaid's account id.
    pub account_id: String,
    /// Name.
    pub name: String,
    /// Last digits.
    pub mask: Option<String>,
    /// `depository`, `credit`, … (Plaid's open set).
    #[serde(rename = "type")]
    pub account_type: String,
    /// `checking`, `credit card`, …
    pub subtype: Option<String>,
    /// Available balance, exact decimal text.
    pub available: Option<String>,
    /// Current balance, exact decimal text.
    pub current: Option<String>,
    /// Credit limit, exact decimal text.
    pub limit: Option<String>,
    /// ISO currency code.
    pub currency: Option<String>,
    /// Where the balances came from.
    pub balance_source: BalanceSource,
    /// When the balances were fetched (RFC 3339).
    pub fetched_at: String,
}

/// A position of an investment account in an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamHolding {
    /// Plaid's account id.
    pub account_id: String,
    /// Plaid's security id.
    pub security_id: String,
    /// Ticker, when the security has one.
    pub ticker: Option<String>,
    /// Security name.
    pub name: Option<String>,
    /// `equity`, `etf`, `cash`, … (Plaid's open set).
    pub security_type: Option<String>,
    /// Cash or a cash equivalent rather than a position.
    pub is_cash: bool,
    /// Units held, exact decimal text.
    pub quantity: String,
    /// Price per unit at the institution, exact decimal text.
    pub price: String,
    /// The day of that price (YYYY-MM-DD), when known.
    pub price_as_of: Option<String>,
    /// Value of the position, exact decimal text.
    pub value: String,
    /// What it cost, exact decimal text, when known.
    pub cost_basis: Option<String>,
    /// ISO currency code.
    pub currency: Option<String>,
}

/// An investment transaction in an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamInvestmentTransaction {
    /// Plaid's investment transaction id.
    pub investment_transaction_id: String,
    /// Plaid's account id.
    pub account_id: String,
    /// The day (YYYY-MM-DD).
    pub date: String,
    /// Description.
    pub name: String,
    /// `buy`, `sell`, `cancel`, `cash`, `fee` or `transfer`.
    #[serde(rename = "type")]
    pub kind: String,
    /// e.g. `dividend`, `deposit`, `account fee`.
    pub subtype: String,
    /// The security's ticker, if any.
    pub ticker: Option<String>,
    /// Units, exact decimal text (negative when sold).
    pub quantity: String,
    /// Price per unit, exact decimal text.
    pub price: String,
    /// Cash moved, exact decimal text; positive = out of the account.
    pub amount: String,
    /// Fees, exact decimal text.
    pub fees: Option<String>,
    /// ISO currency code.
    pub currency: Option<String>,
}

/// A credit card's or loan's terms and next payment in an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamLiability {
    /// Plaid's account id.
    pub account_id: String,
    /// Credit card, mortgage or student loan.
    pub kind: LiabilityKind,
    /// Purchase APR (cards) or interest rate (loans) in percent, exact decimal text.
    pub apr: Option<String>,
    /// Whether a payment is overdue.
    pub is_overdue: Option<bool>,
    /// The minimum (cards, student loans) or monthly (mortgages) payment due next.
    pub minimum_payment: Option<String>,
    /// When it is due (YYYY-MM-DD).
    pub next_payment_due_date: Option<String>,
    /// The last payment made, exact decimal text.
    pub last_payment_amount: Option<String>,
    /// Its date (YYYY-MM-DD).
    pub last_payment_date: Option<String>,
    /// The last statement's balance (cards), exact decimal text.
    pub last_statement_balance: Option<String>,
}

impl StreamEvent {
    /// The subject it is published on, below `prefix` (`banking` in production).
    pub fn subject(&self, prefix: &str) -> String {
        format!("{prefix}.{}.{}", self.user_id, self.change.kind())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_flat_json_with_its_type_and_payload() {
        let event = StreamEvent {
            schema_version: SCHEMA_VERSION,
            event_id: "0193".into(),
            user_id: 7,
            item_id: "item".into(),
            occurred_at: "2026-11-26T10:00:00+00:00".into(),
            change: Change::TransactionsRemoved { transaction_ids: vec!["t1".into()] },
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], "transactions_removed");
        assert_eq!(json["payload"]["transaction_ids"][0], "t1");
        assert_eq!(json["user_id"], 7);
        assert_eq!(event.subject("banking"), "banking.7.transactions_removed");
        assert_eq!(serde_json::from_value::<StreamEvent>(json).unwrap(), event);
    }
}
