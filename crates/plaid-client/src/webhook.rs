//! Verifying and parsing Plaid webhooks.
//!
//! [`WebhookVerifier::verify`] checks the `Plaid-Verification` header (an ES256 JWT) against
//! the raw body bytes, then parses the body into a [`WebhookPayload`].

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// Longest `Plaid-Verification` header read (Plaid's are about 500 bytes); longer ones are
/// refused before anything is decoded.
pub const MAX_HEADER_LEN: usize = 2048;
/// Longest `kid` looked up (Plaid's are UUIDs, 36 characters).
pub const MAX_KID_LEN: usize = 64;
/// Signing keys kept at once (Plaid has a handful live while it rotates them).
const MAX_KEYS: usize = 16;
/// Key ids Plaid said it does not have, remembered so they are not asked about again.
const MAX_REFUSED: usize = 1024;
/// How long a refused key id is remembered.
const REFUSED_FOR: Duration = Duration::from_secs(10 * 60);
/// Lookups of key ids not in the cache, in all, per [`LOOKUP_WINDOW`]: a flood of forged
/// webhooks with made-up ids costs Plaid this many calls, not one per webhook.
pub const MAX_LOOKUPS_PER_WINDOW: u32 = 5;
/// The window [`MAX_LOOKUPS_PER_WINDOW`] counts in.
const LOOKUP_WINDOW: Duration = Duration::from_secs(60);

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use p256::ecdsa::{
    signature::{Signer, Verifier},
    Signature, SigningKey, VerifyingKey,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio::sync::OnceCell;

use crate::{
    api::{Jwk, WebhookVerificationKeyGetRequest},
    Error, PlaidApiError, PlaidClient,
};

/// Why a webhook was refused (carried by [`Error::Webhook`]). Each reason is distinct so
/// logs say what went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookRejection {
    /// No `Plaid-Verification` header.
    MissingHeader,
    /// Not a compact JWS with a readable header and claims.
    MalformedToken,
    /// `alg` was not `ES256`.
    WrongAlgorithm,
    /// Plaid has no key with the token's `kid`.
    KeyUnavailable,
    /// Plaid marked the key expired.
    KeyExpired,
    /// The signature does not match the key.
    BadSignature,
    /// `iat` is more than the allowed age in the past (or far in the future).
    Stale,
    /// The body's SHA-256 differs from `request_body_sha256`.
    BodyMismatch,
}

impl std::fmt::Display for WebhookRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::MissingHeader => "the Plaid-Verification header is missing",
            Self::MalformedToken => "the Plaid-Verification header is not a well-formed JWT",
            Self::WrongAlgorithm => "the JWT algorithm is not ES256",
            Self::KeyUnavailable => "Plaid has no signing key with this id",
            Self::KeyExpired => "the signing key has expired",
            Self::BadSignature => "the JWT signature is invalid",
            Self::Stale => "the webhook is too old",
            Self::BodyMismatch => "the body does not match the signed hash",
        })
    }
}

impl From<WebhookRejection> for Error {
    fn from(reason: WebhookRejection) -> Self {
        Error::Webhook(reason)
    }
}

#[derive(Deserialize)]
struct JwtHeader {
    alg: String,
    kid: Option<String>,
}

#[derive(Deserialize)]
struct JwtClaims {
    iat: i64,
    request_body_sha256: String,
}

struct CachedKey {
    key: VerifyingKey,
    fetched: Instant,
}

/// Everything the verifier remembers about key ids, each part bounded.
#[derive(Default)]
struct KeyCache {
    /// Keys by `kid`: fetched, or being fetched (concurrent misses share one fetch).
    keys: HashMap<String, Arc<OnceCell<CachedKey>>>,
    /// Key ids Plaid refused, with when.
    refused: HashMap<String, Instant>,
    /// Start of the current lookup window and the lookups made in it.
    window: Option<(Instant, u32)>,
}

impl KeyCache {
    /// The shared fetch for `kid`, or why there is none: refused recently, or the lookup
    /// budget is spent.
    fn cell(&mut self, kid: &str, key_ttl: Duration) -> Result<Arc<OnceCell<CachedKey>>, Error> {
        if self.refused.get(kid).is_some_and(|at| at.elapsed() < REFUSED_FOR) {
            return Err(WebhookRejection::KeyUnavailable.into());
        }
        match self.keys.get(kid) {
            Some(cell) if cell.get().is_none_or(|k| k.fetched.elapsed() <= key_ttl) => return Ok(cell.clone()),
            _ => {}
        }
        let now = Instant::now();
        let (start, used) = match self.window {
            Some((start, used)) if start.elapsed() < LOOKUP_WINDOW => (start, used),
            _ => (now, 0),
        };
        if used >= MAX_LOOKUPS_PER_WINDOW {
            return Err(Error::LookupLimit);
        }
        self.window = Some((start, used + 1));
        self.keys.retain(|_, cell| cell.get().is_none_or(|k| k.fetched.elapsed() <= key_ttl));
        if self.keys.len() >= MAX_KEYS {
            // Drop the oldest fetched key; one in use is fetched again if it comes back.
            let oldest =
                self.keys.iter().filter_map(|(k, c)| c.get().map(|v| (k.clone(), v.fetched))).min_by_key(|(_, at)| *at);
            if let Some((oldest, _)) = oldest {
                self.keys.remove(&oldest);
            }
        }
        let cell = Arc::new(OnceCell::new());
        self.keys.insert(kid.to_string(), cell.clone());
        Ok(cell)
    }

    /// Forgets a fetch that failed; remembers the id when Plaid refused it.
    fn failed(&mut self, kid: &str, cell: &Arc<OnceCell<CachedKey>>, refused: bool) {
        if self.keys.get(kid).is_some_and(|c| Arc::ptr_eq(c, cell)) {
            self.keys.remove(kid);
        }
        if refused {
            self.refused.retain(|_, at| at.elapsed() < REFUSED_FOR);
            if self.refused.len() >= MAX_REFUSED {
                let oldest = self.refused.iter().min_by_key(|(_, at)| **at).map(|(k, _)| k.clone());
                if let Some(oldest) = oldest {
                    self.refused.remove(&oldest);
                }
            }
            self.refused.insert(kid.to_string(), Instant::now());
        }
    }
}

/// Verifies webhooks, caching Plaid's keys by `kid`. Share one per process (it is `Clone`).
///
/// Forged webhooks cannot make it grow or call Plaid at will: the cheap checks (header size
/// and shape, `alg`, `kid` length) run before any lookup, at most
/// [`MAX_LOOKUPS_PER_WINDOW`] unknown ids are looked up a minute in all, ids Plaid refused
/// are remembered for ten minutes, and every cache is bounded.
#[derive(Clone)]
pub struct WebhookVerifier {
    client: PlaidClient,
    cache: Arc<Mutex<KeyCache>>,
    max_age: Duration,
    key_ttl: Duration,
}

impl WebhookVerifier {
    /// Uses `client` to fetch keys; webhooks older than 5 minutes are refused and cached keys
    /// are re-fetched after an hour, so a key Plaid expires stops being trusted.
    pub fn new(client: PlaidClient) -> Self {
        Self {
            client,
            cache: Arc::default(),
            max_age: Duration::from_secs(5 * 60),
            key_ttl: Duration::from_secs(60 * 60),
        }
    }

    /// Verifies `header` (the `Plaid-Verification` value) against the raw `body` and parses
    /// the payload. `now` is Unix seconds (pass the current time; tests pass others).
    ///
    /// `Err(Error::Webhook(_))` means the webhook is refused. Any other error means Plaid
    /// could not be asked for the signing key (down, rate-limited, timed out): the webhook
    /// may be genuine, so answer with a retryable status and Plaid delivers it again.
    pub async fn verify_at(&self, header: Option<&str>, body: &[u8], now: i64) -> Result<WebhookPayload, Error> {
        let token = header.map(str::trim).filter(|h| !h.is_empty()).ok_or(WebhookRejection::MissingHeader)?;
        if token.len() > MAX_HEADER_LEN {
            return Err(WebhookRejection::MalformedToken.into());
        }
        let mut parts = token.split('.');
        let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(WebhookRejection::MalformedToken.into());
        };
        let header: JwtHeader = decode_part(h)?;
        if header.alg != "ES256" {
            return Err(WebhookRejection::WrongAlgorithm.into());
        }
        let kid = header
            .kid
            .filter(|k| !k.is_empty() && k.len() <= MAX_KID_LEN && k.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or(WebhookRejection::MalformedToken)?;
        let signature = URL_SAFE_NO_PAD
            .decode(s)
            .ok()
            .and_then(|bytes| Signature::from_slice(&bytes).ok())
            .ok_or(WebhookRejection::MalformedToken)?;
        let key = self.key(&kid).await?;
        let signed = &token[..h.len() + 1 + c.len()];
        key.verify(signed.as_bytes(), &signature).map_err(|_| WebhookRejection::BadSignature)?;
        let claims: JwtClaims = decode_part(c)?;
        let age = now - claims.iat;
        if age > self.max_age.as_secs() as i64 || age < -(self.max_age.as_secs() as i64) {
            return Err(WebhookRejection::Stale.into());
        }
        let actual = hex(&Sha256::digest(body));
        let expected = claims.request_body_sha256.to_ascii_lowercase();
        if !bool::from(actual.as_bytes().ct_eq(expected.as_bytes())) {
            return Err(WebhookRejection::BodyMismatch.into());
        }
        Ok(WebhookPayload::parse(body))
    }

    /// [`WebhookVerifier::verify_at`] with the current time.
    pub async fn verify(&self, header: Option<&str>, body: &[u8]) -> Result<WebhookPayload, Error> {
        self.verify_at(header, body, chrono::Utc::now().timestamp()).await
    }

    async fn key(&self, kid: &str) -> Result<VerifyingKey, Error> {
        let cell = self.cache.lock().expect("key cache lock poisoned").cell(kid, self.key_ttl)?;
        // Concurrent misses for one kid wait on the same fetch.
        let fetched = cell
            .get_or_try_init(|| async {
                let response =
                    self.client.send(&WebhookVerificationKeyGetRequest { key_id: kid.to_string() }).await.map_err(
                        |e| match e.api().map(|api| api.error_type.as_str()) {
                            // Plaid refused the request itself: it has no such key.
                            Some("INVALID_INPUT" | "INVALID_REQUEST") => {
                                tracing::warn!(error = %e, kid, "Plaid has no such webhook key");
                                Error::Webhook(WebhookRejection::KeyUnavailable)
                            }
                            _ => {
                                tracing::warn!(error = %e, kid, "could not fetch Plaid webhook key");
                                e
                            }
                        },
                    )?;
                if response.key.expired_at.is_some() {
                    return Err(Error::Webhook(WebhookRejection::KeyExpired));
                }
                Ok(CachedKey { key: verifying_key(&response.key)?, fetched: Instant::now() })
            })
            .await;
        match fetched {
            Ok(cached) => Ok(cached.key),
            Err(e) => {
                let refused =
                    matches!(e, Error::Webhook(WebhookRejection::KeyUnavailable | WebhookRejection::KeyExpired));
                self.cache.lock().expect("key cache lock poisoned").failed(kid, &cell, refused);
                Err(e)
            }
        }
    }
}

fn decode_part<T: serde::de::DeserializeOwned>(part: &str) -> Result<T, Error> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| WebhookRejection::MalformedToken)?;
    serde_json::from_slice(&bytes).map_err(|_| WebhookRejection::MalformedToken.into())
}

fn verifying_key(jwk: &Jwk) -> Result<VerifyingKey, Error> {
    if jwk.kty != "EC" || jwk.crv != "P-256" || jwk.alg != "ES256" {
        return Err(WebhookRejection::WrongAlgorithm.into());
    }
    let coordinate = |v: &str| -> Result<[u8; 32], Error> {
        URL_SAFE_NO_PAD
            .decode(v)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
            .ok_or(WebhookRejection::KeyUnavailable.into())
    };
    let point =
        p256::EncodedPoint::from_affine_coordinates(&coordinate(&jwk.x)?.into(), &coordinate(&jwk.y)?.into(), false);
    VerifyingKey::from_encoded_point(&point).map_err(|_| WebhookRejection::KeyUnavailable.into())
}

/// Signs webhook bodies the way Plaid does: the inverse of [`WebhookVerifier`], used by the
/// simulator and by tests. Holds a P-256 private key; `Debug` shows only the key id.
#[derive(Clone)]
pub struct WebhookSigner {
    kid: String,
    key: SigningKey,
    created_at: i64,
}

impl std::fmt::Debug for WebhookSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSigner").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl WebhookSigner {
    /// A signer with a fresh random key.
    pub fn generate(kid: impl Into<String>) -> Self {
        Self {
            kid: kid.into(),
            key: SigningKey::random(&mut rand::rngs::OsRng),
            created_at: chrono::Utc::now().timestamp(),
        }
    }

    /// The key id (`kid`).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as Plaid's `/webhook_verification_key/get` returns it.
    pub fn jwk(&self) -> Jwk {
        let point = self.key.verifying_key().to_encoded_point(false);
        let (x, y) = (point.x().expect("uncompressed point"), point.y().expect("uncompressed point"));
        Jwk {
            alg: "ES256".into(),
            crv: "P-256".into(),
            kid: self.kid.clone(),
            kty: "EC".into(),
            key_use: "sig".into(),
            x: URL_SAFE_NO_PAD.encode(x),
            y: URL_SAFE_NO_PAD.encode(y),
            created_at: self.created_at,
            expired_at: None,
        }
    }

    /// The `Plaid-Verification` header value for `body`, issued at `iat` (Unix seconds).
    pub fn sign(&self, body: &[u8], iat: i64) -> String {
        self.sign_with_header(&serde_json::json!({"alg": "ES256", "kid": self.kid, "typ": "JWT"}), body, iat)
    }

    /// Like [`WebhookSigner::sign`] with a caller-chosen JWT header (tests use it to forge).
    pub fn sign_with_header(&self, header: &serde_json::Value, body: &[u8], iat: i64) -> String {
        let claims = serde_json::json!({"iat": iat, "request_body_sha256": hex(&Sha256::digest(body))});
        let signed =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let signature: Signature = self.key.sign(signed.as_bytes());
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }
}

/// Lowercase hex, as Plaid writes `request_body_sha256`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A verified webhook body.
#[derive(Debug, Clone, PartialEq)]
pub enum WebhookPayload {
    /// TRANSACTIONS / SYNC_UPDATES_AVAILABLE: call `/transactions/sync`.
    SyncUpdatesAvailable {
        /// The Item.
        item_id: String,
        /// Recent 30 days ready.
        initial_update_complete: bool,
        /// Full history ready.
        historical_update_complete: bool,
    },
    /// ITEM / ERROR, e.g. `ITEM_LOGIN_REQUIRED`.
    ItemError {
        /// The Item.
        item_id: String,
        /// The error.
        error: Option<PlaidApiError>,
    },
    /// ITEM / PENDING_EXPIRATION: consent ends at the given time.
    PendingExpiration {
        /// The Item.
        item_id: String,
        /// When consent expires.
        consent_expiration_time: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// ITEM / PENDING_DISCONNECT: the Item will stop working.
    PendingDisconnect {
        /// The Item.
        item_id: String,
        /// e.g. `INSTITUTION_MIGRATION`.
        reason: Option<String>,
        /// When.
        disconnect_time: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// ITEM / USER_PERMISSION_REVOKED.
    UserPermissionRevoked {
        /// The Item.
        item_id: String,
    },
    /// ITEM / USER_ACCOUNT_REVOKED: one account's access ended.
    UserAccountRevoked {
        /// The Item.
        item_id: String,
        /// The account.
        account_id: String,
    },
    /// ITEM / NEW_ACCOUNTS_AVAILABLE: offer update mode with account selection.
    NewAccountsAvailable {
        /// The Item.
        item_id: String,
    },
    /// ITEM / WEBHOOK_UPDATE_ACKNOWLEDGED.
    WebhookUpdateAcknowledged {
        /// The Item.
        item_id: String,
        /// The new URL.
        new_webhook_url: String,
    },
    /// ITEM / LOGIN_REPAIRED: the Item works again.
    LoginRepaired {
        /// The Item.
        item_id: String,
    },
    /// LIABILITIES / DEFAULT_UPDATE: call `/liabilities/get`.
    LiabilitiesUpdated {
        /// The Item.
        item_id: String,
    },
    /// HOLDINGS / DEFAULT_UPDATE: call `/investments/holdings/get`.
    HoldingsUpdated {
        /// The Item.
        item_id: String,
    },
    /// INVESTMENTS_TRANSACTIONS / DEFAULT_UPDATE: call `/investments/transactions/get`.
    InvestmentTransactionsUpdated {
        /// The Item.
        item_id: String,
    },
    /// A verified body we could not read: not JSON, a field missing or of another shape.
    Unreadable {
        /// `webhook_type`, when readable.
        webhook_type: Option<String>,
        /// `webhook_code`, when readable.
        webhook_code: Option<String>,
        /// `item_id`, when readable.
        item_id: Option<String>,
        /// What was wrong, for the log.
        reason: String,
    },
    /// Any other type/code (legacy TRANSACTIONS codes, products we don't use).
    Unknown {
        /// `webhook_type`.
        webhook_type: String,
        /// `webhook_code`.
        webhook_code: String,
        /// `item_id`, when present.
        item_id: Option<String>,
    },
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    webhook_type: String,
    webhook_code: String,
    #[serde(default)]
    item_id: Option<String>,
    #[serde(default)]
    initial_update_complete: Option<bool>,
    #[serde(default)]
    historical_update_complete: Option<bool>,
    #[serde(default)]
    error: Option<PlaidApiError>,
    #[serde(default)]
    consent_expiration_time: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    disconnect_time: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    account_id: Option<String>,
    #[serde(default)]
    new_webhook_url: Option<String>,
}

impl WebhookPayload {
    /// Parses a webhook body (already verified). Never fails: a body we cannot read (not
    /// JSON, a field missing or of another shape, a future version) becomes
    /// [`WebhookPayload::Unreadable`], so it can be recorded and acknowledged instead of being
    /// refused and redelivered by Plaid for a day.
    pub fn parse(body: &[u8]) -> Self {
        let value: serde_json::Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => return Self::unreadable(&serde_json::Value::Null, format!("not JSON: {e}")),
        };
        match serde_json::from_value::<Envelope>(value.clone()) {
            Ok(envelope) => Self::from_envelope(envelope).unwrap_or_else(|reason| Self::unreadable(&value, reason)),
            Err(e) => Self::unreadable(&value, e.to_string()),
        }
    }

    fn unreadable(value: &serde_json::Value, reason: String) -> Self {
        let text = |k: &str| value.get(k).and_then(|v| v.as_str()).map(str::to_string);
        Self::Unreadable {
            webhook_type: text("webhook_type"),
            webhook_code: text("webhook_code"),
            item_id: text("item_id"),
            reason,
        }
    }

    fn from_envelope(e: Envelope) -> Result<Self, String> {
        let item = || e.item_id.clone().ok_or_else(|| "`item_id` is missing".to_string());
        Ok(match (e.webhook_type.as_str(), e.webhook_code.as_str()) {
            ("TRANSACTIONS", "SYNC_UPDATES_AVAILABLE") => Self::SyncUpdatesAvailable {
                item_id: item()?,
                initial_update_complete: e.initial_update_complete.unwrap_or(false),
                historical_update_complete: e.historical_update_complete.unwrap_or(false),
            },
            ("ITEM", "ERROR") => Self::ItemError { item_id: item()?, error: e.error.clone() },
            ("ITEM", "PENDING_EXPIRATION") => {
                Self::PendingExpiration { item_id: item()?, consent_expiration_time: e.consent_expiration_time }
            }
            ("ITEM", "PENDING_DISCONNECT") => Self::PendingDisconnect {
                item_id: item()?,
                reason: e.reason.clone(),
                disconnect_time: e.disconnect_time,
            },
            ("ITEM", "USER_PERMISSION_REVOKED") => Self::UserPermissionRevoked { item_id: item()? },
            ("ITEM", "USER_ACCOUNT_REVOKED") => Self::UserAccountRevoked {
                item_id: item()?,
                account_id: e.account_id.clone().ok_or_else(|| "`account_id` is missing".to_string())?,
            },
            ("ITEM", "NEW_ACCOUNTS_AVAILABLE") => Self::NewAccountsAvailable { item_id: item()? },
            ("ITEM", "WEBHOOK_UPDATE_ACKNOWLEDGED") => Self::WebhookUpdateAcknowledged {
                item_id: item()?,
                new_webhook_url: e.new_webhook_url.clone().unwrap_or_default(),
            },
            ("ITEM", "LOGIN_REPAIRED") => Self::LoginRepaired { item_id: item()? },
            ("LIABILITIES", "DEFAULT_UPDATE") => Self::LiabilitiesUpdated { item_id: item()? },
            ("HOLDINGS", "DEFAULT_UPDATE") => Self::HoldingsUpdated { item_id: item()? },
            ("INVESTMENTS_TRANSACTIONS", "DEFAULT_UPDATE") => Self::InvestmentTransactionsUpdated { item_id: item()? },
            _ => Self::Unknown {
                webhook_type: e.webhook_type.clone(),
                webhook_code: e.webhook_code.clone(),
                item_id: e.item_id.clone(),
            },
        })
    }

    /// The Item the webhook is about, if any.
    pub fn item_id(&self) -> Option<&str> {
        match self {
            Self::SyncUpdatesAvailable { item_id, .. }
            | Self::ItemError { item_id, .. }
            | Self::PendingExpiration { item_id, .. }
            | Self::PendingDisconnect { item_id, .. }
            | Self::UserPermissionRevoked { item_id }
            | Self::UserAccountRevoked { item_id, .. }
            | Self::NewAccountsAvailable { item_id }
            | Self::WebhookUpdateAcknowledged { item_id, .. }
            | Self::LoginRepaired { item_id }
            | Self::LiabilitiesUpdated { item_id }
            | Self::HoldingsUpdated { item_id }
            | Self::InvestmentTransactionsUpdated { item_id } => Some(item_id),
            Self::Unknown { item_id, .. } | Self::Unreadable { item_id, .. } => item_id.as_deref(),
        }
    }

    /// `TYPE/CODE`, for logs and audit.
    pub fn kind(&self) -> String {
        match self {
            Self::SyncUpdatesAvailable { .. } => "TRANSACTIONS/SYNC_UPDATES_AVAILABLE".into(),
            Self::ItemError { .. } => "ITEM/ERROR".into(),
            Self::PendingExpiration { .. } => "ITEM/PENDING_EXPIRATION".into(),
            Self::PendingDisconnect { .. } => "ITEM/PENDING_DISCONNECT".into(),
            Self::UserPermissionRevoked { .. } => "ITEM/USER_PERMISSION_REVOKED".into(),
            Self::UserAccountRevoked { .. } => "ITEM/USER_ACCOUNT_REVOKED".into(),
            Self::NewAccountsAvailable { .. } => "ITEM/NEW_ACCOUNTS_AVAILABLE".into(),
            Self::WebhookUpdateAcknowledged { .. } => "ITEM/WEBHOOK_UPDATE_ACKNOWLEDGED".into(),
            Self::LoginRepaired { .. } => "ITEM/LOGIN_REPAIRED".into(),
            Self::LiabilitiesUpdated { .. } => "LIABILITIES/DEFAULT_UPDATE".into(),
            Self::HoldingsUpdated { .. } => "HOLDINGS/DEFAULT_UPDATE".into(),
            Self::InvestmentTransactionsUpdated { .. } => "INVESTMENTS_TRANSACTIONS/DEFAULT_UPDATE".into(),
            Self::Unknown { webhook_type, webhook_code, .. } => format!("{webhook_type}/{webhook_code}"),
            Self::Unreadable { webhook_type, webhook_code, .. } => format!(
                "{}/{} (unreadable)",
                webhook_type.as_deref().unwrap_or("?"),
                webhook_code.as_deref().unwrap_or("?")
            ),
        }
    }
}
