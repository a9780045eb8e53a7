/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Errors of the banking domain. Messages are safe to show to the signed-in user; internals
/// (SQL, transport) are logged where they happen and surface as [`Error::Internal`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing asked for does not exist (or belongs to someone else).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request conflicts with stored data, e.g. the same bank linked twice.
    #[error("{message}")]
    Conflict {
        /// What conflicts, for the user.
        message: String,
        /// The existing Item the user may re-authenticate instead.
        existing_item_id: Option<String>,
    },
    /// Input the user can fix.
    #[error("{0}")]
    InvalidInput(String),
    /// Plaid refused or failed; `display_message` is Plaid's user-facing text when it has one.
    #[error("{message}")]
    Plaid {
        /// Plaid's `error_code` (e.g. `ITEM_LOGIN_REQUIRED`), or `PLAID_UNAVAILABLE`.
        code: String,
        /// Message for the user.
        message: String,
        /// Plaid's request id, for support.
        request_id: Option<String>,
    },
    /// Configuration that cannot work (e.g. no encryption key in live mode).
    #[error("configuration error: {0}")]
    Config(String),
    /// Too much costly work is running (e.g. password hashing); try again after `retry_after`.
    #[error("the server is busy; try again in a moment")]
    Busy {
        /// When to try again (sent as `Retry-After`).
        retry_after: std::time::Duration,
    },
    /// The event stream (NATS) could not be reached or refused a publish; events wait in
    /// the outbox.
    #[error("event stream: {0}")]
    Events(String),
    /// Something on our side failed; details were logged.
    #[error("internal error")]
    Internal,
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => Error::NotFound("record"),
            sqlx::Error::Database(ref db) if db.is_unique_violation() => {
                Error::Conflict { message: "this record already exists".into(), existing_item_id: None }
            }
            other => {
                tracing::error!(error = %other, "database error");
                Error::Internal
            }
        }
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        tracing::error!(error = %e, "migration failed");
        Error::Internal
    }
}

impl From<plaid_client::Error> for Error {
    fn from(e: plaid_client::Error) -> Self {
        match e.api() {
            Some(api) => Error::Plaid {
                code: api.error_code.clone(),
                message: api
                    .display_message
                    .clone()
                    .unwrap_or_else(|| "Your bank connection could not be updated. Please try again.".into()),
                request_id: api.request_id.clone(),
            },
            None => {
                tracing::warn!(error = %e, "Plaid unavailable");
                Error::Plaid {
                    code: "PLAID_UNAVAILABLE".into(),
                    message: "Plaid could not be reached. Please try again in a moment.".into(),
                    request_id: None,
                }
            }
        }
    }
}

/// What the web API answers for each error: a code, and a message safe to show (internals
/// are never sent; they were logged where they happened).
impl From<Error> for cashflow_api::AppError {
    fn from(e: Error) -> Self {
        use cashflow_api::{AppError, ErrorCode};
        match e {
            Error::NotFound(what) => AppError::new(ErrorCode::NotFound, format!("That {what} does not exist.")),
            Error::Conflict { message, existing_item_id } => {
                let mut err = AppError::new(ErrorCode::DuplicateItem, message);
                err.error.existing_item_id = existing_item_id;
                err
            }
            Error::InvalidInput(message) => AppError::new(ErrorCode::InvalidInput, message),
            Error::Plaid { code, message, .. } if code == "PLAID_UNAVAILABLE" => {
                AppError::new(ErrorCode::PlaidUnavailable, message)
            }
            Error::Plaid { message, .. } => AppError::new(ErrorCode::PlaidError, message),
            Error::Busy { .. } => AppError::new(ErrorCode::Busy, "The server is busy. Please try again in a moment."),
            Error::Config(_) | Error::Events(_) | Error::Internal => AppError::internal(),
        }
    }
}
