//! Resuming Link after an OAuth bank's redirect: the Link token is kept in local storage
//! while the user is at the bank, and the page the bank redirects to re-creates Link with
//! it. On the server the same API exists as no-ops.

/// What the page's address says about an OAuth bank's redirect.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))] // the server only ever sees `None`
pub enum OAuthReturn {
    /// No redirect: an ordinary visit.
    None,
    /// A redirect with the session to resume.
    Resume(OAuthResume),
    /// A redirect this browser kept no session for.
    Orphan,
}

/// A Link session to resume after a bank's OAuth redirect.
pub struct OAuthResume {
    /// The token Link was opened with.
    pub token: String,
    /// The Item it was opened for (update mode), or `None` for a new bank.
    pub item_id: Option<String>,
    /// The full URL, for `receivedRedirectUri`.
    pub href: String,
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::JsValue;

    use super::{OAuthResume, OAuthReturn};

    /// Keeps the token of the Link session being opened, with the Item it is for (empty for
    /// a new bank), so the OAuth return can re-create Link with the same token in the same
    /// widget.
    pub fn remember_token(key: &str, item_id: Option<&str>, token: &str) {
        if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = storage.set_item(key, &format!("{}\n{token}", item_id.unwrap_or_default()));
        }
    }

    /// Forgets the kept token.
    pub fn forget_token(key: &str) {
        if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = storage.remove_item(key);
        }
    }

    /// When the page was reopened by the bank's OAuth redirect (`?oauth_state_id=`): what to
    /// resume, if a token was kept. Used once: the kept token is forgotten and the query is
    /// taken off the address bar (also when there is nothing to resume), so a reload or a
    /// later token refresh starts afresh.
    pub fn oauth_return(key: &str) -> OAuthReturn {
        let Some(window) = web_sys::window() else { return OAuthReturn::None };
        let Some(url) = window.location().href().ok().and_then(|href| web_sys::Url::new(&href).ok()) else {
            return OAuthReturn::None;
        };
        if url.search_params().get("oauth_state_id").is_none() {
            return OAuthReturn::None;
        }
        let href = url.href();
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url.pathname()));
        }
        let stored = window.local_storage().ok().flatten().and_then(|s| s.get_item(key).ok().flatten());
        forget_token(key);
        match stored.as_deref().and_then(|s| s.split_once('\n')) {
            Some((owner, token)) => OAuthReturn::Resume(OAuthResume {
                token: token.to_string(),
                item_id: (!owner.is_empty()).then(|| owner.to_string()),
                href,
            }),
            None => OAuthReturn::Orphan,
        }
    }
}

#[cfg(not(feature = "hydrate"))]
mod server {
    use super::OAuthReturn;

    /// Nothing is kept on the server.
    pub fn remember_token(_key: &str, _item_id: Option<&str>, _token: &str) {}

    /// Nothing is kept on the server.
    pub fn forget_token(_key: &str) {}

    /// The server never sees an OAuth return here.
    pub fn oauth_return(_key: &str) -> OAuthReturn {
        OAuthReturn::None
    }
}

#[cfg(feature = "hydrate")]
pub use browser::*;
#[cfg(not(feature = "hydrate"))]
pub use server::*;
