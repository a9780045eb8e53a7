//! Plaid Items: their sealed tokens, statuses, sync bookkeeping and webhook URL.

use async_trait::async_trait;

use super::{
    accounts::upsert_account,
    backend::Column,
    outbox,
    rows::{ItemRow, ItemViewRow, ITEM_COLUMNS, ITEM_VIEW_COLUMNS},
    Backend, NewItem, SealedToken, SqlStore, StoredItem,
};
use cashflow_api::stream::Change;

use crate::{model::*, Error, Result};

/// The user's bank connections.
#[async_trait]
pub trait ItemStore: Send + Sync + 'static {
    /// The user's Item at `institution_id` whose account masks equal `masks`, if any.
    async fn find_duplicate_item(&self, user: UserId, institution_id: &str, masks: &[String]) -> Result<Option<Item>>;
    /// Stores an Item and its accounts in one transaction.
    async fn insert_item(&self, item: &NewItem, accounts: &[Account]) -> Result<()>;
    /// The user's Items with their sealed tokens.
    async fn items(&self, user: UserId) -> Result<Vec<StoredItem>>;
    /// The user's Items for display: without their sealed tokens and cursors.
    async fn listed_items(&self, user: UserId) -> Result<Vec<Item>>;
    /// One of the user's Items with its token.
    async fn item(&self, user: UserId, item_id: &str) -> Result<StoredItem>;
    /// Any Item by Plaid id (webhooks and background sync, which act for the owner).
    async fn item_by_id(&self, item_id: &str) -> Result<Option<StoredItem>>;
    /// Items not synced since `before` (Unix seconds), not revoked, and not backing off
    /// after failures at `now`.
    async fn items_due_for_sync(&self, before: i64, now: i64) -> Result<Vec<Item>>;
    /// Sets status, detail (Plaid's code), the user's message and deadline; returns false if
    /// nothing changed.
    async fn set_item_status(
        &self,
        item_id: &str,
        status: ItemStatus,
        detail: Option<&str>,
        message: Option<&str>,
        deadline: Option<i64>,
    ) -> Result<bool>;
    /// Flags or clears "new accounts available".
    async fn set_needs_update(&self, item_id: &str, needs_update: bool) -> Result<()>;
    /// Records a failed sync: the message, the count of failures in a row, and when the
    /// safety net may try again.
    async fn record_sync_failure(&self, item_id: &str, message: &str, failures: i64, retry_at: i64) -> Result<()>;
    /// Ends the back-off (after a repair): the next sync may run at once.
    async fn clear_sync_backoff(&self, item_id: &str) -> Result<()>;
    /// Items not revoked whose webhook URL at Plaid is not `url` (or unknown).
    async fn items_with_other_webhook(&self, url: &str) -> Result<Vec<StoredItem>>;
    /// Records the webhook URL Plaid now has for the Item.
    async fn set_item_webhook(&self, item_id: &str, url: &str) -> Result<()>;
    /// Replaces the sealed token (key rotation).
    async fn replace_token(&self, item_id: &str, token: &SealedToken) -> Result<()>;
    /// Deletes the Item with its accounts and transactions.
    async fn delete_item(&self, user: UserId, item_id: &str) -> Result<()>;
}

#[async_trait]
impl<DB> ItemStore for SqlStore<DB>
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
    #[tracing::instrument(skip_all, fields(user = user, institution_id = %institution_id))]
    async fn find_duplicate_item(&self, user: UserId, institution_id: &str, masks: &[String]) -> Result<Option<Item>> {
        // One query for every (item, account mask) pair at this institution.
        let pairs: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT i.item_id, a.mask FROM plaid_items i LEFT JOIN accounts a ON a.item_id = i.item_id \
             WHERE i.user_id = $1 AND i.institution_id = $2 AND i.status <> 'revoked' \
             ORDER BY i.created_at, i.item_id",
        )
        .bind(user)
        .bind(institution_id)
        .fetch_all(&self.pool)
        .await?;
        // Same institution and an overlapping set of accounts is the same login.
        let duplicate = pairs
            .iter()
            .find(|(_, mask)| masks.is_empty() || mask.as_ref().is_some_and(|m| masks.contains(m)))
            .map(|(item_id, _)| item_id.clone());
        match duplicate {
            Some(item_id) => Ok(Some(self.item(user, &item_id).await?.item)),
            None => Ok(None),
        }
    }

    #[tracing::instrument(skip_all, fields(item_id = %item.item_id, user = item.user_id))]
    async fn insert_item(&self, item: &NewItem, accounts: &[Account]) -> Result<()> {
        let now = chrono::Utc::now().timestamp();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO plaid_items (item_id, user_id, institution_id, institution_name, \
             access_token_ciphertext, key_id, created_at, webhook_url) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&item.item_id)
        .bind(item.user_id)
        .bind(&item.institution_id)
        .bind(&item.institution_name)
        .bind(&item.token.ciphertext)
        .bind(&item.token.key_id)
        .bind(now)
        .bind(&item.webhook_url)
        .execute(&mut *tx)
        .await?;
        for account in accounts {
            upsert_account::<DB>(&mut tx, item.user_id, account).await?;
        }
        if self.outbox {
            let linked = Change::BankLinked {
                institution_id: item.institution_id.clone(),
                institution_name: item.institution_name.clone(),
                accounts: outbox::stored_accounts::<DB>(&mut tx, &item.item_id).await?,
            };
            outbox::write::<DB>(&mut tx, item.user_id, &item.item_id, vec![linked], now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn items(&self, user: UserId) -> Result<Vec<StoredItem>> {
        let rows: Vec<ItemRow> = sqlx::query_as(&format!(
            "SELECT {ITEM_COLUMNS} FROM plaid_items WHERE user_id = $1 ORDER BY created_at, item_id"
        ))
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(StoredItem::from).collect())
    }

    async fn listed_items(&self, user: UserId) -> Result<Vec<Item>> {
        let rows: Vec<ItemViewRow> = sqlx::query_as(&format!(
            "SELECT {ITEM_VIEW_COLUMNS} FROM plaid_items WHERE user_id = $1 ORDER BY created_at, item_id"
        ))
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Item::from).collect())
    }

    async fn item(&self, user: UserId, item_id: &str) -> Result<StoredItem> {
        let row: Option<ItemRow> =
            sqlx::query_as(&format!("SELECT {ITEM_COLUMNS} FROM plaid_items WHERE user_id = $1 AND item_id = $2"))
                .bind(user)
                .bind(item_id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(StoredItem::from).ok_or(Error::NotFound("bank connection"))
    }

    async fn item_by_id(&self, item_id: &str) -> Result<Option<StoredItem>> {
        let row: Option<ItemRow> =
            sqlx::query_as(&format!("SELECT {ITEM_COLUMNS} FROM plaid_items WHERE item_id = $1"))
                .bind(item_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(StoredItem::from))
    }

    async fn items_due_for_sync(&self, before: i64, now: i64) -> Result<Vec<Item>> {
        let rows: Vec<ItemViewRow> = sqlx::query_as(&format!(
            "SELECT {ITEM_VIEW_COLUMNS} FROM plaid_items WHERE status <> 'revoked' \
             AND COALESCE(last_sync_at, 0) < $1 AND COALESCE(sync_retry_at, 0) <= $2 \
             ORDER BY COALESCE(last_sync_at, 0)"
        ))
        .bind(before)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Item::from).collect())
    }

    async fn set_item_status(
        &self,
        item_id: &str,
        status: ItemStatus,
        detail: Option<&str>,
        message: Option<&str>,
        deadline: Option<i64>,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let owner: Option<i64> = sqlx::query_scalar(
            "UPDATE plaid_items SET status = $2, status_detail = $3, status_deadline = $4, status_message = $5 \
             WHERE item_id = $1 \
             AND (status <> $2 OR COALESCE(status_detail, '') <> COALESCE($3, '') \
                  OR COALESCE(status_deadline, 0) <> COALESCE($4, 0) \
                  OR COALESCE(status_message, '') <> COALESCE($5, '')) \
             RETURNING user_id",
        )
        .bind(item_id)
        .bind(status.as_str())
        .bind(detail)
        .bind(deadline)
        .bind(message)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(user) = owner else {
            tx.rollback().await?;
            return Ok(false);
        };
        if self.outbox {
            let changed = Change::BankStatusChanged { status, detail: detail.map(str::to_string) };
            outbox::write::<DB>(&mut tx, user, item_id, vec![changed], chrono::Utc::now().timestamp()).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn set_needs_update(&self, item_id: &str, needs_update: bool) -> Result<()> {
        sqlx::query("UPDATE plaid_items SET needs_update = $2 WHERE item_id = $1")
            .bind(item_id)
            .bind(needs_update)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn record_sync_failure(&self, item_id: &str, message: &str, failures: i64, retry_at: i64) -> Result<()> {
        sqlx::query(
            "UPDATE plaid_items SET last_sync_error = $2, sync_failures = $3, sync_retry_at = $4 WHERE item_id = $1",
        )
        .bind(item_id)
        .bind(message)
        .bind(failures)
        .bind(retry_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn clear_sync_backoff(&self, item_id: &str) -> Result<()> {
        sqlx::query("UPDATE plaid_items SET sync_failures = 0, sync_retry_at = NULL WHERE item_id = $1")
            .bind(item_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn items_with_other_webhook(&self, url: &str) -> Result<Vec<StoredItem>> {
        let rows: Vec<ItemRow> = sqlx::query_as(&format!(
            "SELECT {ITEM_COLUMNS} FROM plaid_items \
             WHERE COALESCE(webhook_url, '') <> $1 AND status <> 'revoked' ORDER BY created_at, item_id"
        ))
        .bind(url)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(StoredItem::from).collect())
    }

    async fn set_item_webhook(&self, item_id: &str, url: &str) -> Result<()> {
        sqlx::query("UPDATE plaid_items SET webhook_url = $2 WHERE item_id = $1")
            .bind(item_id)
            .bind(url)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn replace_token(&self, item_id: &str, token: &SealedToken) -> Result<()> {
        sqlx::query("UPDATE plaid_items SET access_token_ciphertext = $2, key_id = $3 WHERE item_id = $1")
            .bind(item_id)
            .bind(&token.ciphertext)
            .bind(&token.key_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(user = user, item_id = %item_id))]
    async fn delete_item(&self, user: UserId, item_id: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        // Children first: foreign keys may be off in older SQLite files.
        sqlx::query("DELETE FROM transactions WHERE item_id = $1 AND user_id = $2")
            .bind(item_id)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM accounts WHERE item_id = $1 AND user_id = $2")
            .bind(item_id)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        let gone = sqlx::query("DELETE FROM plaid_items WHERE item_id = $1 AND user_id = $2")
            .bind(item_id)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        if DB::rows_affected(&gone) == 0 {
            return Err(Error::NotFound("bank connection"));
        }
        if self.outbox {
            let removed = vec![Change::BankRemoved {}];
            outbox::write::<DB>(&mut tx, user, item_id, removed, chrono::Utc::now().timestamp()).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
