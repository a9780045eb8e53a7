//! Bank health and the audit trail, for the admin view: the last Plaid error per bank,
//! webhooks that failed verification, and what happened to each bank.

use async_trait::async_trait;

use super::{backend::Column, Backend, SqlStore};
use crate::{model::*, Result};

/// Entries kept per bank (the oldest go first).
pub const AUDIT_ENTRIES_PER_ITEM: i64 = 500;

/// Bank health and audit records.
#[async_trait]
pub trait AuditStore: Send + Sync + 'static {
    /// Adds an entry to the bank's trail, keeping its last [`AUDIT_ENTRIES_PER_ITEM`].
    async fn audit(&self, entry: &AuditEntry) -> Result<()>;
    /// The bank's trail, newest first, at most `limit` entries.
    async fn audit_trail(&self, item_id: &str, limit: u32) -> Result<Vec<AuditEntry>>;
    /// Deletes entries older than `before`; returns how many.
    async fn prune_audit(&self, before: i64) -> Result<u64>;
    /// Keeps the last error Plaid's API answered with for the Item, with its request id.
    async fn record_plaid_error(&self, item_id: &str, code: &str, request_id: Option<&str>, at: i64) -> Result<()>;
    /// Counts a webhook naming the Item that failed verification; false when no such Item.
    async fn record_webhook_failure(&self, item_id: &str, reason: &str, at: i64) -> Result<bool>;
    /// Every user's banks with their health, by username, at most `limit` from `offset`.
    async fn bank_health(&self, limit: u32, offset: u32) -> Result<Vec<BankHealth>>;
}

#[async_trait]
impl<DB> AuditStore for SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB> + sqlx::ColumnIndex<DB::Row>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
    i64: Column<DB>,
    Option<i64>: Column<DB>,
    String: Column<DB>,
    Option<String>: Column<DB>,
{
    async fn audit(&self, entry: &AuditEntry) -> Result<()> {
        sqlx::query(
            "INSERT INTO item_audit (item_id, user_id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(entry.item_id.as_str())
        .bind(entry.user_id)
        .bind(entry.at)
        .bind(entry.actor.as_str())
        .bind(entry.action.as_str())
        .bind(entry.detail.as_deref())
        .execute(&self.pool)
        .await?;
        sqlx::query(
            "DELETE FROM item_audit WHERE item_id = $1 AND id < \
             (SELECT MIN(id) FROM (SELECT id FROM item_audit WHERE item_id = $1 ORDER BY id DESC LIMIT $2) AS kept)",
        )
        .bind(entry.item_id.as_str())
        .bind(AUDIT_ENTRIES_PER_ITEM)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn audit_trail(&self, item_id: &str, limit: u32) -> Result<Vec<AuditEntry>> {
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT item_id, user_id, at, actor, action, detail FROM item_audit WHERE item_id = $1 \
             ORDER BY id DESC LIMIT $2",
        )
        .bind(item_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
                item_id: r.item_id,
                user_id: r.user_id,
                at: r.at,
                actor: r.actor,
                action: r.action,
                detail: r.detail,
            })
            .collect())
    }

    async fn prune_audit(&self, before: i64) -> Result<u64> {
        let pruned = sqlx::query("DELETE FROM item_audit WHERE at < $1").bind(before).execute(&self.pool).await?;
        Ok(DB::rows_affected(&pruned))
    }

    async fn record_plaid_error(&self, item_id: &str, code: &str, request_id: Option<&str>, at: i64) -> Result<()> {
        sqlx::query(
            "UPDATE plaid_items SET last_error_code = $2, last_error_request_id = $3, last_error_at = $4 \
             WHERE item_id = $1",
        )
        .bind(item_id)
        .bind(code)
        .bind(request_id)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn record_webhook_failure(&self, item_id: &str, reason: &str, at: i64) -> Result<bool> {
        let counted = sqlx::query(
            "UPDATE plaid_items SET webhook_failures = webhook_failures + 1, webhook_failure_at = $2, \
             webhook_failure_reason = $3 WHERE item_id = $1",
        )
        .bind(item_id)
        .bind(at)
        .bind(reason)
        .execute(&self.pool)
        .await?;
        Ok(DB::rows_affected(&counted) == 1)
    }

    async fn bank_health(&self, limit: u32, offset: u32) -> Result<Vec<BankHealth>> {
        let rows: Vec<HealthRow> = sqlx::query_as(
            "SELECT i.user_id, u.username, i.item_id, i.institution_name, i.status, i.status_detail, i.created_at, \
             i.last_sync_at, i.last_sync_error, i.last_error_code, i.last_error_request_id, i.last_error_at, \
             i.webhook_failures, i.webhook_failure_at, i.webhook_failure_reason, \
             (SELECT COUNT(*) FROM accounts a WHERE a.item_id = i.item_id) AS accounts, \
             (SELECT MAX(w.last_received_at) FROM webhook_events w WHERE w.item_id = i.item_id) AS last_webhook_at \
             FROM plaid_items i JOIN users u ON u.id = i.user_id \
             ORDER BY u.username, i.created_at, i.item_id LIMIT $1 OFFSET $2",
        )
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(BankHealth::from).collect())
    }
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    item_id: String,
    user_id: i64,
    at: i64,
    actor: String,
    action: String,
    detail: Option<String>,
}

#[derive(sqlx::FromRow)]
struct HealthRow {
    user_id: i64,
    username: String,
    item_id: String,
    institution_name: String,
    status: String,
    status_detail: Option<String>,
    created_at: i64,
    last_sync_at: Option<i64>,
    last_sync_error: Option<String>,
    last_error_code: Option<String>,
    last_error_request_id: Option<String>,
    last_error_at: Option<i64>,
    webhook_failures: i64,
    webhook_failure_at: Option<i64>,
    webhook_failure_reason: Option<String>,
    accounts: i64,
    last_webhook_at: Option<i64>,
}

impl From<HealthRow> for BankHealth {
    fn from(r: HealthRow) -> Self {
        BankHealth {
            user_id: r.user_id,
            username: r.username,
            item_id: r.item_id,
            institution_name: r.institution_name,
            // The schema's CHECK allows only known statuses.
            status: r.status.parse().unwrap_or(ItemStatus::Good),
            status_detail: r.status_detail,
            accounts: r.accounts,
            created_at: r.created_at,
            last_sync_at: r.last_sync_at,
            last_sync_error: r.last_sync_error,
            last_error_code: r.last_error_code,
            last_error_request_id: r.last_error_request_id,
            last_error_at: r.last_error_at,
            last_webhook_at: r.last_webhook_at,
            webhook_failures: r.webhook_failures,
            webhook_failure_at: r.webhook_failure_at,
            webhook_failure_reason: r.webhook_failure_reason,
        }
    }
}
