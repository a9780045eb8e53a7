//! An Item's whole lifecycle against the simulator, on SQLite and Postgres: repeated
//! identical webhooks, every error update mode fixes, new accounts, revocation, balances'
//! source, back-off of broken Items, unreadable webhooks and several currencies.

mod common;

use banking_core::{
    model::{BalanceSource, ItemStatus},
    reports,
};
use serde_json::json;

async fn linked(h: &common::Harness, institution: &str) -> String {
    let (token, metadata) = h.link(institution).await;
    let item = h.service.exchange_public_token(h.user, &token, &metadata).await.unwrap();
    h.wait_synced(&item.item.item_id).await;
    item.item.item_id
}

/// Waits until no sync of the Item is running or queued: the syncs that linking, webhooks
/// and update mode started in the background (and the follow-ups they asked for) are done
/// when three syncs in a row, a little apart, each got the Item to themselves.
async fn settle(h: &common::Harness, item_id: &str) {
    let mut in_a_row = 0;
    for _ in 0..200 {
        match h.service.sync_item(item_id).await {
            Ok(Some(_)) => in_a_row += 1,
            _ => in_a_row = 0,
        }
        if in_a_row == 3 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the Item's background syncs never settled");
}

/// Completes Link in update mode for the Item, as the browser would, sharing `masks`.
async fn update_mode(h: &common::Harness, item_id: &str, institution: &str, masks: &[&str]) {
    let token = h.service.create_update_link_token(h.user, item_id).await.unwrap();
    let done = h
        .sim(
            "/link/complete",
            json!({"link_token": token.link_token, "institution_id": institution, "username": "user_good",
                   "password": "pass_good", "account_masks": masks}),
        )
        .await;
    assert!(done["public_token"].is_string(), "update mode completed: {done}");
    h.service.complete_update_mode(h.user, item_id).await.unwrap();
}

/// (deliveries, episodes) of the recorded webhook of this kind for the Item.
async fn deliveries(h: &common::Harness, item_id: &str, kind: &str) -> (i64, i64) {
    let sql = "SELECT deliveries, episodes FROM webhook_events WHERE item_id = $1 AND kind = $2";
    match &h.db {
        banking_core::db::Database::Sqlite(pool) => {
            sqlx::query_as(sql).bind(item_id).bind(kind).fetch_optional(pool).await.unwrap()
        }
        banking_core::db::Database::Postgres(pool) => {
            sqlx::query_as(sql).bind(item_id).bind(kind).fetch_optional(pool).await.unwrap()
        }
    }
    .unwrap_or((0, 0))
}

#[tokio::test]
async fn a_bank_that_breaks_again_after_a_repair_shows_it_again() {
    for backend in banking_core::testing::BACKENDS {
        let h = common::harness(backend).await;
        let item_id = linked(&h, "ins_109508").await;
        let item = || async { h.store.item(h.user, &item_id).await.unwrap().item };
        let control = |path: &str| format!("/control/items/{item_id}/{path}");
        for round in 1..=2 {
            h.sim(&control("login-required"), json!({})).await;
            h.eventually("login required", || async { item().await.status == ItemStatus::LoginRequired }).await;
            assert_eq!(item().await.status_detail.as_deref(), Some("ITEM_LOGIN_REQUIRED"), "{backend} {round}");
            h.sim(&control("repair"), json!({})).await;
            h.eventually("repaired", || async { item().await.status == ItemStatus::Good }).await;
        }
        // The second ITEM/ERROR was byte-identical to the first and still acted on.
        assert_eq!(deliveries(&h, &item_id, "ITEM/ERROR").await, (2, 2), "{backend}");

        // Repeated identical deliveries at once (Plaid's duplicates) are one event.
        h.sim(&control("webhook"), json!({"code": "NEW_ACCOUNTS_AVAILABLE", "repeat": 3})).await;
        h.eventually("three deliveries recorded", || async {
            deliveries(&h, &item_id, "ITEM/NEW_ACCOUNTS_AVAILABLE").await.0 == 3
        })
        .await;
        assert_eq!(deliveries(&h, &item_id, "ITEM/NEW_ACCOUNTS_AVAILABLE").await.1, 1, "{backend}: one episode");
    }
}

#[tokio::test]
async fn every_error_update_mode_fixes_offers_re_authentication_with_a_message() {
    for backend in banking_core::testing::BACKENDS {
        let h = common::harness(backend).await;
        let item_id = linked(&h, "ins_109510").await;
        let item = || async { h.store.item(h.user, &item_id).await.unwrap().item };
        for (code, message) in [
            ("ITEM_LOCKED", "Your account is locked. Unlock it with your bank, then sign in again here."),
            ("INVALID_MFA", "Your bank's security check did not complete. Re-authenticate to try again."),
            ("USER_SETUP_REQUIRED", "Your bank needs you to finish something on its website"),
        ] {
            h.sim(&format!("/control/items/{item_id}/error"), json!({"code": code})).await;
            h.eventually(code, || async { item().await.status_detail.as_deref() == Some(code) }).await;
            let broken = item().await;
            assert_eq!(broken.status, ItemStatus::LoginRequired, "{backend} {code}");
            assert!(broken.status_message.as_deref().unwrap().starts_with(message), "{backend} {code}: {broken:?}");
            // Update mode repairs it; the state clears only because Plaid says so.
            update_mode(&h, &item_id, "ins_109510", &[]).await;
            assert_eq!(item().await.status, ItemStatus::Good, "{backend} {code}");
        }
        // A failed sync with an ITEM error sets the state; a successful one clears it.
        h.muted.store(true, std::sync::atomic::Ordering::SeqCst);
        // Let the syncs update mode started in the background finish first.
        settle(&h, &item_id).await;
        h.sim(&format!("/control/items/{item_id}/error"), json!({"code": "INVALID_CREDENTIALS"})).await;
        assert!(h.service.sync_item(&item_id).await.is_err());
        let broken = item().await;
        assert_eq!(
            (broken.status, broken.status_detail.as_deref()),
            (ItemStatus::LoginRequired, Some("INVALID_CREDENTIALS"))
        );
        // Back-off: the safety net leaves a broken Item alone, longer after each failure.
        let failures = broken.sync_failures;
        assert_eq!(failures, 1, "{backend}");
        let first_wait = broken.sync_retry_at.unwrap() - chrono::Utc::now().timestamp();
        assert!((280..=86_400).contains(&first_wait), "{backend}: {first_wait}");
        assert!(h.service.sync_item(&item_id).await.is_err());
        let again = item().await;
        let second_wait = again.sync_retry_at.unwrap() - chrono::Utc::now().timestamp();
        assert_eq!(again.sync_failures, failures + 1, "{backend}");
        assert!((second_wait - 2 * first_wait).abs() <= 20, "{backend}: doubled, {first_wait} then {second_wait}");
        assert!(h.store.items_due_for_sync(i64::MAX, chrono::Utc::now().timestamp()).await.unwrap().is_empty());
        // Fixed at the bank (no webhook reaches us): the next sync clears the state and the back-off.
        h.sim(&format!("/control/items/{item_id}/repair"), json!({})).await;
        h.service.sync_item(&item_id).await.unwrap();
        let fixed = item().await;
        assert_eq!((fixed.status, fixed.sync_failures, fixed.sync_retry_at), (ItemStatus::Good, 0, None), "{backend}");
    }
}

#[tokio::test]
async fn new_accounts_are_added_through_update_mode_with_account_selection() {
    for backend in banking_core::testing::BACKENDS {
        let h = common::harness(backend).await;
        let item_id = linked(&h, "ins_109510").await;
        let item = || async { h.store.item(h.user, &item_id).await.unwrap().item };
        let masks = || async {
            let mut m: Vec<String> =
                h.store.accounts(h.user).await.unwrap().into_iter().filter_map(|a| a.mask).collect();
            m.sort();
            m
        };
        assert_eq!(masks().await, ["3333", "4444"], "{backend}");
        h.sim(&format!("/control/items/{item_id}/new-accounts"), json!({})).await;
        h.eventually("new accounts flagged", || async { item().await.needs_update }).await;
        // Without account selection the bank's new account could not be picked in Link.
        update_mode(&h, &item_id, "ins_109510", &["3333", "4444", "5555"]).await;
        assert_eq!(masks().await, ["3333", "4444", "5555"], "{backend}: the new account is stored");
        assert!(!item().await.needs_update, "{backend}: cleared once the accounts are stored");
        // The bank reports new accounts again (an identical body minutes later): offered again.
        h.sim(&format!("/control/items/{item_id}/webhook"), json!({"code": "NEW_ACCOUNTS_AVAILABLE"})).await;
        h.eventually("flagged again", || async { item().await.needs_update }).await;
    }
}

#[tokio::test]
async fn revocation_stops_the_bank_and_an_account_revoked_goes_alone() {
    for backend in banking_core::testing::BACKENDS {
        let h = common::harness(backend).await;
        let item_id = linked(&h, "ins_109508").await;
        let item = || async { h.store.item(h.user, &item_id).await.unwrap().item };

        // One account revoked: its data goes, the bank stays and nothing is "new".
        let revoked_account = h.sim(&format!("/control/items/{item_id}/revoke-account"), json!({})).await;
        let account_id = revoked_account["revoked_account_id"].as_str().unwrap().to_string();
        h.eventually("account gone", || async {
            h.store.accounts(h.user).await.unwrap().iter().all(|a| a.account_id != account_id)
        })
        .await;
        let after = item().await;
        assert_eq!((after.status, after.needs_update), (ItemStatus::Good, false), "{backend}");
        let filter = banking_core::model::TransactionFilter { limit: 500, ..Default::default() };
        let left = h.service.transactions(h.user, &filter).await.unwrap();
        assert!(!left.is_empty() && left.iter().all(|t| t.account_id != account_id), "{backend}");

        // Permission revoked: the bank is marked, not synced, cannot be re-authenticated.
        h.sim(&format!("/control/items/{item_id}/revoke"), json!({})).await;
        h.eventually("revoked", || async { item().await.status == ItemStatus::Revoked }).await;
        assert!(item().await.status_message.is_some(), "{backend}");
        assert_eq!(h.service.sync_item(&item_id).await.unwrap().unwrap_or_default().added, 0);
        assert!(h.service.create_update_link_token(h.user, &item_id).await.is_err(), "{backend}");
        // The same bank can be linked again: a revoked Item is not a duplicate.
        let again = linked(&h, "ins_109508").await;
        assert_ne!(again, item_id, "{backend}");
        // And the revoked one can be removed.
        h.service.remove_item(h.user, &item_id).await.unwrap();
        assert_eq!(h.store.items(h.user).await.unwrap().len(), 1, "{backend}");
    }
}

#[tokio::test]
async fn balances_say_where_they_came_from_and_an_institution_that_needs_it_gets_min_last_updated() {
    for backend in banking_core::testing::BACKENDS {
        let h = common::harness(backend).await;
        let item_id = linked(&h, "ins_128026").await;
        let sources = || async {
            h.store.accounts(h.user).await.unwrap().into_iter().map(|a| a.balance_source).collect::<Vec<_>>()
        };
        assert!(sources().await.iter().all(|s| *s == BalanceSource::Sync), "{backend}");
        h.muted.store(true, std::sync::atomic::Ordering::SeqCst);
        settle(&h, &item_id).await;
        // Capybara One has a credit card: without min_last_updated_datetime Plaid refuses.
        let refreshed = h.service.refresh_balances(h.user, &item_id).await.unwrap();
        assert_eq!(refreshed.stale_reason, None, "{backend}: real-time figures were fetched");
        assert!(sources().await.iter().all(|s| *s == BalanceSource::Realtime), "{backend}");
        // A sync right after brings Plaid's cached figures: the real-time ones stay.
        h.service.sync_item(&item_id).await.unwrap();
        assert!(
            sources().await.iter().all(|s| *s == BalanceSource::Realtime),
            "{backend}: {:?}",
            h.store.accounts(h.user).await.unwrap()
        );
        let card = h.store.accounts(h.user).await.unwrap().into_iter().find(|a| a.account_type == "credit").unwrap();
        assert!(card.balance_as_of.unwrap() < card.fetched_at - 3000, "{backend}: the card's own, older as-of");
        // A failing refresh keeps the last figures and says why.
        h.sim("/control/faults", json!({"kind": "500", "count": 1})).await;
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let config = banking_core::BankingConfig {
            balance_refresh_interval: std::time::Duration::ZERO,
            ..banking_core::BankingConfig::default()
        };
        let eager = banking_core::BankingService::new(
            h.store.clone(),
            h.plaid.clone(),
            h.cipher.clone(),
            config,
            banking_core::events::EventBus::new(None),
        );
        let failed = eager.refresh_balances(h.user, &item_id).await.unwrap();
        assert!(failed.stale_reason.is_some(), "{backend}");
        assert_eq!(failed.item.accounts.len(), 2, "{backend}: last known figures kept");
    }
}

#[tokio::test]
async fn a_verified_webhook_we_cannot_read_is_recorded_and_answered() {
    for backend in banking_core::testing::BACKENDS {
        let h = common::harness(backend).await;
        let body = br#"{"webhook_type":"ITEM","webhook_code":"USER_ACCOUNT_REVOKED","item_id":"x"}"#;
        let payload = plaid_client::webhook::WebhookPayload::parse(body);
        h.service.handle_webhook(&payload, body).await.unwrap();
        assert_eq!(h.store.webhook_count().await.unwrap(), 1, "{backend}");
    }
}

#[tokio::test]
async fn totals_and_cash_flow_are_per_currency() {
    for backend in banking_core::testing::BACKENDS {
        let h = common::harness(backend).await;
        linked(&h, "ins_117650").await;
        linked(&h, "ins_109508").await;
        let accounts = h.store.accounts(h.user).await.unwrap();
        let totals = reports::cash_by_currency(&accounts);
        assert_eq!(totals.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(), ["CAD", "USD"], "{backend}");
        let today = chrono::Utc::now().date_naive() + chrono::Duration::days(1);
        let weeks = h.service.weekly_cash_flow(h.user, 13, today).await.unwrap();
        assert_eq!(weeks.len(), 26, "{backend}: 13 weeks per currency");
        let cad_out: rust_decimal::Decimal = weeks.iter().filter(|w| w.currency == "CAD").map(|w| w.money_out).sum();
        assert!(cad_out > rust_decimal::Decimal::ZERO, "{backend}");
    }
}
