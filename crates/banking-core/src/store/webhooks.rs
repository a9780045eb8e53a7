//! Recorded webhook deliveries: de-duplication into episodes, claims while acting, and the
//! safety net's view of what was never handled.

use async_trait::async_trait;

use super::{backend::Column, Backend, SqlStore};
use crate::Result;

/// Webhook deliveries as received.
#[async_trait]
pub trait WebhookStore: Send + Sync + 'static {
    /// Records a webhook delivery at `now`. The same body counts as a redelivery of its
    /// current episode while no other webhook for the Item came since and that episode is
    /// unhandled or began at or after `window_start`; otherwise it begins a new episode (a
    /// new event). Returns the episode and whether it still needs action.
    async fn record_webhook(
        &self,
        body_sha256: &str,
        item_id: Option<&str>,
        kind: &str,
        body: &str,
        now: i64,
        window_start: i64,
    ) -> Result<(i64, bool)>;
    /// Takes the right to act on an unhandled episode until `until`; false when it is handled
    /// or another delivery is acting on it.
    async fn claim_webhook(&self, body_sha256: &str, episode: i64, now: i64, until: i64) -> Result<bool>;
    /// Gives the claim back after acting failed, so a redelivery or the safety net retries.
    async fn release_webhook(&self, body_sha256: &str, episode: i64) -> Result<()>;
    /// Marks an episode of a recorded webhook body as acted on.
    async fn mark_webhook_handled(&self, body_sha256: &str, episode: i64, now: i64) -> Result<()>;
    /// Makes every recorded webhook of the Item start a new episode when it next arrives
    /// (the user resolved what they reported, e.g. in update mode).
    async fn supersede_webhooks(&self, item_id: &str) -> Result<()>;
    /// Up to `limit` recorded, never handled, unclaimed webhooks received between `from` and
    /// `to` (Unix seconds), oldest first, as (body SHA-256, episode, body).
    async fn unhandled_webhooks(&self, from: i64, to: i64, limit: i64) -> Result<Vec<(String, i64, String)>>;
    /// Deletes recorded webhooks last delivered before `before`; returns how many.
    async fn prune_webhooks(&self, before: i64) -> Result<u64>;
    /// Number of recorded webhook bodies (audit).
    async fn webhook_count(&self) -> Result<i64>;
}

/// True when a delivery of a recorded body begins a new episode: another webhook for the Item
/// came since (even while the earlier episode is still being acted on: what it reported may
/// have changed since), or the earlier episode was handled and began before the window.
const NEW_EPISODE: &str = "(webhook_events.superseded \
     OR (webhook_events.handled_at IS NOT NULL AND webhook_events.received_at < $6))";

/// Records a delivery: a new body, a redelivery of its current episode, or a new episode.
static RECORD_WEBHOOK: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let reset = [
        ("episodes", "webhook_events.episodes + 1", "webhook_events.episodes"),
        ("received_at", "excluded.received_at", "webhook_events.received_at"),
        ("claimed_until", "NULL", "webhook_events.claimed_until"),
        ("handled_at", "NULL", "webhook_events.handled_at"),
    ]
    .map(|(column, new, kept)| format!("{column} = CASE WHEN {NEW_EPISODE} THEN {new} ELSE {kept} END"))
    .join(", ");
    format!(
        "INSERT INTO webhook_events (body_sha256, item_id, kind, body, received_at, last_received_at) \
         VALUES ($1, $2, $3, $4, $5, $5) \
         ON CONFLICT (body_sha256) DO UPDATE SET deliveries = webhook_events.deliveries + 1, \
         last_received_at = excluded.last_received_at, {reset}, superseded = FALSE \
         RETURNING episodes, handled_at"
    )
});

#[async_trait]
impl<DB> WebhookStore for SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB> + sqlx::ColumnIndex<DB::Row>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
    i64: Column<DB>,
    Option<i64>: Column<DB>,
    bool: Column<DB>,
    String: Column<DB>,
    Option<String>: Column<DB>,
    Vec<u8>: Column<DB>,
{
    async fn record_webhook(
        &self,
        body_sha256: &str,
        item_id: Option<&str>,
        kind: &str,
        body: &str,
        now: i64,
        window_start: i64,
    ) -> Result<(i64, bool)> {
        let mut tx = self.pool.begin().await?;
        if let Some(item_id) = item_id {
            // Another webhook for the Item: a later copy of an earlier body is a new event.
            sqlx::query(
                "UPDATE webhook_events SET superseded = TRUE \
                 WHERE item_id = $1 AND body_sha256 <> $2 AND NOT superseded",
            )
            .bind(item_id)
            .bind(body_sha256)
            .execute(&mut *tx)
            .await?;
        }
        // Every SET expression reads the row as it was, on both backends.
        let (episode, handled_at): (i64, Option<i64>) = sqlx::query_as(RECORD_WEBHOOK.as_str())
            .bind(body_sha256)
            .bind(item_id)
            .bind(kind)
            .bind(body)
            .bind(now)
            .bind(window_start)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((episode, handled_at.is_none()))
    }

    async fn claim_webhook(&self, body_sha256: &str, episode: i64, now: i64, until: i64) -> Result<bool> {
        let claimed = sqlx::query(
            "UPDATE webhook_events SET claimed_until = $4 WHERE body_sha256 = $1 AND episodes = $2 \
             AND handled_at IS NULL AND COALESCE(claimed_until, 0) < $3",
        )
        .bind(body_sha256)
        .bind(episode)
        .bind(now)
        .bind(until)
        .execute(&self.pool)
        .await?;
        Ok(DB::rows_affected(&claimed) == 1)
    }

    async fn release_webhook(&self, body_sha256: &str, episode: i64) -> Result<()> {
        sqlx::query("UPDATE webhook_events SET claimed_until = NULL WHERE body_sha256 = $1 AND episodes = $2")
            .bind(body_sha256)
            .bind(episode)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn unhandled_webhooks(&self, from: i64, to: i64, limit: i64) -> Result<Vec<(String, i64, String)>> {
        Ok(sqlx::query_as(
            "SELECT body_sha256, episodes, body FROM webhook_events \
             WHERE handled_at IS NULL AND received_at >= $1 AND received_at <= $2 \
             AND COALESCE(claimed_until, 0) < $2 ORDER BY received_at LIMIT $3",
        )
        .bind(from)
        .bind(to)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn mark_webhook_handled(&self, body_sha256: &str, episode: i64, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE webhook_events SET handled_at = $3, claimed_until = NULL \
             WHERE body_sha256 = $1 AND episodes = $2 AND handled_at IS NULL",
        )
        .bind(body_sha256)
        .bind(episode)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn supersede_webhooks(&self, item_id: &str) -> Result<()> {
        sqlx::query("UPDATE webhook_events SET superseded = TRUE WHERE item_id = $1 AND NOT superseded")
            .bind(item_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn prune_webhooks(&self, before: i64) -> Result<u64> {
        let pruned = sqlx::query("DELETE FROM webhook_events WHERE last_received_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&pruned))
    }

    async fn webhook_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM webhook_events").fetch_one(&self.pool).await?)
    }
}
