//! Sign-in throttling: after a few failed attempts for one username from one client address,
//! further attempts for that username from that address are refused for a while, whatever
//! the password, so passwords cannot be guessed at speed. Counted per (username, client)
//! pair, existing username or not (so it reveals nothing), so an attacker cannot lock a user
//! out: the user signing in from their own address is not affected. Guessing from many
//! addresses is held back by the per-address rate limit on the sign-in route. Counted in the
//! database, so every instance of the app behind a load balancer sees the same count.

use std::{sync::Arc, time::Duration};

use chrono::Utc;

use crate::{store::Store, Result};

/// Failures allowed inside [`WINDOW`] before attempts are refused.
pub const MAX_FAILURES: i64 = 5;
/// How long failures count, and how long a locked username stays locked after its last
/// failure.
pub const WINDOW: Duration = Duration::from_secs(5 * 60);

/// Failed sign-ins per username, kept in the [`Store`].
#[derive(Clone)]
pub struct SignInThrottle {
    store: Arc<dyn Store>,
}

impl std::fmt::Debug for SignInThrottle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInThrottle").finish_non_exhaustive()
    }
}

impl SignInThrottle {
    /// A throttle counting in `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// `Some(wait)` when the username is locked for `client`, with the time left.
    pub async fn locked_for(&self, username: &str, client: &str) -> Result<Option<Duration>> {
        self.locked_for_at(username, client, Utc::now().timestamp()).await
    }

    /// Counts a failed attempt from `client`.
    pub async fn failed(&self, username: &str, client: &str) -> Result<()> {
        self.failed_at(username, client, Utc::now().timestamp()).await
    }

    /// Clears the count of `client` after a successful sign-in.
    pub async fn succeeded(&self, username: &str, client: &str) -> Result<()> {
        self.store.clear_sign_in_failures(&key(username, client)).await
    }

    async fn locked_for_at(&self, username: &str, client: &str, now: i64) -> Result<Option<Duration>> {
        let Some((failures, last_failure_at)) = self.store.sign_in_failures(&key(username, client)).await? else {
            return Ok(None);
        };
        let ends = last_failure_at + WINDOW.as_secs() as i64;
        Ok((failures >= MAX_FAILURES && ends > now).then(|| Duration::from_secs((ends - now) as u64)))
    }

    async fn failed_at(&self, username: &str, client: &str, now: i64) -> Result<()> {
        self.store.record_sign_in_failure(&key(username, client), now, now - WINDOW.as_secs() as i64).await
    }
}

/// Usernames are matched trimmed and case-insensitively, so spelling variants share a count;
/// the key is bounded in length whatever is typed.
fn key(username: &str, client: &str) -> String {
    let username: String = username.trim().to_lowercase().chars().take(128).collect();
    format!("{username}|{client}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{fresh, BACKENDS};

    #[tokio::test]
    async fn locks_after_max_failures_shared_across_instances_and_expires() {
        for backend in BACKENDS {
            let db = fresh(backend).await;
            let (a, b) = (SignInThrottle::new(db.store()), SignInThrottle::new(db.store()));
            let t0 = 1_000_000;
            let (ip, home) = ("198.51.100.7", "203.0.113.5");
            for i in 0..MAX_FAILURES - 1 {
                a.failed_at("Alice", ip, t0 + i).await.unwrap();
            }
            assert_eq!(b.locked_for_at("alice", ip, t0 + 10).await.unwrap(), None, "{backend}: not yet");
            b.failed_at(" alice ", ip, t0 + 10).await.unwrap();
            let wait = a.locked_for_at("ALICE", ip, t0 + 20).await.unwrap();
            assert_eq!(wait, Some(WINDOW - Duration::from_secs(10)), "{backend}: case and spaces do not dodge it");
            assert_eq!(a.locked_for_at("bob", ip, t0 + 20).await.unwrap(), None, "{backend}: others unaffected");
            assert_eq!(
                a.locked_for_at("alice", home, t0 + 20).await.unwrap(),
                None,
                "{backend}: alice from her own address is not locked out by someone else's guesses"
            );

            let after = t0 + 10 + WINDOW.as_secs() as i64;
            assert_eq!(a.locked_for_at("alice", ip, after).await.unwrap(), None, "{backend}: the lock ends");
            a.failed_at("alice", ip, after).await.unwrap();
            assert_eq!(
                a.locked_for_at("alice", ip, after).await.unwrap(),
                None,
                "{backend}: a stale count restarts at 1"
            );

            for i in 0..MAX_FAILURES {
                a.failed_at("carol", ip, t0 + i).await.unwrap();
            }
            b.succeeded("Carol", ip).await.unwrap();
            assert_eq!(a.locked_for_at("carol", ip, t0 + 10).await.unwrap(), None, "{backend}: success clears it");
        }
    }
}
