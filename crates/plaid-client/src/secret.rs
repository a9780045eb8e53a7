use serde::{Deserialize, Serialize};

/// A Plaid access token. It grants access to a user's bank data, so it is redacted in `Debug`
/// and `Display` and only readable through [`AccessToken::expose`]. It serialises as a plain
/// string because Plaid needs it on the wire; never put it in a type sent to a browser.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccessToken(String);

impl AccessToken {
    /// Wraps a token string.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The token itself, for storage encryption and for the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessToken([redacted])")
    }
}
