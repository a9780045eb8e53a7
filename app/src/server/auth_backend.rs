//! axum-login backend over `banking-core`'s user store, and the role check.

use std::sync::Arc;

use axum_login::{AuthUser, AuthnBackend, UserId};
use banking_core::{
    model::Role,
    store::Store,
    users::{self, Hashing},
};
use secrecy::SecretString;

use crate::error::AppError;

/// The user kept in the session. `Debug` shows no secrets; the session holds only a
/// fingerprint of the password hash (changing the password ends old sessions).
#[derive(Clone)]
pub struct SessionUser {
    /// Id.
    pub id: i64,
    /// Username.
    pub username: String,
    /// Role.
    pub role: Role,
    fingerprint: Vec<u8>,
}

impl std::fmt::Debug for SessionUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionUser")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .finish()
    }
}

impl From<banking_core::model::User> for SessionUser {
    fn from(user: banking_core::model::User) -> Self {
        let fingerprint = users::session_fingerprint(&user);
        Self { id: user.id, username: user.username, role: user.role, fingerprint }
    }
}

impl AuthUser for SessionUser {
    type Id = i64;

    fn id(&self) -> i64 {
        self.id
    }

    fn session_auth_hash(&self) -> &[u8] {
        &self.fingerprint
    }
}

/// Sign-in form input.
pub struct Credentials {
    /// Username.
    pub username: String,
    /// Password.
    pub password: SecretString,
}

/// Authenticates against the users table.
#[derive(Clone)]
pub struct Backend {
    store: Arc<dyn Store>,
    hashing: Hashing,
    allow_demo: bool,
}

impl Backend {
    /// Over the app's store, hashing within `hashing`'s bounds. Demo users (seeded in
    /// simulation mode) can sign in, and stay signed in, only when `allow_demo`.
    pub fn new(store: Arc<dyn Store>, hashing: Hashing, allow_demo: bool) -> Self {
        Self { store, hashing, allow_demo }
    }
}

impl Backend {
    fn allowed(&self, user: &banking_core::model::User) -> bool {
        if user.demo && !self.allow_demo {
            tracing::warn!(user = user.id, "demo user refused: the app runs in live mode");
            return false;
        }
        true
    }
}

impl AuthnBackend for Backend {
    type User = SessionUser;
    type Credentials = Credentials;
    type Error = banking_core::Error;

    async fn authenticate(&self, creds: Credentials) -> Result<Option<SessionUser>, Self::Error> {
        let user = users::authenticate(&self.store, &self.hashing, &creds.username, creds.password).await?;
        Ok(user.filter(|u| self.allowed(u)).map(SessionUser::from))
    }

    async fn get_user(&self, id: &UserId<Self>) -> Result<Option<SessionUser>, Self::Error> {
        Ok(self.store.user_by_id(*id).await?.filter(|u| self.allowed(u)).map(SessionUser::from))
    }
}

/// 401 without a user, 403 when the role is not one of `roles`.
pub fn check_role(user: Option<&SessionUser>, roles: &[Role]) -> Result<SessionUser, AppError> {
    match user {
        None => Err(AppError::unauthorized()),
        Some(u) if !roles.contains(&u.role) => Err(AppError::forbidden()),
        Some(u) => Ok(u.clone()),
    }
}
