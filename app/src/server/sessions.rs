//! Sessions in the app's own database (tower-sessions' sqlx stores), so they survive a
//! restart and a signed-out session is deleted server-side; their lifetime rules (OWASP ASVS
//! L2, V3): an idle timeout that requests extend, an absolute lifetime from sign-in, and a
//! purge of expired records.

use async_trait::async_trait;
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use banking_core::db::Database;
use tower_sessions::{
    cookie::{time::Duration, SameSite},
    session::{Id, Record},
    session_store, ExpiredDeletion, Expiry, SessionManagerLayer, SessionStore,
};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use super::cache::TtlCache;
use crate::auth::ssr::AuthSession;

/// The session key holding when the user signed in (Unix seconds).
pub const SIGNED_IN_AT: &str = "signed_in_at";
/// The session key holding when the session was last extended (Unix seconds).
const LAST_SEEN_AT: &str = "last_seen_at";

/// How long sessions last.
#[derive(Debug, Clone, Copy)]
pub struct SessionLifetime {
    /// Without a request for this long, the session ends.
    pub idle: std::time::Duration,
    /// However active, the session ends this long after sign-in.
    pub absolute: std::time::Duration,
}

/// What to do with a signed-in session on a request.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// Past its absolute lifetime (or from before sign-in times were kept): sign out.
    End,
    /// Save it, which moves its idle expiry to now + idle (done at most once a minute).
    Extend,
    /// Nothing to write.
    Keep,
}

fn verdict(now: i64, signed_in_at: Option<i64>, last_seen_at: Option<i64>, lifetime: SessionLifetime) -> Verdict {
    match signed_in_at {
        Some(at) if now - at < lifetime.absolute.as_secs() as i64 => {
            if now - last_seen_at.unwrap_or(0) >= 60 {
                Verdict::Extend
            } else {
                Verdict::Keep
            }
        }
        _ => Verdict::End,
    }
}

/// Ends sessions older than the absolute lifetime (the request then runs signed out), and
/// extends the idle timeout of active ones, writing the session at most once a minute. The
/// idle timeout itself is the store's: a record not saved for `idle` has expired.
pub async fn enforce_lifetime(State(lifetime): State<SessionLifetime>, mut request: Request, next: Next) -> Response {
    if let Some(mut auth) = request.extensions().get::<AuthSession>().cloned().filter(|a| a.user.is_some()) {
        let now = chrono::Utc::now().timestamp();
        let signed_in_at = auth.session.get::<i64>(SIGNED_IN_AT).await.ok().flatten();
        let last_seen_at = auth.session.get::<i64>(LAST_SEEN_AT).await.ok().flatten();
        match verdict(now, signed_in_at, last_seen_at, lifetime) {
            Verdict::End => {
                tracing::info!("session ended: absolute lifetime reached");
                if let Err(e) = auth.logout().await {
                    tracing::warn!(error = %e, "could not end an expired session");
                }
                request.extensions_mut().insert(auth);
            }
            Verdict::Extend => {
                if let Err(e) = auth.session.insert(LAST_SEEN_AT, now).await {
                    tracing::warn!(error = %e, "could not extend a session");
                }
            }
            Verdict::Keep => {}
        }
    }
    next.run(request).await
}

/// How long a session record read from the database is served from memory. Within it, a
/// session signed out on *another* instance may still be used there; on this instance sign-out
/// takes effect at once.
pub const CACHE_FOR: std::time::Duration = std::time::Duration::from_secs(5);
/// Session records kept in memory at most.
const CACHE_MAX: usize = 10_000;

/// The session store of whichever database the app runs on, with recently used records kept
/// in memory for [`CACHE_FOR`] (reads need no database round trip; writes go through).
#[derive(Debug, Clone)]
pub struct Sessions {
    db: DbSessions,
    cache: TtlCache<Id, Record>,
}

#[derive(Debug, Clone)]
enum DbSessions {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Sessions {
    /// The store for `db`, with its table created.
    pub async fn new(db: &Database) -> Result<Self, sqlx::Error> {
        let db = match db {
            Database::Sqlite(pool) => {
                let store = SqliteStore::new(pool.clone());
                store.migrate().await?;
                DbSessions::Sqlite(store)
            }
            Database::Postgres(pool) => {
                let store = PostgresStore::new(pool.clone());
                store.migrate().await?;
                DbSessions::Postgres(store)
            }
        };
        Ok(Self { db, cache: TtlCache::new(CACHE_FOR, CACHE_MAX) })
    }

    /// The session layer: HttpOnly, SameSite=Lax, path `/`, ending after `idle` without a
    /// request. Over https the cookie is `Secure` and `__Host-`-prefixed (so no subdomain can
    /// set or scope it).
    pub fn layer(self, secure: bool, idle: std::time::Duration) -> SessionManagerLayer<Self> {
        SessionManagerLayer::new(self)
            .with_name(if secure { "__Host-cashflow_session" } else { "cashflow_session" })
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(secure)
            .with_path("/")
            .with_expiry(Expiry::OnInactivity(Duration::seconds(idle.as_secs() as i64)))
    }

    /// Deletes expired session records.
    pub async fn delete_expired(&self) -> session_store::Result<()> {
        match &self.db {
            DbSessions::Sqlite(s) => s.delete_expired().await,
            DbSessions::Postgres(s) => s.delete_expired().await,
        }
    }

    /// Purges expired sessions every `period`, in the background.
    pub fn spawn_purge(self, period: std::time::Duration) {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            loop {
                tick.tick().await;
                if let Err(e) = self.delete_expired().await {
                    tracing::warn!(error = %e, "could not purge expired sessions");
                }
            }
        });
    }
}

#[async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match &self.db {
            DbSessions::Sqlite(s) => s.create(record).await?,
            DbSessions::Postgres(s) => s.create(record).await?,
        }
        self.cache.put(record.id, record.clone());
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match &self.db {
            DbSessions::Sqlite(s) => s.save(record).await?,
            DbSessions::Postgres(s) => s.save(record).await?,
        }
        self.cache.put(record.id, record.clone());
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        if let Some(record) = self.cache.get(id) {
            if record.expiry_date > tower_sessions::cookie::time::OffsetDateTime::now_utc() {
                return Ok(Some(record));
            }
            self.cache.forget(id);
            return Ok(None);
        }
        let record = match &self.db {
            DbSessions::Sqlite(s) => s.load(id).await?,
            DbSessions::Postgres(s) => s.load(id).await?,
        };
        if let Some(record) = &record {
            self.cache.put(*id, record.clone());
        }
        Ok(record)
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.cache.forget(id);
        match &self.db {
            DbSessions::Sqlite(s) => s.delete(id).await,
            DbSessions::Postgres(s) => s.delete(id).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_end_at_the_absolute_lifetime_and_are_extended_at_most_once_a_minute() {
        let lifetime = SessionLifetime {
            idle: std::time::Duration::from_secs(30 * 60),
            absolute: std::time::Duration::from_secs(12 * 3600),
        };
        let t0 = 1_800_000_000;
        assert_eq!(verdict(t0 + 5, Some(t0), None, lifetime), Verdict::Extend, "first request after sign-in");
        assert_eq!(verdict(t0 + 30, Some(t0), Some(t0 + 5), lifetime), Verdict::Keep, "no write within a minute");
        assert_eq!(verdict(t0 + 65, Some(t0), Some(t0 + 5), lifetime), Verdict::Extend);
        assert_eq!(verdict(t0 + 12 * 3600 - 1, Some(t0), Some(t0 + 12 * 3600 - 2), lifetime), Verdict::Keep);
        assert_eq!(
            verdict(t0 + 12 * 3600, Some(t0), Some(t0 + 12 * 3600 - 2), lifetime),
            Verdict::End,
            "however active"
        );
        assert_eq!(verdict(t0, None, None, lifetime), Verdict::End, "a session without a sign-in time");
    }
}
