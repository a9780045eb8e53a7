//! Users, and the mark that the database has been used in live mode.

use async_trait::async_trait;

use super::{backend::Column, rows::UserRow, Backend, SqlStore};
use crate::{model::*, Result};

/// Users and the database's mode.
#[async_trait]
pub trait UserStore: Send + Sync + 'static {
    /// Creates a user, or replaces the password and role of an existing one.
    async fn upsert_user(&self, username: &str, password_hash: &str, role: Role) -> Result<UserId>;
    /// Marks the user as a demo user (seeded in simulation mode with a published password).
    async fn mark_demo_user(&self, id: UserId) -> Result<()>;
    /// Records that the database is used in live mode (from `now`, kept if already set).
    async fn record_live_mode(&self, now: i64) -> Result<()>;
    /// Since when the database has been used in live mode, if ever.
    async fn live_since(&self) -> Result<Option<i64>>;
    /// A user by name.
    async fn user_by_name(&self, username: &str) -> Result<Option<User>>;
    /// A user by id.
    async fn user_by_id(&self, id: UserId) -> Result<Option<User>>;
}

#[async_trait]
impl<DB> UserStore for SqlStore<DB>
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
    #[tracing::instrument(skip_all, fields(username = %username))]
    async fn upsert_user(&self, username: &str, password_hash: &str, role: Role) -> Result<UserId> {
        let id = sqlx::query_scalar(
            "INSERT INTO users (username, password_hash, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role, demo = FALSE \
             RETURNING id",
        )
        .bind(username)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(chrono::Utc::now().timestamp())
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    async fn mark_demo_user(&self, id: UserId) -> Result<()> {
        sqlx::query("UPDATE users SET demo = TRUE WHERE id = $1").bind(id).execute(&self.pool).await?;
        Ok(())
    }

    async fn record_live_mode(&self, now: i64) -> Result<()> {
        sqlx::query("INSERT INTO app_mode (id, live_since) VALUES (1, $1) ON CONFLICT (id) DO NOTHING")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn live_since(&self) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT live_since FROM app_mode WHERE id = 1").fetch_optional(&self.pool).await?)
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<User>> {
        sqlx::query_as::<_, UserRow>("SELECT id, username, role, password_hash, demo FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?
            .map(User::try_from)
            .transpose()
    }

    async fn user_by_id(&self, id: UserId) -> Result<Option<User>> {
        sqlx::query_as::<_, UserRow>("SELECT id, username, role, password_hash, demo FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(User::try_from)
            .transpose()
    }
}
