//! The whole life of a linked bank against the simulator, with exact row counts and balances
//! at each step, on SQLite and Postgres.

mod common;

use std::time::{Duration, Instant};

use banking_core::{
    model::{ItemStatus, TransactionFilter},
    Error,
};
use rust_decimal::Decimal;
use serde_json::json;

#[tokio::test]
async fn link_sync_update_break_repair_remove() {
    for backend in banking_core::testing::BACKENDS {
        let started = Instant::now();
        let h = common::harness(backend).await;
        let mut events = h.service.events().subscribe();

        // Link → exchange → accounts.
        let (public_token, metadata) = h.link("ins_109510").await;
        let linked = h.service.exchange_public_token(h.user, &public_token, &metadata).await.unwrap();
        let item_id = linked.item.item_id.clone();
        assert_eq!(linked.accounts.len(), 2, "{backend}: checking and credit card");
        assert_eq!(linked.item.institution_name, "Houndstooth Bank");
        assert_eq!(linked.item.status, ItemStatus::Good);

        // Initial sync (started in the background by the exchange).
        let initial = h.wait_synced(&item_id).await;
        assert!(initial > 100, "{backend}: 90 days of history, got {initial}");
        let txns =
            h.service.transactions(h.user, &TransactionFilter { limit: 500, ..Default::default() }).await.unwrap();
        assert_eq!(txns.len() as i64, initial);
        let pending: Vec<String> = txns.iter().filter(|t| t.pending).map(|t| t.transaction_id.clone()).collect();
        assert!(!pending.is_empty(), "{backend}: recent purchases are pending");
        // Balances: checking = opening - posted amounts; card = opening owed + posted.
        let accounts = &h.service.accounts(h.user).await.unwrap()[0].accounts;
        for account in accounts {
            let posted: Decimal =
                txns.iter().filter(|t| t.account_id == account.account_id && !t.pending).map(|t| t.amount).sum();
            let expected = match account.account_type.as_str() {
                "credit" => Decimal::new(64000, 2) + posted,
                _ => Decimal::new(540000, 2) - posted,
            };
            assert_eq!(account.current, Some(expected), "{backend}: {} balance", account.name);
        }
        let first_sync = started.elapsed();

        // New transactions via webhook; pending ones post (removed + added with
        // pending_transaction_id); one is modified.
        let before = txns.clone();
        let changed = h.sim(&format!("/control/items/{item_id}/transactions"), json!({"count": 3, "modify": 1})).await;
        assert_eq!(changed["removed"].as_u64().unwrap() as usize, pending.len());
        let after = h.wait_synced(&item_id).await;
        assert_eq!(after, initial + 3, "{backend}: posted replace pending one for one, plus 3 new");
        let txns =
            h.service.transactions(h.user, &TransactionFilter { limit: 500, ..Default::default() }).await.unwrap();
        for p in &pending {
            assert!(!txns.iter().any(|t| &t.transaction_id == p), "{backend}: pending {p} removed");
            assert!(txns.iter().any(|t| t.pending_transaction_id.as_deref() == Some(p.as_str()) && !t.pending));
        }
        let adjusted = txns
            .iter()
            .filter(|t| {
                before
                    .iter()
                    .any(|b| b.transaction_id == t.transaction_id && b.amount + Decimal::new(2_00, 2) == t.amount)
            })
            .count();
        assert_eq!(adjusted, 1, "{backend}: one modified (amount corrected by 2.00)");
        assert!(txns.iter().all(|t| !t.pending), "{backend}: nothing pending after posting");

        // The bank wants a new login: ITEM ERROR webhook → login_required.
        h.sim(&format!("/control/items/{item_id}/login-required"), json!({})).await;
        h.eventually("login required", || async {
            h.store.item(h.user, &item_id).await.unwrap().item.status == ItemStatus::LoginRequired
        })
        .await;
        let refresh = h.service.refresh_balances(h.user, &item_id).await.unwrap();
        assert!(refresh.stale_reason.is_some(), "{backend}: last known balances with a reason");
        assert_eq!(refresh.item.accounts.len(), 2);

        // Repaired: LOGIN_REPAIRED → good.
        h.sim(&format!("/control/items/{item_id}/repair"), json!({})).await;
        h.eventually("repaired", || async {
            h.store.item(h.user, &item_id).await.unwrap().item.status == ItemStatus::Good
        })
        .await;
        // A second refresh within seconds is served from the store (Plaid rate-limits balance
        // calls per Item); once the interval has passed (here: none), real-time balances again.
        let again = h.service.refresh_balances(h.user, &item_id).await.unwrap();
        assert!(again.stale_reason.unwrap().contains("moments ago"), "{backend}");
        let fresh = banking_core::BankingService::new(
            h.store.clone(),
            h.plaid.clone(),
            h.cipher.clone(),
            banking_core::BankingConfig { balance_refresh_interval: Duration::ZERO, ..Default::default() },
            banking_core::events::EventBus::new(None),
        );
        let refresh = fresh.refresh_balances(h.user, &item_id).await.unwrap();
        assert_eq!(refresh.stale_reason, None, "{backend}");

        // Another user sees none of it and cannot touch it.
        assert!(h.service.accounts(h.other_user).await.unwrap().is_empty());
        assert!(matches!(h.service.remove_item(h.other_user, &item_id).await, Err(Error::NotFound(_))));

        // Removed.
        h.service.remove_item(h.user, &item_id).await.unwrap();
        assert!(h.service.accounts(h.user).await.unwrap().is_empty());
        assert_eq!(h.store.transaction_count(&item_id).await.unwrap(), 0);
        assert!(h.sim_item(&item_id).await.is_null(), "{backend}: removed at Plaid too");

        // The user got events for what they would see.
        let mut kinds = std::collections::BTreeSet::new();
        while let Ok(e) = events.try_recv() {
            assert_eq!(e.user_id, h.user);
            kinds.insert(format!("{:?}", e.event).split([' ', '{']).next().unwrap().to_string());
        }
        for kind in [
            "ItemAdded",
            "SyncStarted",
            "SyncFinished",
            "TransactionsChanged",
            "BalancesChanged",
            "ItemStatusChanged",
            "ItemRemoved",
        ] {
            assert!(kinds.contains(kind), "{backend}: no {kind} event in {kinds:?}");
        }
        eprintln!(
            "STORY {backend}: initial {initial} transactions, after update {after}; first sync {:?}, whole story {:?}",
            first_sync,
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn a_duplicate_bank_is_refused_before_exchanging() {
    for backend in banking_core::testing::BACKENDS {
        let h = common::harness(backend).await;
        let (token, metadata) = h.link("ins_109508").await;
        let first = h.service.exchange_public_token(h.user, &token, &metadata).await.unwrap();
        let (token2, metadata2) = h.link("ins_109508").await;
        match h.service.exchange_public_token(h.user, &token2, &metadata2).await {
            Err(Error::Conflict { message, existing_item_id }) => {
                assert!(message.contains("First Platypus Bank"), "{message}");
                assert_eq!(existing_item_id.as_deref(), Some(first.item.item_id.as_str()));
            }
            other => panic!("{backend}: expected a conflict, got {other:?}"),
        }
        // Not exchanged: the public token still works at Plaid.
        let exchanged = h.plaid.send(&plaid_client::api::ItemPublicTokenExchangeRequest { public_token: token2 }).await;
        assert!(exchanged.is_ok(), "{backend}: the duplicate's public token was never exchanged");
        assert_eq!(h.service.accounts(h.user).await.unwrap().len(), 1);
        // Another user may link the same bank.
        let other = h.service.exchange_public_token(h.other_user, &token, &metadata).await;
        assert!(
            matches!(other, Err(Error::InvalidInput(_))),
            "{backend}: a used public token is refused clearly: {other:?}"
        );
    }
}

#[tokio::test]
async fn a_bad_or_expired_public_token_stores_nothing() {
    let h = common::harness("sqlite").await;
    let metadata = banking_core::LinkMetadata::default();
    for token in ["", "garbage", "public-sandbox-00000000-0000-0000-0000-000000000000"] {
        let result = h.service.exchange_public_token(h.user, token, &metadata).await;
        assert!(matches!(result, Err(Error::InvalidInput(_))), "{token}: {result:?}");
    }
    assert!(h.service.accounts(h.user).await.unwrap().is_empty());
}

#[tokio::test]
async fn weekly_cash_flow_adds_up_to_the_depository_transactions() {
    let h = common::harness("sqlite").await;
    let (token, metadata) = h.link("ins_109510").await;
    let item_id = h.service.exchange_public_token(h.user, &token, &metadata).await.unwrap().item.item_id;
    h.wait_synced(&item_id).await;
    let today = chrono::Utc::now().date_naive();
    let weeks = h.service.weekly_cash_flow(h.user, 13, today).await.unwrap();
    assert_eq!(weeks.len(), 13);
    assert!(weeks.windows(2).all(|w| (w[1].week_start - w[0].week_start).num_days() == 7));
    let accounts = h.service.accounts(h.user).await.unwrap().remove(0).accounts;
    let checking = accounts.iter().find(|a| a.account_type == "depository").unwrap();
    let txns = h.service.transactions(h.user, &TransactionFilter { limit: 500, ..Default::default() }).await.unwrap();
    let in_range = |t: &&banking_core::model::Transaction| {
        t.account_id == checking.account_id && t.date >= weeks[0].week_start && t.date <= today
    };
    let expected_out: Decimal =
        txns.iter().filter(in_range).filter(|t| t.amount > Decimal::ZERO).map(|t| t.amount).sum();
    let expected_in: Decimal =
        txns.iter().filter(in_range).filter(|t| t.amount < Decimal::ZERO).map(|t| -t.amount).sum();
    assert_eq!(weeks.iter().map(|w| w.money_out).sum::<Decimal>(), expected_out, "card spending is not counted");
    assert_eq!(weeks.iter().map(|w| w.money_in).sum::<Decimal>(), expected_in);
    assert!(expected_in > Decimal::ZERO && expected_out > Decimal::ZERO);
}
