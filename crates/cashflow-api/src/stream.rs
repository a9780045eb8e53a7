//! The durable event stream other services consume (NATS JetStream stream `BANKING`,
//! subjects `banking.<user_id>.<type>`): one [`StreamEvent`] per committed change, as JSON.
//! `docs/events.schema.json` is the JSON Schema of these types (a test keeps it in step).
//!
//! Money is exact decimal text with Plaid's sign (positive = money out), dates `YYYY-MM-DD`,
//! times RFC 3339. A consumer ignores a `type` it does not know and reads `schema_version`:
//! fields are only ever added within a version.

use serde::{Deserialize, Serialize};

use crate::banking::{BalanceSource, ItemStatus};

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
