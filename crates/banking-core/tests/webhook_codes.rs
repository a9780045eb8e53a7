//! Each ITEM webhook code moves the Item to the state the user should see, through the
//! simulator's signed deliveries; and the safety-net sync picks up Items whose webhooks were lost.

mod common;

use banking_core::{events::EventBus, model::ItemStatus, BankingConfig, BankingService};
use serde_json::json;

#[tokio::test]
async fn item_webhooks_set_status_deadline_and_flags() {
    for backend in banking_core::testing::BACKENDS {
        let h = common::harness(backend).await;
        let (token, metadata) = h.link("ins_109508").await;
        let item_id = h.service.exchange_public_token(h.user, &token, &metadata).await.unwrap().item.item_id;
        h.wait_synced(&item_id).await;
        let item = || async { h.store.item(h.user, &item_id).await.unwrap().item };

        h.sim(&format!("/control/items/{item_id}/webhook"), json!({"code": "NEW_ACCOUNTS_AVAILABLE"})).await;
        h.eventually("needs update", || async { item().await.needs_update }).await;

        h.sim(&format!("/control/items/{item_id}/webhook"), json!({"code": "PENDING_EXPIRATION"})).await;
        h.eventually("pending expiration", || async { item().await.status == ItemStatus::PendingExpiration }).await;
        let deadline = item().await.status_deadline.expect("deadline kept");
        assert!(deadline > chrono::Utc::now().timestamp() + 6 * 86_400, "{backend}: about a week ahead");

        h.sim(&format!("/control/items/{item_id}/webhook"), json!({"code": "PENDING_DISCONNECT"})).await;
        h.eventually("pending disconnect", || async {
            item().await.status_detail.as_deref() == Some("INSTITUTION_TOKEN_EXPIRATION")
        })
        .await;

        h.sim(&format!("/control/items/{item_id}/webhook"), json!({"code": "USER_PERMISSION_REVOKED"})).await;
        h.eventually("revoked", || async { item().await.status == ItemStatus::Revoked }).await;
        // A revoked Item is not synced any more, whatever arrives.
        let count = h.store.transaction_count(&item_id).await.unwrap();
        h.sim(&format!("/control/items/{item_id}/transactions"), json!({"count": 5})).await;
        let counts = h.service.sync_item(&item_id).await.unwrap().unwrap_or_default();
        assert_eq!((counts.added, h.store.transaction_count(&item_id).await.unwrap()), (0, count), "{backend}");
    }
}

#[tokio::test]
async fn the_safety_net_syncs_items_whose_webhooks_were_lost() {
    let h = common::harness("sqlite").await;
    let (token, metadata) = h.link("ins_109510").await;
    let item_id = h.service.exchange_public_token(h.user, &token, &metadata).await.unwrap().item.item_id;
    h.wait_synced(&item_id).await;
    h.muted.store(true, std::sync::atomic::Ordering::SeqCst); // the webhook is lost
    h.sim(&format!("/control/items/{item_id}/transactions"), json!({"count": 2})).await;
    let before = h.store.transaction_count(&item_id).await.unwrap();
    let net = BankingService::new(
        h.store.clone(),
        h.plaid.clone(),
        h.cipher.clone(),
        BankingConfig { stale_after: std::time::Duration::ZERO, ..BankingConfig::default() },
        EventBus::new(None),
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await; // last sync is now in the past
    assert_eq!(net.sync_stale_items().await.unwrap(), 1);
    assert_eq!(h.store.transaction_count(&item_id).await.unwrap(), before + 2);
}

#[tokio::test]
async fn items_follow_the_app_to_a_new_webhook_url() {
    for backend in banking_core::testing::BACKENDS {
        let h = common::harness(backend).await;
        let (token, metadata) = h.link("ins_109508").await;
        let item_id = h.service.exchange_public_token(h.user, &token, &metadata).await.unwrap().item.item_id;
        h.wait_synced(&item_id).await;
        assert_eq!(h.sim_item(&item_id).await["webhook"], json!(h.webhook_url), "{backend}");
        assert_eq!(h.service.repoint_webhooks().await.unwrap(), 0, "{backend}: already pointing here");

        // The app moved to a new public URL: the next start re-points the Item at Plaid, once.
        let moved = format!("{}?moved=1", h.webhook_url);
        let config = BankingConfig { webhook_url: Some(moved.clone()), ..BankingConfig::default() };
        let restarted =
            BankingService::new(h.store.clone(), h.plaid.clone(), h.cipher.clone(), config, EventBus::new(None));
        assert_eq!(restarted.repoint_webhooks().await.unwrap(), 1, "{backend}");
        assert_eq!(h.sim_item(&item_id).await["webhook"], json!(moved), "{backend}: Plaid has the new URL");
        assert_eq!(restarted.repoint_webhooks().await.unwrap(), 0, "{backend}: nothing left to do");
    }
}
