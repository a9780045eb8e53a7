//! What admins see and do: every bank's health, a bank's audit trail, a sync on request;
//! and the audit entries the other operations write.

use chrono::Utc;

use crate::{
    model::{Actor, AuditEntry, BankHealth, SyncCounts, UserId},
    service::BankingService,
    Error, Result,
};

/// Audit entries kept this long.
const AUDIT_RETENTION_SECS: i64 = 90 * 86_400;
/// Longest Item id read from a webhook that failed verification.
const MAX_ITEM_ID_LEN: usize = 100;

impl BankingService {
    /// Every user's banks with their health (status, last sync, Plaid's last error and its
    /// request id, webhooks), at most `limit` (≤ 500) from `offset`. No token or money.
    pub async fn bank_health(&self, limit: u32, offset: u32) -> Result<Vec<BankHealth>> {
        self.inner.store.bank_health(limit.clamp(1, 500), offset).await
    }

    /// A bank's audit trail, newest first, at most `limit` (≤ 500) entries; kept after the
    /// bank is removed.
    pub async fn audit_trail(&self, item_id: &str, limit: u32) -> Result<Vec<AuditEntry>> {
        self.inner.store.audit_trail(item_id, limit.clamp(1, 500)).await
    }

    /// An admin syncs someone's bank now (recorded in its trail); what changed, or `None`
    /// when a sync was already running (it runs once more after).
    pub async fn sync_for_admin(&self, admin: UserId, item_id: &str) -> Result<Option<SyncCounts>> {
        let Some(stored) = self.inner.store.item_by_id(item_id).await? else {
            return Err(Error::NotFound("bank connection"));
        };
        self.audit(item_id, stored.item.user_id, Actor::Admin(admin), "sync_requested", None).await;
        self.sync_item(item_id).await
    }

    /// A webhook failed verification: counted against the Item its body names, when that
    /// Item exists (the body is not trusted for anything else).
    pub async fn note_refused_webhook(&self, body: &[u8], reason: &str) {
        let named = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get("item_id").and_then(|id| id.as_str()).map(str::to_string))
            .filter(|id| !id.is_empty() && id.len() <= MAX_ITEM_ID_LEN);
        let Some(item_id) = named else { return };
        let reason: String = reason.chars().take(200).collect();
        if let Err(e) = self.inner.store.record_webhook_failure(&item_id, &reason, Utc::now().timestamp()).await {
            tracing::warn!(error = %e, "could not count a refused webhook");
        }
    }

    /// Adds an entry to the bank's audit trail; a failure to write it is logged, never the
    /// operation's failure.
    pub(crate) async fn audit(&self, item_id: &str, user: UserId, actor: Actor, action: &str, detail: Option<String>) {
        let entry = AuditEntry {
            item_id: item_id.to_string(),
            user_id: user,
            at: Utc::now().timestamp(),
            actor: actor.to_string(),
            action: action.to_string(),
            detail,
        };
        if let Err(e) = self.inner.store.audit(&entry).await {
            tracing::error!(item_id, action, error = %e, "could not write an audit entry");
        }
    }

    /// Deletes audit entries past their retention. Part of the daily upkeep.
    pub(crate) async fn prune_audit(&self) -> Result<u64> {
        self.inner.store.prune_audit(Utc::now().timestamp() - AUDIT_RETENTION_SECS).await
    }
}
