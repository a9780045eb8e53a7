//! Where to send a user after sign-in: the `next` parameter, accepted only when it stays on
//! our own origin.

use url::Url;

/// Where users go when `next` is missing or refused.
pub const DEFAULT_NEXT: &str = "/cash-flow";

/// Longest `next` accepted.
const MAX_NEXT_LEN: usize = 512;

/// The path (and query) to redirect to after sign-in: `next` parsed as a URL relative to
/// `base` (the public URL) and kept only when it stays on `base`'s origin. Anything with
/// control characters, whitespace or backslashes, raw or percent-encoded (`/%09/evil.example`,
/// `/\t/evil.example`, `%0a`), a scheme or a host, gives [`DEFAULT_NEXT`]. Never panics.
pub fn safe_next(next: Option<&str>, base: &Url) -> String {
    next.and_then(|raw| checked(raw, base)).unwrap_or_else(|| DEFAULT_NEXT.to_string())
}

fn checked(raw: &str, base: &Url) -> Option<String> {
    if raw.len() > MAX_NEXT_LEN || !raw.starts_with('/') || raw.starts_with("//") {
        return None;
    }
    let suspicious = |b: u8| b.is_ascii_control() || b == b' ' || b == b'\\' || b >= 0x80;
    if raw.bytes().any(suspicious) || percent_decoded(raw).iter().any(|&b| suspicious(b)) {
        return None;
    }
    if percent_decoded(raw).starts_with(b"//") {
        return None;
    }
    let url = base.join(raw).ok()?;
    if url.origin() != base.origin() {
        return None;
    }
    let mut target = url.path().to_string();
    if let Some(query) = url.query() {
        target.push('?');
        target.push_str(query);
    }
    (target.starts_with('/') && !target.starts_with("//")).then_some(target)
}

/// `raw` with every `%XX` decoded (malformed escapes kept as they are).
fn percent_decoded(raw: &str) -> Vec<u8> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn base() -> Url {
        Url::parse("https://cash.example").unwrap()
    }

    #[test]
    fn local_paths_pass_and_everything_else_goes_to_the_dashboard() {
        let base = base();
        assert_eq!(safe_next(Some("/cash-flow?x=1"), &base), "/cash-flow?x=1");
        assert_eq!(safe_next(Some("/cash-flow/../login"), &base), "/login");
        for refused in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil.example",
            "/%09/evil.example",
            "/\t/evil.example",
            "/%0a/evil.example",
            "/%5c%5cevil.example",
            "/%2F%2Fevil.example",
            "/ /evil.example",
            "cash-flow",
            "javascript:alert(1)",
            "/caf\u{e9}",
            "",
        ] {
            assert_eq!(safe_next(Some(refused), &base), DEFAULT_NEXT, "{refused:?}");
        }
        assert_eq!(safe_next(None, &base), DEFAULT_NEXT);
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(600))), &base), DEFAULT_NEXT);
    }

    /// Strings built from the characters open redirects are made of, and arbitrary ones.
    fn candidates() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::string::string_regex("[/\\\\%.:@?#a-z0-9\t\n\r ]{0,24}").unwrap(),
            proptest::string::string_regex("/(%[0-9a-fA-F]{2}|[/\\\\.:@a-z])*").unwrap(),
            any::<String>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn no_redirect_leaves_the_origin(raw in candidates()) {
            let base = base();
            let target = safe_next(Some(&raw), &base);
            prop_assert!(target.starts_with('/') && !target.starts_with("//"), "{target:?}");
            prop_assert!(!target.bytes().any(|b| b.is_ascii_control() || b == b'\\'), "{target:?}");
            // As a browser resolves the Location header, and as a sloppy proxy that decodes
            // it first would.
            prop_assert_eq!(base.join(&target).unwrap().origin(), base.origin());
            let decoded = String::from_utf8_lossy(&percent_decoded(&target)).into_owned();
            prop_assert_eq!(base.join(&decoded).unwrap().origin(), base.origin());
        }
    }
}
