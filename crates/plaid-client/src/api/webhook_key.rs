use serde::{Deserialize, Serialize};

use super::endpoint;

/// `/webhook_verification_key/get`: the public key that signed a webhook, by JWT `kid`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookVerificationKeyGetRequest {
    /// The `kid` from the `Plaid-Verification` JWT header.
    pub key_id: String,
}

/// Response of `/webhook_verification_key/get`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookVerificationKeyGetResponse {
    /// The key.
    pub key: Jwk,
    /// Plaid's request id.
    pub request_id: String,
}

/// A P-256 public key as a JWK (`JWKPublicKey`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Jwk {
    /// Always `ES256`.
    pub alg: String,
    /// Always `P-256`.
    pub crv: String,
    /// Key id.
    pub kid: String,
    /// Always `EC`.
    pub kty: String,
    /// Always `sig`.
    #[serde(rename = "use")]
    pub key_use: String,
    /// Base64url x coordinate.
    pub x: String,
    /// Base64url y coordinate.
    pub y: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds; a key with a value here must not be trusted.
    pub expired_at: Option<i64>,
}

endpoint!(WebhookVerificationKeyGetRequest => WebhookVerificationKeyGetResponse, "/webhook_verification_key/get", idempotent = true);
