//! What a failed Plaid call leaves in the logs (its own test binary: tracing's per-callsite
//! interest is process-wide, so a subscriber set here must not race other tests).

mod common;

use plaid_client::{api::*, AccessToken};

#[tokio::test]
async fn a_failed_call_is_logged_at_warn_with_plaids_ids_and_never_the_token() {
    let mut server = mockito::Server::new_async().await;
    server
        .mock("POST", "/accounts/get")
        .with_status(400)
        .with_body(common::plaid_error("ITEM_ERROR", "ITEM_LOGIN_REQUIRED"))
        .create_async()
        .await;
    let logs = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || LogWriter(writer.clone()))
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let request = AccountsGetRequest::new(&AccessToken::new("access-sandbox-secret-token"));
    common::client(&server.url()).send(&request).await.unwrap_err();
    let logged = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    assert!(logged.contains("WARN"), "{logged}");
    for field in ["error_type=ITEM_ERROR", "error_code=ITEM_LOGIN_REQUIRED", "request_id=\"req-123\"", "/accounts/get"]
    {
        assert!(logged.contains(field), "{field} missing from: {logged}");
    }
    assert!(!logged.contains("access-sandbox-secret-token"), "the token leaked: {logged}");
}

struct LogWriter(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
