//! axum-login backend over `banking-core`'s user store, and the role check.

use std::sync::Arc;

use axum_login::{AuthUser, AuthnBackend, UserId};
use banking_core::{
    model::Role,
    store::Store,
    users::{self, Hashing},
};
use secrecy::SecretString;

use super::cache::TtlCache;

use cashflow_api::AppError;

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
    users: UserCache,
}

/// Signed-in users as every request reads them (ready for the session: their fingerprint
/// made once, not on each request), kept for [`USER_CACHE_FOR`]; forget a user whose
/// password or role changed.
pub type UserCache = TtlCache<i64, SessionUser>;

/// How long a user read for a request is reused. A password or role changed on another
/// instance reaches this one's sessions within this time; on this instance at once.
pub const USER_CACHE_FOR: std::time::Duration = std::time::Duration::from_secs(5);

impl Backend {
    /// Over the app's store, hashing within `hashing`'s bounds, reading users through
    /// `users`. Demo users (seeded in simulation mode) can sign in, and stay signed in, only
    /// when `allow_demo`.
    pub fn new(store: Arc<dyn Store>, hashing: Hashing, allow_demo: bool, users: UserCache) -> Self {
        Self { store, hashing, allow_demo, users }
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
        if let Some(user) = self.users.get(id) {
            return Ok(Some(user));
        }
        let Some(user) = self.store.user_by_id(*id).await?.filter(|u| self.allowed(u)) else {
            return Ok(None);
        };
        let user = SessionUser::from(user);
        self.users.put(*id, user.clone());
        Ok(Some(user))
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
