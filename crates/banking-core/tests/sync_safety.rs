//! Sync under duplicated and reordered webhooks, concurrency, mutation during pagination and
//! Plaid failures mid-paging, on SQLite and Postgres.

mod common;

use std::collections::HashSet;

use banking_core::model::{ItemStatus, TransactionFilter};
use plaid_client::webhook::WebhookPayload;
use serde_json::json;

async fn linked(h: &common::Harness) -> String {
    let (token, metadata) = h.link("ins_109510").await;
    let item = h.service.exchange_public_token(h.user, &token, &metadata).await.unwrap();
    h.wait_synced(&item.item.item_id).await;
    item.item.item_id
}

async fn ids(h: &common::Harness) -> Vec<String> {
    h.service
        .transactions(h.user, &TransactionFilter { limit: 500, ..Default::default() })
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.transaction_id)
        .collect()
}

fn body(item_id: &str, kind: &str, code: &str) -> Vec<u8> {
    let mut body = json!({"webhook_type": kind, "webhook_code": code, "item_id": item_id, "environment": "sandbox"});
    if code == "SYNC_UPDATES_AVAILABLE" {
        body["initial_update_complete"] = json!(true);
        body["historical_update_complete"] = json!(true);
    }
    if code == "ERROR" {
        body["error"] = json!({"error_type": "ITEM_ERROR", "error_code": "ITEM_LOGIN_REQUIRED", "error_message": "m", "display_message": null});
    }
    serde_json::to_vec(&body).unwrap()
}

#[tokio::test]
async fn duplicated_and_reordered_webhooks_give_one_copy_of_each_transaction() {
    for backend in banking_core::testing::BACKENDS {
        let h = common::harness(backend).await;
        let item_id = linked(&h).await;
        // New data at the simulator, announced three times at once (its own delivery also
        // arrives through the harness receiver).
        h.sim(&format!("/control/items/{item_id}/transactions"), json!({"count": 4})).await;
        let sync = body(&item_id, "TRANSACTIONS", "SYNC_UPDATES_AVAILABLE");
        let payload = WebhookPayload::parse(&sync);
        let (a, b, c) = tokio::join!(
            h.service.handle_webhook(&payload, &sync),
            h.service.handle_webhook(&payload, &sync),
            h.service.handle_webhook(&payload, &sync),
        );
        a.unwrap();
        b.unwrap();
        c.unwrap();
        let expected = h.wait_synced(&item_id).await;
        let all = ids(&h).await;
        assert_eq!(all.len() as i64, expected, "{backend}");
        assert_eq!(all.iter().collect::<HashSet<_>>().len(), all.len(), "{backend}: no duplicates");
        // Four deliveries of one body (ours three times and the simulator's identical one):
        // recorded once.
        assert_eq!(h.store.webhook_count().await.unwrap(), 1, "{backend}");

        // Reordered: LOGIN_REPAIRED, then a late ITEM ERROR for a login that already works.
        let repaired = body(&item_id, "ITEM", "LOGIN_REPAIRED");
        let error = body(&item_id, "ITEM", "ERROR");
        h.service.handle_webhook(&WebhookPayload::parse(&repaired), &repaired).await.unwrap();
        h.service.handle_webhook(&WebhookPayload::parse(&error), &error).await.unwrap();
        let status = h.store.item(h.user, &item_id).await.unwrap().item.status;
        assert_eq!(status, ItemStatus::Good, "{backend}: Plaid says the item works, so a stale error is ignored");
        // A duplicate delivery of a state change is a no-op.
        h.service.handle_webhook(&WebhookPayload::parse(&error), &error).await.unwrap();
        assert_eq!(h.store.item(h.user, &item_id).await.unwrap().item.status, ItemStatus::Good);
        // Unknown items and codes are recorded, not errors.
        let unknown = body("no-such-item", "ITEM", "SOMETHING_NEW");
        h.service.handle_webhook(&WebhookPayload::parse(&unknown), &unknown).await.unwrap();
    }
}

#[tokio::test]
async fn two_concurrent_syncs_give_the_same_result_as_one() {
    for backend in banking_core::testing::BACKENDS {
        let h = common::harness(backend).await;
        let item_id = linked(&h).await;
        // The simulator's own webhook starts a third sync at the same time.
        h.sim(&format!("/control/items/{item_id}/transactions"), json!({"count": 60, "modify": 2})).await;
        let (a, b) = tokio::join!(h.service.sync_item(&item_id), h.service.sync_item(&item_id));
        a.unwrap();
        b.unwrap();
        let expected = h.wait_synced(&item_id).await;
        let all = ids(&h).await;
        assert_eq!(all.len() as i64, expected, "{backend}");
        assert_eq!(all.iter().collect::<HashSet<_>>().len(), all.len(), "{backend}");
        let again = h.service.sync_item(&item_id).await.unwrap().unwrap_or_default();
        assert_eq!((again.added, again.modified, again.removed), (0, 0, 0), "{backend}: nothing left to apply");
    }
}

#[tokio::test]
async fn mutation_during_pagination_restarts_and_commits_everything_once() {
    for backend in banking_core::testing::BACKENDS {
        let h = common::harness(backend).await;
        let item_id = linked(&h).await;
        h.sim(&format!("/control/items/{item_id}/mutate-next-sync"), json!({"after": 1})).await;
        h.sim(&format!("/control/items/{item_id}/transactions"), json!({"count": 120})).await;
        h.service.sync_item(&item_id).await.unwrap();
        let expected = h.wait_synced(&item_id).await;
        let all = ids(&h).await;
        assert_eq!(all.len() as i64, expected, "{backend}: the transaction that landed mid-paging is there too");
        assert_eq!(all.iter().collect::<HashSet<_>>().len(), all.len(), "{backend}");
    }
}

#[tokio::test]
async fn a_plaid_500_mid_paging_commits_nothing_and_keeps_the_cursor() {
    for backend in banking_core::testing::BACKENDS {
        let h = common::harness(backend).await;
        let item_id = linked(&h).await;
        // Only our sync may call Plaid, so the fault lands on its second page: no webhook
        // starts another, and the syncs the link's webhooks started have finished (a pass
        // of ours ran to the end).
        h.muted.store(true, std::sync::atomic::Ordering::SeqCst);
        while h.service.sync_item(&item_id).await.unwrap().is_none() {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let before = h.store.item(h.user, &item_id).await.unwrap();
        let count_before = h.store.transaction_count(&item_id).await.unwrap();
        h.sim(&format!("/control/items/{item_id}/transactions"), json!({"count": 120})).await;
        // More failures than our sync's attempts, in case a sync the link's webhooks started
        // is still calling Plaid and takes some of them.
        h.sim("/control/faults", json!({"kind": "500", "count": 6, "after": 1})).await;
        let result = h.service.sync_item(&item_id).await;
        assert!(result.is_err(), "{backend}: the sync fails");
        h.sim("/control/faults", json!({"kind": "500", "count": 0})).await;
        let after = h.store.item(h.user, &item_id).await.unwrap();
        assert_eq!(after.cursor, before.cursor, "{backend}: cursor unchanged");
        assert_eq!(h.store.transaction_count(&item_id).await.unwrap(), count_before, "{backend}: nothing partial");
        assert!(after.item.last_sync_error.is_some(), "{backend}: the failure is recorded for the user");
        h.service.sync_item(&item_id).await.unwrap();
        h.wait_synced(&item_id).await;
        assert!(h.store.item(h.user, &item_id).await.unwrap().item.last_sync_error.is_none());
    }
}

#[tokio::test]
async fn a_webhook_whose_handling_failed_half_way_is_retried_by_the_safety_net() {
    let h = common::harness("sqlite").await;
    let (token, metadata) = h.link("ins_109508").await;
    let item_id = h.service.exchange_public_token(h.user, &token, &metadata).await.unwrap().item.item_id;
    h.wait_synced(&item_id).await;
    let status = || async { h.store.item(h.user, &item_id).await.unwrap().item.status };
    let revoked = body(&item_id, "ITEM", "USER_PERMISSION_REVOKED");
    let payload = WebhookPayload::parse(&revoked);

    // Recorded (and so acknowledged to Plaid), then the database fails before the Item changes.
    let recorded = h.service.record_webhook(&payload, &revoked).await.unwrap();
    assert!(recorded.needs_action);
    let banking_core::db::Database::Sqlite(pool) = &h.db else { unreachable!("sqlite harness") };
    sqlx::query("ALTER TABLE plaid_items RENAME TO plaid_items_offline").execute(pool).await.unwrap();
    assert!(h.service.act_on_webhook(&payload, &recorded).await.is_err());
    sqlx::query("ALTER TABLE plaid_items_offline RENAME TO plaid_items").execute(pool).await.unwrap();
    assert_eq!(status().await, ItemStatus::Good, "nothing changed yet");

    // A redelivery would act again, since it was never handled; here nobody redelivers, and
    // the safety net picks it up.
    assert_eq!(h.service.retry_unhandled_webhooks(std::time::Duration::ZERO).await.unwrap(), 1);
    assert_eq!(status().await, ItemStatus::Revoked);
    assert_eq!(h.service.retry_unhandled_webhooks(std::time::Duration::ZERO).await.unwrap(), 0, "handled now");
    let again = h.service.record_webhook(&payload, &revoked).await.unwrap();
    assert!(!again.needs_action, "a later duplicate changes nothing");
}
