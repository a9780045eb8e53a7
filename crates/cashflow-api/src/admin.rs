//! The admin view's types: every user's banks with their health, a bank's audit trail, and
//! the result of a sync an admin asked for. No access token, balance or transaction of
//! another user is in any of them. Times are RFC 3339.

use serde::{Deserialize, Serialize};

use crate::banking::ItemStatus;

/// One user's bank and its health.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BankHealthView {
    /// The owner's user id.
    pub user_id: i64,
    /// The owner's username.
    pub username: String,
    /// Plaid's Item id.
    pub item_id: String,
    /// Institution name.
    pub institution_name: String,
    /// Connection status.
    pub status: ItemStatus,
    /// Plaid's code for the status (e.g. `ITEM_LOGIN_REQUIRED`), if any.
    pub status_detail: Option<String>,
    /// Accounts shared.
    pub accounts: i64,
    /// When it was linked.
    pub linked_at: String,
    /// Last successful sync.
    pub last_sync_at: Option<String>,
    /// Why the last sync failed, while it does.
    pub last_sync_error: Option<String>,
    /// The last error code Plaid answered with for this bank.
    pub last_error_code: Option<String>,
    /// Plaid's `request_id` of that answer (what Plaid support asks for).
    pub last_error_request_id: Option<String>,
    /// When Plaid answered with it.
    pub last_error_at: Option<String>,
    /// When Plaid's last verified webhook about this bank arrived.
    pub last_webhook_at: Option<String>,
    /// Webhooks naming this bank that failed verification.
    pub webhook_failures: i64,
    /// When the last of those came.
    pub webhook_failure_at: Option<String>,
    /// Why it was refused.
    pub webhook_failure_reason: Option<String>,
}

/// One entry of a bank's audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntryView {
    /// When.
    pub at: String,
    /// Who: `user:<id>`, `admin:<id>`, `plaid` or `system`.
    pub actor: String,
    /// What: `linked`, `removed`, `status_changed`, `plaid_error`, `synced`, `sync_failed`,
    /// `webhook`, `sync_now`, `sync_requested`, `reauthenticated`.
    pub action: String,
    /// Plaid's codes and request ids, counts, if any.
    pub detail: Option<String>,
}

/// What a sync an admin asked for did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminSyncView {
    /// False when a sync was already running (it runs once more after it).
    pub ran: bool,
    /// Transactions added.
    pub added: usize,
    /// Transactions modified.
    pub modified: usize,
    /// Transactions removed.
    pub removed: usize,
}
