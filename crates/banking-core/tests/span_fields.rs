//! Operators find a store call's log lines by the user and Item they concern: the spans carry
//! those values (a span field declared without one is recorded empty).

use std::sync::{Arc, Mutex};

use banking_core::{
    model::Role,
    store::{NewItem, SealedToken, SyncChanges},
    testing::fresh,
};
use tracing_subscriber::fmt::{format::FmtSpan, MakeWriter};

/// Everything the subscriber writes, kept for the test to read.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn store_spans_carry_the_user_and_the_item() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_ansi(false)
        .with_span_events(FmtSpan::NEW)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);

    let store = fresh("sqlite").await.store();
    let user = store.upsert_user("span-alice", "h", Role::Trader).await.unwrap();
    let item = NewItem {
        item_id: "item-span".into(),
        user_id: user,
        institution_id: Some("ins_1".into()),
        institution_name: "Bank".into(),
        token: SealedToken { ciphertext: vec![0; 13], key_id: "k1".into() },
        webhook_url: None,
    };
    store.insert_item(&item, &[]).await.unwrap();
    store.find_duplicate_item(user, "ins_1", &["0000".into()]).await.unwrap();
    let changes = SyncChanges::default();
    assert!(store.apply_sync("item-span", user, None, "c1", &changes, 1).await.unwrap());
    store.delete_item(user, "item-span").await.unwrap();

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let span = |name: &str| {
        logs.lines().find(|l| l.contains(&format!("{name}{{"))).unwrap_or_else(|| panic!("no {name} span in:\n{logs}"))
    };
    assert!(span("upsert_user").contains("username=span-alice"), "{logs}");
    for name in ["find_duplicate_item", "apply_sync", "delete_item"] {
        assert!(span(name).contains(&format!("user={user}")), "{name}: {logs}");
    }
    assert!(span("apply_sync").contains("item_id=item-span"), "{logs}");
    assert!(span("delete_item").contains("item_id=item-span"), "{logs}");
    assert!(span("find_duplicate_item").contains("institution_id=ins_1"), "{logs}");
}
