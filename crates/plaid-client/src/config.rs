use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

use crate::Error;

/// Which Plaid deployment to talk to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Environment {
    /// `https://sandbox.plaid.com`
    Sandbox,
    /// `https://production.plaid.com`
    Production,
    /// Any other base URL: the simulator, or a mock server in tests.
    Custom(String),
}

impl Environment {
    /// The base URL requests are sent to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        match self {
            Self::Sandbox => "https://sandbox.plaid.com",
            Self::Production => "https://production.plaid.com",
            Self::Custom(url) => url.trim_end_matches('/'),
        }
    }

    /// The `environment` value Plaid puts in webhooks and the token prefix it uses.
    pub fn name(&self) -> &str {
        match self {
            Self::Production => "production",
            Self::Sandbox | Self::Custom(_) => "sandbox",
        }
    }

    /// Parses `sandbox`, `production`, or an `http(s)://` URL.
    pub fn parse(value: &str) -> Result<Self, Error> {
        match value.trim() {
            "sandbox" => Ok(Self::Sandbox),
            "production" => Ok(Self::Production),
            url if url.starts_with("http://") || url.starts_with("https://") => Ok(Self::Custom(url.to_string())),
            other => Err(Error::Config(format!(
                "PLAID_ENV must be `sandbox`, `production` or an http(s) URL, not `{other}`"
            ))),
        }
    }
}

/// Everything needed to build a [`crate::PlaidClient`]. Secrets are redacted in `Debug`.
#[derive(Debug, Clone)]
pub struct PlaidConfig {
    /// Target deployment.
    pub environment: Environment,
    /// `PLAID-CLIENT-ID` header value.
    pub client_id: SecretString,
    /// `PLAID-SECRET` header value (per environment).
    pub secret: SecretString,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl PlaidConfig {
    /// Reads `PLAID_CLIENT_ID`, `PLAID_SECRET`, `PLAID_ENV` (default `sandbox`) and
    /// `PLAID_TIMEOUT_SECS` (default 30). Returns `Ok(None)` when `PLAID_CLIENT_ID` is unset
    /// (the caller decides what that means, e.g. simulation mode) and an error naming the
    /// variable when a value is present but unusable. Never panics.
    pub fn from_env() -> Result<Option<Self>, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`PlaidConfig::from_env`] over any lookup function, for tests.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, Error> {
        let Some(client_id) = lookup("PLAID_CLIENT_ID").filter(|v| !v.trim().is_empty()) else {
            return Ok(None);
        };
        let secret = lookup("PLAID_SECRET")
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| Error::Config("PLAID_SECRET must be set when PLAID_CLIENT_ID is".into()))?;
        let environment = Environment::parse(&lookup("PLAID_ENV").unwrap_or_else(|| "sandbox".into()))?;
        let timeout = match lookup("PLAID_TIMEOUT_SECS") {
            None => Duration::from_secs(30),
            Some(v) => Duration::from_secs(v.trim().parse().map_err(|_| {
                Error::Config(format!("PLAID_TIMEOUT_SECS must be a whole number of seconds, not `{v}`"))
            })?),
        };
        Ok(Some(Self { environment, client_id: client_id.into(), secret: secret.into(), timeout }))
    }

    pub(crate) fn client_id(&self) -> &str {
        self.client_id.expose_secret()
    }

    pub(crate) fn secret(&self) -> &str {
        self.secret.expose_secret()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    }

    #[test]
    fn unset_client_id_means_no_config() {
        assert!(PlaidConfig::from_lookup(lookup(&[])).unwrap().is_none());
    }

    #[test]
    fn missing_secret_is_an_error_naming_it() {
        let err = PlaidConfig::from_lookup(lookup(&[("PLAID_CLIENT_ID", "abc")])).unwrap_err();
        assert!(err.to_string().contains("PLAID_SECRET"), "{err}");
    }

    #[test]
    fn bad_environment_is_an_error_naming_it() {
        let err = PlaidConfig::from_lookup(lookup(&[
            ("PLAID_CLIENT_ID", "abc"),
            ("PLAID_SECRET", "s3cr3t"),
            ("PLAID_ENV", "development"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("PLAID_ENV"), "{err}");
    }

    #[test]
    fn debug_redacts_credentials() {
        let config = PlaidConfig::from_lookup(lookup(&[
            ("PLAID_CLIENT_ID", "client-abc"),
            ("PLAID_SECRET", "s3cr3t-value"),
            ("PLAID_ENV", "production"),
        ]))
        .unwrap()
        .unwrap();
        let printed = format!("{config:?}");
        assert!(!printed.contains("s3cr3t-value") && !printed.contains("client-abc"), "{printed}");
        assert_eq!(config.environment, Environment::Production);
    }
}
