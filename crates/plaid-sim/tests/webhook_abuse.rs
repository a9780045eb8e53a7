//! Forged webhooks cannot make the verifier grow or call Plaid at will (one test per process,
//! so the resident-memory figure is this test's own).

use std::time::Duration;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use plaid_client::{
    webhook::{WebhookRejection, WebhookSigner, WebhookVerifier, MAX_LOOKUPS_PER_WINDOW},
    Environment, Error, PlaidClient,
};
use plaid_sim::{spawn, SimConfig};
use rand::{distributions::Alphanumeric, Rng};

const KEY_PATH: &str = "/webhook_verification_key/get";

fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn random_kid(len: usize) -> String {
    rand::thread_rng().sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

/// A forged token: a well-formed ES256 JWT for `body` with `kid`, signed by a key Plaid
/// never issued.
fn forged(kid: &str, body: &[u8]) -> String {
    WebhookSigner::generate(kid).sign(body, chrono::Utc::now().timestamp())
}

#[tokio::test]
async fn forged_webhooks_with_made_up_key_ids_neither_grow_memory_nor_reach_plaid() {
    let (url, sim) = spawn(SimConfig::default()).await.unwrap();
    let client = PlaidClient::builder(Environment::Custom(url), "sim-client-id", "sim-secret")
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let verifier = WebhookVerifier::new(client);
    let body = br#"{"webhook_type":"ITEM","webhook_code":"WEBHOOK_UPDATE_ACKNOWLEDGED","item_id":"x"}"#;

    // A genuine webhook: its key is fetched once and kept.
    verifier.verify(Some(&sim.sign_webhook(body)), body).await.unwrap();
    assert_eq!(sim.calls(KEY_PATH), 1);

    let before = resident_kib();
    // 2,000 forgeries with random 8 KB key ids: refused on sight, no lookup at all.
    for _ in 0..2000 {
        let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"ES256","kid":"{}"}}"#, random_kid(8192)));
        let token = format!("{header}.e30.AAAA");
        let err = verifier.verify(Some(&token), body).await.unwrap_err();
        assert!(matches!(err, Error::Webhook(WebhookRejection::MalformedToken)), "{err}");
    }
    // A kid of legal length but made up, signed well: looked up at most the budget's times.
    let mut limited = 0;
    for _ in 0..2000 {
        match verifier.verify(Some(&forged(&random_kid(36), body)), body).await.unwrap_err() {
            Error::Webhook(WebhookRejection::KeyUnavailable) => {}
            Error::LookupLimit => limited += 1,
            other => panic!("unexpected: {other}"),
        }
    }
    let grown_kib = resident_kib().saturating_sub(before);
    // The genuine lookup and the forged ones share one budget per minute.
    let lookups = sim.calls(KEY_PATH);
    assert_eq!(lookups, MAX_LOOKUPS_PER_WINDOW as u64, "Plaid's key endpoint called a handful of times");
    assert_eq!(limited, 2000 - (lookups as usize - 1), "the rest were not looked up");
    assert!(grown_kib < 10 * 1024, "resident memory grew by {grown_kib} KiB");

    // The same refused id again costs nothing, and the genuine key still works.
    verifier.verify(Some(&sim.sign_webhook(body)), body).await.unwrap();
    assert_eq!(sim.calls(KEY_PATH), lookups);
}
