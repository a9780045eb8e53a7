//! Password hashing for sign-in (Argon2id, on the blocking pool).

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use secrecy::{ExposeSecret, SecretString};
use std::sync::{Arc, OnceLock};

use crate::{model::User, store::Store, Error, Result};

/// Hashes a password with Argon2id and a random salt (PHC string).
pub async fn hash_password(password: SecretString) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.expose_secret().as_bytes(), &salt).map(|h| h.to_string()).map_err(
            |e| {
                tracing::error!(error = %e, "password hashing failed");
                Error::Internal
            },
        )
    })
    .await
    .map_err(|_| Error::Internal)?
}

/// Checks `password` against a PHC hash on the blocking pool.
pub async fn verify_password(password: SecretString, hash: SecretString) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(hash.expose_secret()).map_err(|_| Error::Internal)?;
        Ok(Argon2::default().verify_password(password.expose_secret().as_bytes(), &parsed).is_ok())
    })
    .await
    .map_err(|_| Error::Internal)?
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
    let hash = hash_password(password).await?;
    store.upsert_user(username, &hash, role).await
}

/// The user if the credentials are right. Unknown users and wrong passwords cost the same
/// Argon2 verification and give the same `None`.
pub async fn authenticate(store: &Arc<dyn Store>, username: &str, password: SecretString) -> Result<Option<User>> {
    let user = store.user_by_name(username.trim()).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(dummy_hash);
    let ok = verify_password(password, hash).await?;
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
        let a = hash_password("correct horse battery".to_string().into()).await.unwrap();
        let b = hash_password("correct horse battery".to_string().into()).await.unwrap();
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery".to_string().into(), a.clone().into()).await.unwrap());
        assert!(!verify_password("wrong horse battery".to_string().into(), a.into()).await.unwrap());
    }
}
