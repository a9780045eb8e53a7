//! Sign-in: the server functions behind the sign-in form and the role guard every server
//! function and handler uses.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use cashflow_api::{users::UserInfo, AppError};

/// A password as typed into the sign-in form: `Debug` never shows it (server functions'
/// argument structs derive `Debug`).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// Signs in. Works as a plain form POST before the page is hydrated (the server answers
/// with a redirect) and as a fetch afterwards. Wrong username and wrong password give the
/// same message and take the same time.
#[server(prefix = "/api/auth", endpoint = "login")]
pub async fn login(username: String, password: Password, next: Option<String>) -> Result<(), AppError> {
    use self::ssr::*;
    let mut session = auth_session().await?;
    let state = use_context::<crate::server::state::AppState>().ok_or_else(|| fail(AppError::internal()))?;
    let next = crate::server::redirect::safe_next(next.as_deref(), &state.public_url);
    let throttle = state.sign_in_throttle.clone();
    let client = match leptos_axum::extract::<axum::Extension<crate::server::rate_limit::ClientAddr>>().await {
        Ok(axum::Extension(addr)) => addr.0.to_string(),
        Err(_) => "unknown".to_string(),
    };
    let locked = throttle.locked_for(&username, &client).await.map_err(|e| {
        tracing::error!(error = %e, "could not read the sign-in throttle");
        fail(AppError::internal())
    })?;
    if let Some(wait) = locked {
        tracing::warn!("sign-in refused: too many failed attempts");
        metrics::counter!("cashflow_rate_limit_refusals_total", "limit" => "sign-in-lockout").increment(1);
        let minutes = wait.as_secs().div_ceil(60).max(1);
        retry_after_header(wait);
        let message = format!("Too many failed sign-ins. Try again in {minutes} minute(s).");
        return refuse(AppError::new(cashflow_api::ErrorCode::TooManyAttempts, message), &next).await;
    }
    let credentials =
        crate::server::auth_backend::Credentials { username: username.clone(), password: password.0.into() };
    let user = match session.authenticate(credentials).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            tracing::info!("sign-in refused");
            metrics::counter!("cashflow_sign_in_failures_total").increment(1);
            if let Err(e) = throttle.failed(&username, &client).await {
                tracing::error!(error = %e, "could not count a failed sign-in");
            }
            let error = AppError::new(cashflow_api::ErrorCode::InvalidCredentials, "Wrong username or password.");
            return refuse(error, &next).await;
        }
        Err(axum_login::Error::Backend(banking_core::Error::Busy { retry_after })) => {
            retry_after_header(retry_after);
            let error = AppError::new(
                cashflow_api::ErrorCode::Busy,
                "Too many sign-ins at once. Please try again in a moment.",
            );
            return refuse(error, &next).await;
        }
        Err(e) => {
            tracing::error!(error = %e, "sign-in failed");
            return Err(fail(AppError::internal()));
        }
    };
    if let Err(e) = throttle.succeeded(&username, &client).await {
        tracing::warn!(error = %e, "could not clear the failed sign-in count");
    }
    // A new session id on every sign-in: axum-login cycles it for anonymous sessions only,
    // so cycle it ourselves when someone signs in over an existing sign-in.
    if session.user.is_some() {
        session.session.cycle_id().await.map_err(|e| {
            tracing::error!(error = %e, "could not cycle the session id");
            fail(AppError::internal())
        })?;
    }
    start_session(&mut session, &user).await?;
    tracing::info!(user = user.id, "signed in");
    leptos_axum::redirect(&next);
    Ok(())
}

/// Changes the signed-in user's own password. The current password is required; every other
/// session of the user ends (this one continues under a new id). A plain form post (the
/// account page's form) is answered with a redirect back to the page, which says how it went
/// (`?changed=1`, or `?error=` one of [`PasswordRefusal`]'s names).
#[server(prefix = "/api/auth", endpoint = "change-password")]
pub async fn change_password(current: Password, new: Password, confirm: Password) -> Result<(), AppError> {
    use self::ssr::*;
    let outcome = ssr::change_own_password(current, new, confirm).await;
    if !is_plain_form_post().await {
        return outcome.map_err(|(error, _)| error);
    }
    match outcome {
        Ok(()) => leptos_axum::redirect("/account?changed=1"),
        Err((_, PasswordRefusal::SignedOut)) => leptos_axum::redirect("/login?next=/account"),
        Err((_, refusal)) => leptos_axum::redirect(&format!("/account?error={}", refusal.as_str())),
    }
    Ok(())
}

/// Why a password change was refused, as the account page names it in its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordRefusal {
    /// No one is signed in.
    SignedOut,
    /// The new password and its repetition differ.
    Differ,
    /// The current password is not right.
    Current,
    /// The new password is too short or too long.
    Unacceptable,
    /// Something failed on the server.
    Failed,
}

impl PasswordRefusal {
    /// The name in the address.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedOut => "signed_out",
            Self::Differ => "differ",
            Self::Current => "current",
            Self::Unacceptable => "unacceptable",
            Self::Failed => "failed",
        }
    }

    /// The refusal a name stands for.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::SignedOut, Self::Differ, Self::Current, Self::Unacceptable, Self::Failed]
            .into_iter()
            .find(|r| r.as_str() == name)
    }

    /// What the account page says.
    pub fn message(self) -> &'static str {
        match self {
            Self::SignedOut => "Your session has ended. Sign in again to change your password.",
            Self::Differ => "The new password and its repetition differ.",
            Self::Current => "Your current password is not right.",
            Self::Unacceptable => "The new password was refused: it needs at least 10 characters (at most 1024 bytes).",
            Self::Failed => "Your password could not be changed. Please try again.",
        }
    }
}

/// Signs out: deletes the session on the server and clears the cookie.
#[server(prefix = "/api/auth", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use self::ssr::*;
    let mut session = auth_session().await?;
    if let (Some(user), Some(state)) = (&session.user, use_context::<crate::server::state::AppState>()) {
        let _ = state.signed_out.send(user.id);
    }
    session.logout().await.map_err(|e| {
        tracing::error!(error = %e, "could not end the session");
        fail(AppError::internal())
    })?;
    // axum-login's logout flushes (deletes) the session record from the store.
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in user, if any.
#[server(prefix = "/api/auth", endpoint = "me")]
pub async fn current_user() -> Result<Option<UserInfo>, AppError> {
    let session = ssr::auth_session().await?;
    Ok(session.user.map(|u| UserInfo { username: u.username.clone(), role: u.role }))
}

/// Server-side helpers for server functions.
#[cfg(feature = "ssr")]
pub mod ssr {
    pub use crate::server::auth_backend::SessionUser;
    use banking_core::model::Role;
    use leptos::prelude::*;

    use cashflow_api::AppError;

    /// axum-login's session for our backend.
    pub type AuthSession = axum_login::AuthSession<crate::server::auth_backend::Backend>;

    /// Answers the current server function with `err`'s status.
    pub fn fail(err: AppError) -> AppError {
        if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
            options.set_status(
                http::StatusCode::from_u16(err.status()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
            );
        }
        err
    }

    /// The auth session of the current request.
    pub async fn auth_session() -> Result<AuthSession, AppError> {
        leptos_axum::extract::<AuthSession>().await.map_err(|e| {
            tracing::error!(error = %e, "auth session missing: is the auth layer installed?");
            fail(AppError::internal())
        })
    }

    /// The signed-in user if their role is one of `roles`: 401 when signed out, 403 when
    /// the role does not fit. Every server function that touches user data calls this.
    pub async fn require(roles: &[Role]) -> Result<SessionUser, AppError> {
        let session = auth_session().await?;
        crate::server::auth_backend::check_role(session.user.as_ref(), roles).map_err(fail)
    }

    /// Changes the signed-in user's password (see [`super::change_password`]); a refusal says
    /// why, for the account page.
    pub async fn change_own_password(
        current: super::Password,
        new: super::Password,
        confirm: super::Password,
    ) -> Result<(), (AppError, super::PasswordRefusal)> {
        use super::PasswordRefusal as Why;
        use banking_core::users;
        let failed = |e: AppError| (fail(e), Why::Failed);
        let mut session = auth_session().await.map_err(failed)?;
        let Some(user) = session.user.clone() else {
            return Err((fail(AppError::unauthorized()), Why::SignedOut));
        };
        if new != confirm {
            let error = AppError::new(cashflow_api::ErrorCode::InvalidInput, Why::Differ.message());
            return Err((fail(error), Why::Differ));
        }
        let state = use_context::<crate::server::state::AppState>().ok_or_else(|| failed(AppError::internal()))?;
        let checked = users::authenticate(&state.store, &state.hashing, &user.username, current.0.into()).await;
        match checked {
            Ok(Some(_)) => {}
            Ok(None) => {
                tracing::info!(user = user.id, "password change refused: wrong current password");
                let error = AppError::new(cashflow_api::ErrorCode::InvalidInput, Why::Current.message());
                return Err((fail(error), Why::Current));
            }
            Err(e) => return Err(failed(e.into())),
        }
        users::create_user(&state.store, &state.hashing, &user.username, new.0.into(), user.role).await.map_err(
            |e| match e {
                banking_core::Error::InvalidInput(_) => (fail(e.into()), Why::Unacceptable),
                e => failed(e.into()),
            },
        )?;
        state.users.forget(&user.id);
        let updated = state
            .store
            .user_by_id(user.id)
            .await
            .map_err(|e| failed(e.into()))?
            .ok_or_else(|| (fail(AppError::unauthorized()), Why::SignedOut))?;
        // The session keeps a fingerprint of the hash: other sessions no longer match it.
        start_session(&mut session, &SessionUser::from(updated)).await.map_err(failed)?;
        let _ = state.signed_out.send(user.id);
        tracing::info!(user = user.id, "password changed; other sessions ended");
        Ok(())
    }

    /// Signs `user` in on `session` (a new session id) and notes when, for the absolute
    /// session lifetime.
    pub async fn start_session(session: &mut AuthSession, user: &SessionUser) -> Result<(), AppError> {
        session.login(user).await.map_err(|e| {
            tracing::error!(error = %e, "could not store the session");
            fail(AppError::internal())
        })?;
        let now = chrono::Utc::now().timestamp();
        session.session.insert(crate::server::sessions::SIGNED_IN_AT, now).await.map_err(|e| {
            tracing::error!(error = %e, "could not store the session");
            fail(AppError::internal())
        })
    }

    /// Answers a refused sign-in: a plain form post (no JavaScript yet) is sent back to the
    /// sign-in page with `?error=` (the error's code) and its `next`; a fetch gets `error` with
    /// its status.
    pub async fn refuse(error: AppError, next: &str) -> Result<(), AppError> {
        if is_plain_form_post().await {
            let code = error.error.code.as_str();
            leptos_axum::redirect(&format!("/login?error={code}&next={}", encode(next)));
            return Ok(());
        }
        Err(fail(error))
    }

    /// Tells the client when to try again (with a 429).
    pub fn retry_after_header(wait: std::time::Duration) {
        if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
            options.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(wait.as_secs().max(1)));
        }
    }

    /// True when the request is a plain HTML form submission (no JavaScript yet).
    pub async fn is_plain_form_post() -> bool {
        let Ok(headers) = leptos_axum::extract::<http::HeaderMap>().await else {
            return false;
        };
        headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
    }

    /// Percent-encodes a path for a query parameter.
    pub fn encode(value: &str) -> String {
        value
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::{Login, Password};

    #[test]
    fn the_sign_in_arguments_never_print_the_password() {
        let args = Login { username: "trader".into(), password: Password("hunter2-secret".into()), next: None };
        assert!(!format!("{args:?}").contains("hunter2-secret"));
    }
}
