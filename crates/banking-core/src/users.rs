//! Password hashing for sign-in (Argon2id, on the blocking pool, bounded by [`Hashing`]).

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use secrecy::{ExposeSecret, SecretString};
use std::{
    sync::{Arc, OnceLock},
    time::Duration,
};
use tokio::sync::Semaphore;

use crate::{model::User, store::Store, Error, Result};

/// Longest password accepted, in bytes: longer ones are refused without hashing.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Bounds password hashing, the costliest thing an anonymous client can ask for (each
/// Argon2 run takes 19 MiB and tens of milliseconds of a core): at most `max_parallel` run at
/// once, on that many dedicated threads; a caller waits at most `max_wait` for a turn, else
/// gets [`Error::Busy`] (429).
///
/// Dedicated threads, not tokio's blocking pool: the pool hands work to whichever thread is
/// free or new, each thread's allocator arena keeps the 19 MiB it last used, and a burst of
/// sign-ins left hundreds of megabytes behind. A fixed set of threads reuses its memory.
#[derive(Clone, Debug)]
pub struct Hashing {
    permits: Arc<Semaphore>,
    max_wait: Duration,
    jobs: std::sync::mpsc::Sender<Job>,
}

type Job = Box<dyn FnOnce() + Send>;

impl Hashing {
    /// At most `max_parallel` (at least 1) hashes at once; callers wait up to `max_wait`.
    /// The worker threads end when the last clone is dropped.
    pub fn new(max_parallel: usize, max_wait: Duration) -> Self {
        let workers = max_parallel.max(1);
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for i in 0..workers {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("password-hash-{i}"))
                .spawn(move || loop {
                    let job = match queue.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                })
                .expect("spawning a password hashing thread");
        }
        Self { permits: Arc::new(Semaphore::new(workers)), max_wait, jobs }
    }

    /// One hash per core, callers wait up to 2 seconds.
    pub fn per_core() -> Self {
        Self::new(std::thread::available_parallelism().map_or(2, |n| n.get()), Duration::from_secs(2))
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
        let permit = match tokio::time::timeout(self.max_wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => permit,
            _ => {
                tracing::warn!("password hashing busy: request refused");
                return Err(Error::Busy { retry_after: Duration::from_secs(1) });
            }
        };
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
            drop(permit);
        });
        self.jobs.send(job).map_err(|_| Error::Internal)?;
        result.await.map_err(|_| Error::Internal)?
    }

    /// Hashes a password with Argon2id and a random salt (PHC string).
    pub async fn hash(&self, password: SecretString) -> Result<String> {
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default().hash_password(password.expose_secret().as_bytes(), &salt).map(|h| h.to_string()).map_err(
                |e| {
                    tracing::error!(error = %e, "password hashing failed");
                    Error::Internal
                },
            )
        })
        .await
    }

    /// Checks `password` against a PHC hash.
    pub async fn verify(&self, password: SecretString, hash: SecretString) -> Result<bool> {
        self.run(move || check(&password, &hash)).await
    }
}

/// Whether `password` matches the PHC `hash` (runs Argon2: call it on a hashing thread).
fn check(password: &SecretString, hash: &SecretString) -> Result<bool> {
    let parsed = PasswordHash::new(hash.expose_secret()).map_err(|_| Error::Internal)?;
    Ok(Argon2::default().verify_password(password.expose_secret().as_bytes(), &parsed).is_ok())
}

/// A hash of a random password, verified against when the user does not exist so that a
/// wrong username takes as long as a wrong password.
fn dummy_hash() -> SecretString {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY
        .get_or_init(|| {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default().hash_password(b"no such user: timing equaliser", &salt).expect("hashing").to_string()
        })
        .clone()
        .into()
}

/// Minimum password length accepted by [`create_user`].
pub const MIN_PASSWORD_LEN: usize = 10;

/// Creates the user, or replaces the password and role of an existing one.
pub async fn create_user(
    store: &Arc<dyn Store>,
    hashing: &Hashing,
    username: &str,
    password: SecretString,
    role: crate::model::Role,
) -> Result<i64> {
    let username = username.trim();
    if username.is_empty()
        || username.len() > 64
        || !username.chars().all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
    {
        return Err(Error::InvalidInput("usernames are 1-64 letters, digits, '.', '_', '-' or '@'".into()));
    }
    if password.expose_secret().chars().count() < MIN_PASSWORD_LEN {
        return Err(Error::InvalidInput(format!("passwords need at least {MIN_PASSWORD_LEN} characters")));
    }
    if password.expose_secret().len() > MAX_PASSWORD_BYTES {
        return Err(Error::InvalidInput(format!("passwords are at most {MAX_PASSWORD_BYTES} bytes")));
    }
    let hash = hashing.hash(password).await?;
    store.upsert_user(username, &hash, role).await
}

/// The user if the credentials are right. Unknown users and wrong passwords cost the same
/// Argon2 verification and give the same `None`.
/// Passwords over [`MAX_PASSWORD_BYTES`] are wrong without being hashed.
pub async fn authenticate(
    store: &Arc<dyn Store>,
    hashing: &Hashing,
    username: &str,
    password: SecretString,
) -> Result<Option<User>> {
    if password.expose_secret().len() > MAX_PASSWORD_BYTES || username.len() > 256 {
        return Ok(None);
    }
    let user = store.user_by_name(username.trim()).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    // The dummy hash is made (once) on a hashing thread too, never on the async runtime.
    let ok = hashing.run(move || check(&password, &hash.unwrap_or_else(dummy_hash))).await?;
    Ok(user.filter(|_| ok))
}

/// What the session stores to notice a password change: a SHA-256 of the hash, never the
/// hash itself.
pub fn session_fingerprint(user: &User) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    Sha256::digest(format!("session:{}:{}", user.id, user.password_hash.expose_secret())).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_only_the_right_password_and_are_salted() {
        let hashing = Hashing::per_core();
        let a = hashing.hash("correct horse battery".to_string().into()).await.unwrap();
        let b = hashing.hash("correct horse battery".to_string().into()).await.unwrap();
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$"));
        assert!(hashing.verify("correct horse battery".to_string().into(), a.clone().into()).await.unwrap());
        assert!(!hashing.verify("wrong horse battery".to_string().into(), a.into()).await.unwrap());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_the_limit_hash_at_once_and_the_rest_are_told_to_come_back() {
        let hashing = Hashing::new(1, Duration::from_millis(5));
        let hash: SecretString = hashing.hash("correct horse battery".to_string().into()).await.unwrap().into();
        let attempts: Vec<_> = (0..8)
            .map(|_| {
                let (hashing, hash) = (hashing.clone(), hash.clone());
                tokio::spawn(async move { hashing.verify("wrong horse battery".to_string().into(), hash).await })
            })
            .collect();
        let (mut ran, mut busy) = (0, 0);
        for attempt in attempts {
            match attempt.await.unwrap() {
                Ok(false) => ran += 1,
                Err(Error::Busy { retry_after }) => {
                    assert!(retry_after >= Duration::from_secs(1));
                    busy += 1
                }
                other => panic!("unexpected: {other:?}"),
            }
        }
        assert!(ran >= 1 && busy >= 1, "one ran at a time, the rest were refused: ran {ran}, busy {busy}");
        // Once the queue has drained, hashing works again.
        assert!(hashing.verify("correct horse battery".to_string().into(), hash).await.unwrap());
    }
}
