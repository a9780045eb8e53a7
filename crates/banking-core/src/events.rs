//! Live events for the signed-in user's browser.
//!
//! [`EventBus::publish`] delivers to subscribers in this process through a broadcast channel
//! and, on Postgres, also sends a `NOTIFY` (ids only, far below the 8000-byte limit) that the
//! other app instances re-broadcast to their own subscribers. A listener that loses its
//! connection may have missed notifications, so on reconnect it broadcasts [`Event::Resync`]
//! to every local subscriber, which reloads what it shows.

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::model::{ItemStatus, SyncCounts, UserId};

/// A change a user would see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A bank was linked.
    ItemAdded {
        /// Item id.
        item_id: String,
    },
    /// A bank was removed.
    ItemRemoved {
        /// Item id.
        item_id: String,
    },
    /// An Item's status changed.
    ItemStatusChanged {
        /// Item id.
        item_id: String,
        /// New status.
        status: ItemStatus,
    },
    /// Balances of the Item's accounts changed.
    BalancesChanged {
        /// Item id.
        item_id: String,
    },
    /// Transactions were added, modified or removed.
    TransactionsChanged {
        /// Item id.
        item_id: String,
        /// Counts.
        counts: SyncCounts,
    },
    /// A sync began.
    SyncStarted {
        /// Item id.
        item_id: String,
    },
    /// A sync ended.
    SyncFinished {
        /// Item id.
        item_id: String,
        /// Counts.
        counts: SyncCounts,
    },
    /// A sync failed.
    SyncFailed {
        /// Item id.
        item_id: String,
        /// Why, for the user.
        message: String,
    },
    /// Events may have been missed: reload everything.
    Resync,
}

impl Event {
    /// The event's kind as the browser reads it (its serialised `type`).
    pub fn kind(&self) -> cashflow_api::events::EventKind {
        use cashflow_api::events::EventKind as K;
        match self {
            Self::ItemAdded { .. } => K::ItemAdded,
            Self::ItemRemoved { .. } => K::ItemRemoved,
            Self::ItemStatusChanged { .. } => K::ItemStatusChanged,
            Self::BalancesChanged { .. } => K::BalancesChanged,
            Self::TransactionsChanged { .. } => K::TransactionsChanged,
            Self::SyncStarted { .. } => K::SyncStarted,
            Self::SyncFinished { .. } => K::SyncFinished,
            Self::SyncFailed { .. } => K::SyncFailed,
            Self::Resync => K::Resync,
        }
    }
}

/// An event for one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserEvent {
    /// Recipient.
    pub user_id: UserId,
    /// The event.
    pub event: Event,
}

#[derive(Serialize, Deserialize)]
struct Notification {
    origin: u64,
    #[serde(flatten)]
    event: UserEvent,
}

/// The Postgres channel events travel on between instances.
pub const CHANNEL: &str = "banking_events";

/// Fan-out of [`UserEvent`]s. Cheap to clone.
#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<UserEvent>,
    postgres: Option<sqlx::PgPool>,
    origin: u64,
}

impl EventBus {
    /// A bus for one process; pass the Postgres pool to fan out across instances.
    pub fn new(postgres: Option<sqlx::PgPool>) -> Self {
        let (sender, _) = broadcast::channel(1024);
        Self { sender, postgres, origin: rand::random() }
    }

    /// Receives every event of this process; filter with [`UserEvent::user_id`].
    pub fn subscribe(&self) -> broadcast::Receiver<UserEvent> {
        self.sender.subscribe()
    }

    /// Delivers `event` to `user`'s subscribers here and on other instances.
    pub async fn publish(&self, user_id: UserId, event: Event) {
        let event = UserEvent { user_id, event };
        let _ = self.sender.send(event.clone());
        if let Some(pool) = &self.postgres {
            let payload =
                serde_json::to_string(&Notification { origin: self.origin, event }).expect("event serialises");
            if let Err(e) = sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(&payload).execute(pool).await {
                tracing::warn!(error = %e, "could not NOTIFY other instances of an event");
            }
        }
    }

    /// On Postgres: listens for other instances' events until the process ends. Returns at
    /// once on SQLite.
    pub fn spawn_listener(&self) -> Option<tokio::task::JoinHandle<()>> {
        let pool = self.postgres.clone()?;
        let bus = self.clone();
        Some(tokio::spawn(async move {
            loop {
                let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::warn!(error = %e, "event listener cannot connect; retrying");
                        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                        continue;
                    }
                };
                if let Err(e) = listener.listen(CHANNEL).await {
                    tracing::warn!(error = %e, "LISTEN failed; retrying");
                    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                    continue;
                }
                loop {
                    match listener.try_recv().await {
                        Ok(Some(n)) => bus.relay(n.payload()),
                        Ok(None) => {
                            // The connection dropped and will be re-established: anything
                            // sent meanwhile is lost, so every local client reloads.
                            tracing::warn!("event listener reconnected; asking clients to resync");
                            bus.broadcast_resync();
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "event listener failed; reconnecting");
                            bus.broadcast_resync();
                            break;
                        }
                    }
                }
            }
        }))
    }

    fn relay(&self, payload: &str) {
        match serde_json::from_str::<Notification>(payload) {
            Ok(n) if n.origin == self.origin => {}
            Ok(n) => {
                let _ = self.sender.send(n.event);
            }
            Err(e) => tracing::warn!(error = %e, "ignoring malformed event notification"),
        }
    }

    /// Tells every local subscriber to reload (user id 0 addresses all).
    pub fn broadcast_resync(&self) {
        let _ = self.sender.send(UserEvent { user_id: 0, event: Event::Resync });
    }
}

impl UserEvent {
    /// Whether `user` should receive it.
    pub fn is_for(&self, user: UserId) -> bool {
        self.user_id == user || (self.user_id == 0 && self.event == Event::Resync)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_event_reaches_the_browser_as_its_kind() {
        let item_id = || "item-1".to_string();
        let events = [
            Event::ItemAdded { item_id: item_id() },
            Event::ItemRemoved { item_id: item_id() },
            Event::ItemStatusChanged { item_id: item_id(), status: ItemStatus::Revoked },
            Event::BalancesChanged { item_id: item_id() },
            Event::TransactionsChanged { item_id: item_id(), counts: SyncCounts::default() },
            Event::SyncStarted { item_id: item_id() },
            Event::SyncFinished { item_id: item_id(), counts: SyncCounts::default() },
            Event::SyncFailed { item_id: item_id(), message: "x".into() },
            Event::Resync,
        ];
        for event in events {
            let json = serde_json::to_string(&event).unwrap();
            let header: cashflow_api::events::EventHeader = serde_json::from_str(&json).unwrap();
            assert_eq!(header.kind, event.kind(), "{json}");
            assert_ne!(header.kind, cashflow_api::events::EventKind::Unknown, "{json}");
        }
    }
}
