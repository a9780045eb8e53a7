//! Institutions' identity (name, colour, website, logo) cached from Plaid.

use async_trait::async_trait;

use super::{backend::Column, Backend, SqlStore};
use crate::{model::InstitutionInfo, Result};

/// The institution cache.
#[async_trait]
pub trait InstitutionStore: Send + Sync + 'static {
    /// The cached identity of an institution, if any (fresh or not).
    async fn institution(&self, institution_id: &str) -> Result<Option<InstitutionInfo>>;
    /// Keeps (or replaces) an institution's identity.
    async fn save_institution(&self, info: &InstitutionInfo) -> Result<()>;
}

#[async_trait]
impl<DB> InstitutionStore for SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB> + sqlx::ColumnIndex<DB::Row>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
    i64: Column<DB>,
    String: Column<DB>,
    Option<String>: Column<DB>,
{
    async fn institution(&self, institution_id: &str) -> Result<Option<InstitutionInfo>> {
        let row: Option<(String, String, Option<String>, Option<String>, Option<String>, i64)> = sqlx::query_as(
            "SELECT institution_id, name, primary_color, url, logo, fetched_at FROM institutions WHERE institution_id = $1",
        )
        .bind(institution_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(institution_id, name, primary_color, url, logo, fetched_at)| InstitutionInfo {
            institution_id,
            name,
            primary_color,
            url,
            logo,
            fetched_at,
        }))
    }

    async fn save_institution(&self, info: &InstitutionInfo) -> Result<()> {
        sqlx::query(
            "INSERT INTO institutions (institution_id, name, primary_color, url, logo, fetched_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (institution_id) DO UPDATE SET name = excluded.name, \
             primary_color = excluded.primary_color, url = excluded.url, logo = excluded.logo, \
             fetched_at = excluded.fetched_at",
        )
        .bind(info.institution_id.as_str())
        .bind(info.name.as_str())
        .bind(info.primary_color.as_deref())
        .bind(info.url.as_deref())
        .bind(info.logo.as_deref())
        .bind(info.fetched_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
