//! Access tokens encrypted at rest with AES-256-GCM.
//!
//! Each value gets a random 96-bit nonce (stored in front of the ciphertext) and binds the
//! user id and Item id as associated data, so a ciphertext copied to another row fails to
//! open. Keys are a list with one active key: new values use the active key, values sealed
//! under an older key still open and are re-sealed when read ([`TokenCipher::needs_reseal`]).

use std::{collections::HashMap, path::Path};

use aes_gcm::{
    aead::{Aead, AeadCore, KeyInit, OsRng, Payload},
    Aes256Gcm, Nonce,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use plaid_client::AccessToken;

use crate::{model::UserId, store::SealedToken, Error, Result};

const NONCE_LEN: usize = 12;

/// Encrypts and decrypts access tokens. `Debug` shows key ids only.
#[derive(Clone)]
pub struct TokenCipher {
    active: String,
    keys: HashMap<String, Aes256Gcm>,
}

impl std::fmt::Debug for TokenCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut ids: Vec<_> = self.keys.keys().collect();
        ids.sort();
        f.debug_struct("TokenCipher").field("active", &self.active).field("key_ids", &ids).finish()
    }
}

impl TokenCipher {
    /// Parses `id:base64key[,id:base64key…]`; the first key is the active one. Each key is 32
    /// random bytes in standard base64 (`openssl rand -base64 32`).
    pub fn from_spec(spec: &str) -> Result<Self> {
        let mut active = None;
        let mut keys = HashMap::new();
        for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (id, encoded) = entry
                .split_once(':')
                .ok_or_else(|| Error::Config("ENCRYPTION_KEYS entries must look like `id:base64key`".into()))?;
            let bytes = STANDARD
                .decode(encoded)
                .map_err(|_| Error::Config(format!("ENCRYPTION_KEYS: key `{id}` is not valid base64")))?;
            if bytes.len() != 32 {
                return Err(Error::Config(format!(
                    "ENCRYPTION_KEYS: key `{id}` must be 32 bytes, got {}",
                    bytes.len()
                )));
            }
            if id.is_empty() || keys.contains_key(id) {
                return Err(Error::Config(format!("ENCRYPTION_KEYS: key id `{id}` is empty or repeated")));
            }
            let cipher = Aes256Gcm::new_from_slice(&bytes)
                .map_err(|_| Error::Config(format!("ENCRYPTION_KEYS: key `{id}` is unusable")))?;
            keys.insert(id.to_string(), cipher);
            active.get_or_insert_with(|| id.to_string());
        }
        let active = active.ok_or_else(|| Error::Config("ENCRYPTION_KEYS is empty".into()))?;
        Ok(Self { active, keys })
    }

    /// A fresh random key spec `id:base64`, for set-up and tests.
    pub fn generate_spec(id: &str) -> String {
        format!("{id}:{}", STANDARD.encode(Aes256Gcm::generate_key(OsRng)))
    }

    /// Simulation mode only: the key kept in `dir/dev-encryption-key`, created on first use.
    pub fn dev_key_in(dir: &Path) -> Result<Self> {
        let path = dir.join("dev-encryption-key");
        let spec = match std::fs::read_to_string(&path) {
            Ok(spec) => spec,
            Err(_) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| Error::Config(format!("cannot create {}: {e}", dir.display())))?;
                let spec = Self::generate_spec("dev");
                write_private(&path, &spec)?;
                spec
            }
        };
        tracing::warn!(
            path = %path.display(),
            "SIMULATION MODE: access tokens are encrypted with a development key stored next to the data. \
             Never use this for real bank data; set ENCRYPTION_KEYS."
        );
        Self::from_spec(spec.trim())
    }

    /// The id new values are sealed with.
    pub fn active_key_id(&self) -> &str {
        &self.active
    }

    /// Encrypts `token` for the given user and Item.
    pub fn seal(&self, user: UserId, item_id: &str, token: &AccessToken) -> SealedToken {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let aad = associated_data(user, item_id);
        let ciphertext = self.keys[&self.active]
            .encrypt(&nonce, Payload { msg: token.expose().as_bytes(), aad: aad.as_bytes() })
            .expect("AES-GCM encryption of a short token cannot fail");
        let mut value = nonce.to_vec();
        value.extend_from_slice(&ciphertext);
        SealedToken { ciphertext: value, key_id: self.active.clone() }
    }

    /// Decrypts a stored token; fails if the key is unknown or the value was moved or altered.
    pub fn open(&self, user: UserId, item_id: &str, sealed: &SealedToken) -> Result<AccessToken> {
        let key = self.keys.get(&sealed.key_id).ok_or_else(|| {
            tracing::error!(key_id = %sealed.key_id, item_id, "access token sealed with a key that is not configured");
            Error::Internal
        })?;
        if sealed.ciphertext.len() <= NONCE_LEN {
            return Err(Error::Internal);
        }
        let (nonce, ciphertext) = sealed.ciphertext.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| Error::Internal)?;
        let aad = associated_data(user, item_id);
        let plain =
            key.decrypt(&Nonce::from(nonce), Payload { msg: ciphertext, aad: aad.as_bytes() }).map_err(|_| {
                tracing::error!(item_id, "access token failed to decrypt (wrong row or tampered)");
                Error::Internal
            })?;
        String::from_utf8(plain).map(AccessToken::new).map_err(|_| Error::Internal)
    }

    /// True when the value was sealed with an older key and should be re-sealed.
    pub fn needs_reseal(&self, sealed: &SealedToken) -> bool {
        sealed.key_id != self.active
    }
}

fn associated_data(user: UserId, item_id: &str) -> String {
    format!("plaid-access-token:v1:user={user}:item={item_id}")
}

fn write_private(path: &Path, contents: &str) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| Error::Config(format!("cannot create {}: {e}", path.display())))?;
    file.write_all(contents.as_bytes()).map_err(|e| Error::Config(format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> AccessToken {
        AccessToken::new("access-sandbox-0f8f3c2e-secret")
    }

    #[test]
    fn round_trip() {
        let cipher = TokenCipher::from_spec(&TokenCipher::generate_spec("k1")).unwrap();
        let sealed = cipher.seal(7, "item-a", &token());
        assert_eq!(sealed.key_id, "k1");
        assert_eq!(cipher.open(7, "item-a", &sealed).unwrap(), token());
    }

    #[test]
    fn each_seal_uses_a_fresh_nonce() {
        let cipher = TokenCipher::from_spec(&TokenCipher::generate_spec("k1")).unwrap();
        assert_ne!(cipher.seal(7, "item-a", &token()).ciphertext, cipher.seal(7, "item-a", &token()).ciphertext);
    }

    #[test]
    fn a_value_moved_to_another_user_or_item_does_not_open() {
        let cipher = TokenCipher::from_spec(&TokenCipher::generate_spec("k1")).unwrap();
        let sealed = cipher.seal(7, "item-a", &token());
        assert!(cipher.open(8, "item-a", &sealed).is_err());
        assert!(cipher.open(7, "item-b", &sealed).is_err());
        let mut tampered = sealed.clone();
        *tampered.ciphertext.last_mut().unwrap() ^= 1;
        assert!(cipher.open(7, "item-a", &tampered).is_err());
    }

    #[test]
    fn rotation_keeps_old_values_readable_and_flags_them() {
        let old_spec = TokenCipher::generate_spec("old");
        let old = TokenCipher::from_spec(&old_spec).unwrap();
        let sealed_old = old.seal(1, "item", &token());
        let rotated = TokenCipher::from_spec(&format!("{},{old_spec}", TokenCipher::generate_spec("new"))).unwrap();
        assert_eq!(rotated.active_key_id(), "new");
        assert_eq!(rotated.open(1, "item", &sealed_old).unwrap(), token());
        assert!(rotated.needs_reseal(&sealed_old));
        let resealed = rotated.seal(1, "item", &token());
        assert!(!rotated.needs_reseal(&resealed));
        // The old cipher alone cannot read values sealed under the new key.
        assert!(old.open(1, "item", &resealed).is_err());
    }

    #[test]
    fn bad_specs_are_refused_with_the_reason() {
        for (spec, needle) in [("", "empty"), ("k1", "id:base64key"), ("k1:@@@", "base64"), ("k1:AAAA", "32 bytes")] {
            let err = TokenCipher::from_spec(spec).unwrap_err().to_string();
            assert!(err.contains(needle), "{spec:?}: {err}");
        }
    }

    #[test]
    fn debug_never_shows_key_material() {
        let spec = TokenCipher::generate_spec("k1");
        let cipher = TokenCipher::from_spec(&spec).unwrap();
        let printed = format!("{cipher:?} {:?}", cipher.seal(1, "i", &token()));
        assert!(!printed.contains(spec.split(':').nth(1).unwrap()));
        assert!(!printed.contains("secret"));
    }
}
