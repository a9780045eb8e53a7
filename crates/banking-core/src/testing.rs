//! Test support for this crate and the app: a fresh, migrated database on each backend.

use crate::db::Database;

/// The Postgres server tests use: `TEST_DATABASE_URL`, default the local one.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A throwaway database: `sqlite` (a temporary file) or `postgres` (a new database named
/// `cf_test_*` on the `TEST_DATABASE_URL` server). Panics with instructions when Postgres
/// is unreachable: tests never skip silently.
pub async fn fresh(backend: &str) -> Database {
    let url = fresh_url(backend).await;
    let db = Database::connect(&url).await.unwrap_or_else(|e| panic!("{backend}: {e}"));
    db.migrate().await.expect("migrations");
    db
}

/// Like [`fresh`], but only creates the (empty) database and returns its URL.
pub async fn fresh_url(backend: &str) -> String {
    match backend {
        "sqlite" => {
            let dir = std::env::temp_dir().join(format!("cf-test-{}", rand::random::<u64>()));
            std::fs::create_dir_all(&dir).expect("temp dir");
            format!("sqlite://{}/test.db", dir.display())
        }
        "postgres" => {
            let admin_url = postgres_admin_url();
            let name = format!("cf_test_{}", rand::random::<u32>());
            let admin = sqlx::PgPool::connect(&admin_url).await.unwrap_or_else(|e| {
                panic!(
                    "Postgres is not reachable at TEST_DATABASE_URL={admin_url}: {e}. Start it with \
                     `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`."
                )
            });
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.expect("CREATE DATABASE");
            admin.close().await;
            let base = admin_url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin_url);
            format!("{base}/{name}")
        }
        other => panic!("unknown backend {other}"),
    }
}

/// Both backends, for tests that run one body on each.
pub const BACKENDS: [&str; 2] = ["sqlite", "postgres"];
