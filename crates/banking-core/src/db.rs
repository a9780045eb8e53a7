//! Connecting to the database the URL names and running that backend's migrations.

use std::{str::FromStr, time::Duration};

use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions},
    PgPool, SqlitePool,
};

use crate::{Error, Result};

/// The schema's migrations for SQLite; [`POSTGRES_MIGRATIONS`] has the same versions.
static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
/// The schema's migrations for Postgres.
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// One connection pool for the process, SQLite or Postgres.
#[derive(Clone, Debug)]
pub enum Database {
    /// `sqlite://path` (created if missing).
    Sqlite(SqlitePool),
    /// `postgres://…`
    Postgres(PgPool),
}

impl Database {
    /// Connects by URL scheme. The acquire timeout is short (5 s) so a webhook handler never
    /// waits longer than Plaid's 10 s delivery limit.
    pub async fn connect(url: &str) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url).map_err(|e| Error::Config(format!("DATABASE_URL: {e}")))?;
            let pool = PgPoolOptions::new()
                .max_connections(10)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options)
                .await
                .map_err(|e| Error::Config(format!("cannot connect to Postgres: {e}")))?;
            Ok(Self::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|e| Error::Config(format!("DATABASE_URL: {e}")))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
                // Statement journals in memory: a statement that changes many rows (a sync's
                // deletes, once its multi-row upserts) journals the pages it changes, and in
                // temporary files that was a file created, written and removed per statement
                // (sync ingest 2.5x -> 2.1x the plain INSERT bench, with multi-row upserts).
                // Bounded by the pages one statement changes and the rows one sort keeps.
                .pragma("temp_store", "memory");
            let pool = SqlitePoolOptions::new()
                .max_connections(5)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options)
                .await
                .map_err(|e| Error::Config(format!("cannot open SQLite database: {e}")))?;
            Ok(Self::Sqlite(pool))
        } else {
            Err(Error::Config("DATABASE_URL must start with sqlite: or postgres://".into()))
        }
    }

    /// Applies this crate's `migrations/<backend>/` (embedded at build time).
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Self::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Self::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// True when the database answers and every embedded migration has been applied.
    pub async fn ready(&self) -> bool {
        let expected = match self {
            Self::Sqlite(_) => SQLITE_MIGRATIONS.migrations.len() as i64,
            Self::Postgres(_) => POSTGRES_MIGRATIONS.migrations.len() as i64,
        };
        let sql = "SELECT COUNT(*) FROM _sqlx_migrations WHERE success";
        let applied: std::result::Result<i64, _> = match self {
            Self::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
            Self::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
        };
        matches!(applied, Ok(n) if n == expected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_carry_the_same_migrations() {
        let versions =
            |m: &sqlx::migrate::Migrator| m.iter().map(|m| (m.version, m.description.to_string())).collect::<Vec<_>>();
        assert_eq!(versions(&SQLITE_MIGRATIONS), versions(&POSTGRES_MIGRATIONS));
        assert!(SQLITE_MIGRATIONS.iter().count() >= 10);
    }
}
