//! Live events: `GET /api/v1/banking/events` sends each change the user would see as a
//! Server-Sent Event whose JSON data has a `type` (one of [`EventKind`]) and that kind's
//! fields (the Item it concerns and, for some, counts, a status or a message).

use serde::{Deserialize, Serialize};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A bank was linked.
    ItemAdded,
    /// A bank was removed.
    ItemRemoved,
    /// A bank's connection state changed.
    ItemStatusChanged,
    /// Balances of a bank's accounts changed.
    BalancesChanged,
    /// Transactions were added, modified or removed.
    TransactionsChanged,
    /// A sync began.
    SyncStarted,
    /// A sync ended.
    SyncFinished,
    /// A sync failed.
    SyncFailed,
    /// Events may have been missed: reload everything.
    Resync,
    /// A kind this build does not know (a newer server): ignored.
    #[serde(other)]
    Unknown,
}

impl EventKind {
    /// Whether the page's data changed, so it reloads.
    pub fn changes_data(self) -> bool {
        matches!(
            self,
            Self::ItemAdded
                | Self::ItemRemoved
                | Self::ItemStatusChanged
                | Self::BalancesChanged
                | Self::SyncFinished
                | Self::SyncFailed
                | Self::Resync
        )
    }

    /// Whether a sync is running after this event: `Some(true)` when one started,
    /// `Some(false)` when it ended, `None` when the event says nothing about it.
    pub fn syncing(self) -> Option<bool> {
        match self {
            Self::SyncStarted => Some(true),
            Self::SyncFinished | Self::SyncFailed => Some(false),
            _ => None,
        }
    }
}

/// The part of an event's data every kind shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventHeader {
    /// What happened.
    #[serde(rename = "type")]
    pub kind: EventKind,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_read_by_its_type_and_unknown_kinds_are_ignored() {
        let header: EventHeader = serde_json::from_str(r#"{"type":"sync_finished","item_id":"i"}"#).unwrap();
        assert_eq!(header.kind, EventKind::SyncFinished);
        assert!(header.kind.changes_data());
        assert_eq!(header.kind.syncing(), Some(false));
        let newer: EventHeader = serde_json::from_str(r#"{"type":"something_new"}"#).unwrap();
        assert_eq!(newer.kind, EventKind::Unknown);
        assert!(!newer.kind.changes_data());
    }
}
