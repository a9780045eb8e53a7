//! Webhook verification with keys generated in the test.

mod common;

use plaid_client::{
    webhook::{WebhookPayload, WebhookRejection, WebhookSigner, WebhookVerifier},
    Error,
};
use serde_json::json;

const BODY: &[u8] = br#"{"webhook_type":"TRANSACTIONS","webhook_code":"SYNC_UPDATES_AVAILABLE","item_id":"item-1","initial_update_complete":true,"historical_update_complete":false,"environment":"sandbox"}"#;
const NOW: i64 = 1_800_000_000;

async fn serve_key(server: &mut mockito::ServerGuard, signer: &WebhookSigner, expired: bool) -> mockito::Mock {
    let mut key = signer.jwk();
    if expired {
        key.expired_at = Some(NOW - 10);
    }
    server
        .mock("POST", "/webhook_verification_key/get")
        .match_body(mockito::Matcher::Json(json!({"key_id": signer.kid()})))
        .with_body(json!({"key": key, "request_id": "r1"}).to_string())
        .create_async()
        .await
}

fn rejection(result: Result<WebhookPayload, Error>) -> WebhookRejection {
    match result {
        Err(Error::Webhook(reason)) => reason,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[tokio::test]
async fn a_valid_webhook_passes_and_is_parsed() {
    let mut server = mockito::Server::new_async().await;
    let signer = WebhookSigner::generate("kid-1");
    serve_key(&mut server, &signer, false).await;
    let verifier = WebhookVerifier::new(common::client(&server.url()));
    let header = signer.sign(BODY, NOW - 30);
    let payload = verifier.verify_at(Some(&header), BODY, NOW).await.unwrap();
    assert_eq!(
        payload,
        WebhookPayload::SyncUpdatesAvailable {
            item_id: "item-1".into(),
            initial_update_complete: true,
            historical_update_complete: false
        }
    );
}

#[tokio::test]
async fn each_failure_has_its_own_reason() {
    let mut server = mockito::Server::new_async().await;
    let signer = WebhookSigner::generate("kid-1");
    let expired_signer = WebhookSigner::generate("kid-expired");
    serve_key(&mut server, &signer, false).await;
    serve_key(&mut server, &expired_signer, true).await;
    let verifier = WebhookVerifier::new(common::client(&server.url()));

    // Missing header.
    assert_eq!(rejection(verifier.verify_at(None, BODY, NOW).await), WebhookRejection::MissingHeader);
    // Wrong algorithm (HS256 would let a forger use the public key as an HMAC secret).
    let hs256 = signer.sign_with_header(&json!({"alg": "HS256", "kid": "kid-1"}), BODY, NOW);
    assert_eq!(rejection(verifier.verify_at(Some(&hs256), BODY, NOW).await), WebhookRejection::WrongAlgorithm);
    // Wrong key: signed by someone else under our kid.
    let forged = WebhookSigner::generate("kid-1").sign(BODY, NOW);
    assert_eq!(rejection(verifier.verify_at(Some(&forged), BODY, NOW).await), WebhookRejection::BadSignature);
    // Expired key.
    let with_expired = expired_signer.sign(BODY, NOW);
    assert_eq!(rejection(verifier.verify_at(Some(&with_expired), BODY, NOW).await), WebhookRejection::KeyExpired);
    // Old iat.
    let old = signer.sign(BODY, NOW - 5 * 60 - 1);
    assert_eq!(rejection(verifier.verify_at(Some(&old), BODY, NOW).await), WebhookRejection::Stale);
    // Tampered body.
    let good = signer.sign(BODY, NOW);
    let tampered = String::from_utf8(BODY.to_vec()).unwrap().replace("item-1", "item-2");
    assert_eq!(
        rejection(verifier.verify_at(Some(&good), tampered.as_bytes(), NOW).await),
        WebhookRejection::BodyMismatch
    );
    // Garbage header.
    assert_eq!(rejection(verifier.verify_at(Some("not.a-jwt"), BODY, NOW).await), WebhookRejection::MalformedToken);
    // And the good one still passes.
    assert!(verifier.verify_at(Some(&good), BODY, NOW).await.is_ok());
}

#[tokio::test]
async fn an_unknown_kid_is_refused_and_not_asked_about_again() {
    let mut server = mockito::Server::new_async().await;
    let lookup = server
        .mock("POST", "/webhook_verification_key/get")
        .with_status(400)
        .with_body(common::plaid_error("INVALID_INPUT", "INVALID_WEBHOOK_VERIFICATION_KEY_ID"))
        .expect(1)
        .create_async()
        .await;
    let verifier = WebhookVerifier::new(common::client(&server.url()));
    let header = WebhookSigner::generate("nope").sign(BODY, NOW);
    for _ in 0..3 {
        assert_eq!(rejection(verifier.verify_at(Some(&header), BODY, NOW).await), WebhookRejection::KeyUnavailable);
    }
    lookup.assert_async().await;
}

#[tokio::test]
async fn oversized_or_odd_headers_and_key_ids_are_refused_before_any_lookup() {
    let mut server = mockito::Server::new_async().await;
    let lookup = server.mock("POST", "/webhook_verification_key/get").expect(0).create_async().await;
    let verifier = WebhookVerifier::new(common::client(&server.url()));
    let long_kid = "k".repeat(plaid_client::webhook::MAX_KID_LEN + 1);
    let cases = [
        WebhookSigner::generate(long_kid).sign(BODY, NOW),
        WebhookSigner::generate("has space").sign(BODY, NOW),
        WebhookSigner::generate("").sign(BODY, NOW),
        format!(
            "{}.{}",
            WebhookSigner::generate("kid").sign(BODY, NOW),
            "x".repeat(plaid_client::webhook::MAX_HEADER_LEN)
        ),
    ];
    for header in cases {
        assert_eq!(rejection(verifier.verify_at(Some(&header), BODY, NOW).await), WebhookRejection::MalformedToken);
    }
    lookup.assert_async().await;
}

#[tokio::test]
async fn plaid_down_while_fetching_the_key_is_not_a_rejection() {
    let mut server = mockito::Server::new_async().await;
    server
        .mock("POST", "/webhook_verification_key/get")
        .with_status(500)
        .with_body(common::plaid_error("API_ERROR", "INTERNAL_SERVER_ERROR"))
        .expect_at_least(1)
        .create_async()
        .await;
    let verifier = WebhookVerifier::new(common::client(&server.url()));
    let header = WebhookSigner::generate("kid-1").sign(BODY, NOW);
    // The webhook may be genuine: the caller answers "try again", not "forged".
    match verifier.verify_at(Some(&header), BODY, NOW).await {
        Err(Error::Api(api)) => assert_eq!(api.error_code, "INTERNAL_SERVER_ERROR"),
        other => panic!("expected Plaid's own error, got {other:?}"),
    }
}

#[tokio::test]
async fn concurrent_misses_share_one_key_fetch() {
    let mut server = mockito::Server::new_async().await;
    let signer = WebhookSigner::generate("kid-shared");
    let fetch = server
        .mock("POST", "/webhook_verification_key/get")
        .with_chunked_body({
            let body = json!({"key": signer.jwk(), "request_id": "r1"}).to_string();
            move |w| {
                std::thread::sleep(std::time::Duration::from_millis(100));
                w.write_all(body.as_bytes())
            }
        })
        .expect(1)
        .create_async()
        .await;
    let verifier = WebhookVerifier::new(common::client(&server.url()));
    let header = signer.sign(BODY, NOW);
    let checks = (0..8).map(|_| {
        let (verifier, header) = (verifier.clone(), header.clone());
        tokio::spawn(async move { verifier.verify_at(Some(&header), BODY, NOW).await.is_ok() })
    });
    for check in checks {
        assert!(check.await.unwrap());
    }
    fetch.assert_async().await;
}

#[test]
fn every_webhook_we_handle_parses_into_its_variant() {
    let parse = |v: serde_json::Value| WebhookPayload::parse(v.to_string().as_bytes());
    let item =
        |code: &str| json!({"webhook_type": "ITEM", "webhook_code": code, "item_id": "i", "environment": "sandbox"});
    let mut error = item("ERROR");
    error["error"] = json!({"error_type": "ITEM_ERROR", "error_code": "ITEM_LOGIN_REQUIRED", "error_message": "m", "display_message": null});
    assert!(
        matches!(parse(error), WebhookPayload::ItemError { error: Some(e), .. } if e.error_code == "ITEM_LOGIN_REQUIRED")
    );
    let mut expiring = item("PENDING_EXPIRATION");
    expiring["consent_expiration_time"] = json!("2026-12-01T00:00:00Z");
    assert!(matches!(parse(expiring), WebhookPayload::PendingExpiration { consent_expiration_time: Some(_), .. }));
    let mut disconnect = item("PENDING_DISCONNECT");
    disconnect["reason"] = json!("INSTITUTION_MIGRATION");
    disconnect["disconnect_time"] = json!("2026-12-01T00:00:00Z");
    assert!(matches!(
        parse(disconnect),
        WebhookPayload::PendingDisconnect { reason: Some(_), disconnect_time: Some(_), .. }
    ));
    assert!(matches!(parse(item("USER_PERMISSION_REVOKED")), WebhookPayload::UserPermissionRevoked { .. }));
    let mut account = item("USER_ACCOUNT_REVOKED");
    account["account_id"] = json!("acc");
    assert!(matches!(parse(account), WebhookPayload::UserAccountRevoked { .. }));
    assert!(matches!(parse(item("NEW_ACCOUNTS_AVAILABLE")), WebhookPayload::NewAccountsAvailable { .. }));
    let mut ack = item("WEBHOOK_UPDATE_ACKNOWLEDGED");
    ack["new_webhook_url"] = json!("https://x");
    assert!(matches!(parse(ack), WebhookPayload::WebhookUpdateAcknowledged { .. }));
    assert!(matches!(parse(item("LOGIN_REPAIRED")), WebhookPayload::LoginRepaired { .. }));
    let legacy = json!({"webhook_type": "TRANSACTIONS", "webhook_code": "DEFAULT_UPDATE", "item_id": "i", "new_transactions": 3});
    assert!(matches!(parse(legacy), WebhookPayload::Unknown { item_id: Some(_), .. }));
}

#[test]
fn a_body_we_cannot_read_is_unreadable_not_an_error() {
    let unreadable = |body: &[u8]| match WebhookPayload::parse(body) {
        WebhookPayload::Unreadable { webhook_type, webhook_code, item_id, .. } => (webhook_type, webhook_code, item_id),
        other => panic!("expected Unreadable, got {other:?}"),
    };
    // A code we handle with a field missing: the readable parts are kept for the audit.
    let (t, c, i) = unreadable(br#"{"webhook_type":"ITEM","webhook_code":"USER_ACCOUNT_REVOKED","item_id":"i"}"#);
    assert_eq!((t.as_deref(), c.as_deref(), i.as_deref()), (Some("ITEM"), Some("USER_ACCOUNT_REVOKED"), Some("i")));
    // A field of a future shape.
    let (_, c, _) = unreadable(
        br#"{"webhook_type":"ITEM","webhook_code":"PENDING_EXPIRATION","item_id":"i","consent_expiration_time":{"at":1}}"#,
    );
    assert_eq!(c.as_deref(), Some("PENDING_EXPIRATION"));
    assert_eq!(unreadable(b"not json at all"), (None, None, None));
    assert_eq!(WebhookPayload::parse(b"[]").kind(), "?/? (unreadable)");
}

#[tokio::test]
async fn a_verified_body_that_does_not_parse_is_accepted() {
    let mut server = mockito::Server::new_async().await;
    let signer = WebhookSigner::generate("kid-unreadable");
    serve_key(&mut server, &signer, false).await;
    let verifier = WebhookVerifier::new(common::client(&server.url()));
    let body = br#"{"webhook_type":"ITEM","webhook_code":"SOMETHING_NEW","item_id":"i","shape":{"v":2}}"#;
    let header = signer.sign(body, NOW);
    let payload = verifier.verify_at(Some(&header), body, NOW).await.expect("verified, so accepted");
    assert_eq!(payload.kind(), "ITEM/SOMETHING_NEW");
    let broken = br#"{"webhook_type":"ITEM","webhook_code":"USER_ACCOUNT_REVOKED"}"#;
    let header = signer.sign(broken, NOW);
    let payload = verifier.verify_at(Some(&header), broken, NOW).await.expect("verified, so accepted");
    assert!(matches!(payload, WebhookPayload::Unreadable { .. }));
}
