//! Store behaviour, each body run on SQLite and Postgres.

use banking_core::{
    model::{Account, AccountPreferences, BalanceSource, ItemStatus, Role, Transaction, TransactionFilter},
    store::{NewItem, SealedToken, Store, SyncChanges},
    testing::{fresh, BACKENDS},
};
use rust_decimal::Decimal;
use std::sync::Arc;

fn account(item: &str, id: &str, mask: &str, current: &str) -> Account {
    Account {
        account_id: id.into(),
        item_id: item.into(),
        name: format!("Account {mask}"),
        official_name: None,
        mask: Some(mask.into()),
        account_type: "depository".into(),
        subtype: Some("checking".into()),
        available: Some(current.parse().unwrap()),
        current: Some(current.parse().unwrap()),
        limit: None,
        currency: Some("USD".into()),
        balance_as_of: None,
        fetched_at: 1_700_000_000,
        balance_source: BalanceSource::Sync,
    }
}

fn txn(item: &str, account: &str, id: &str, amount: &str, date: &str) -> Transaction {
    Transaction {
        transaction_id: id.into(),
        account_id: account.into(),
        item_id: item.into(),
        amount: amount.parse().unwrap(),
        currency: Some("USD".into()),
        date: date.parse().unwrap(),
        authorized_date: None,
        name: format!("txn {id}"),
        merchant_name: None,
        category: Some("FOOD_AND_DRINK".into()),
        pending: false,
        user_category: None,
        pending_transaction_id: None,
    }
}

async fn item(store: &Arc<dyn Store>, user: i64, item_id: &str, institution: &str, masks: &[&str]) {
    let accounts: Vec<Account> =
        masks.iter().map(|m| account(item_id, &format!("{item_id}-{m}"), m, "100.10")).collect();
    let new = NewItem {
        item_id: item_id.into(),
        user_id: user,
        institution_id: Some(institution.into()),
        institution_name: "Bank".into(),
        token: SealedToken { ciphertext: vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], key_id: "k1".into() },
        webhook_url: Some("https://old.example/hook".into()),
    };
    store.insert_item(&new, &accounts).await.unwrap();
}

#[tokio::test]
async fn users_are_unique_and_updatable() {
    for backend in BACKENDS {
        let store = fresh(backend).await.store();
        let id = store.upsert_user("alice", "hash-1", Role::Trader).await.unwrap();
        let again = store.upsert_user("alice", "hash-2", Role::Viewer).await.unwrap();
        assert_eq!(id, again, "{backend}");
        let alice = store.user_by_name("alice").await.unwrap().unwrap();
        assert_eq!(alice.role, Role::Viewer);
        assert!(!format!("{alice:?}").contains("hash-2"), "{backend}: hash redacted in Debug");
        assert!(store.user_by_id(id).await.unwrap().is_some());
        assert!(store.user_by_name("bob").await.unwrap().is_none());
    }
}

#[tokio::test]
async fn items_accounts_and_transactions_stay_with_their_user() {
    for backend in BACKENDS {
        let store = fresh(backend).await.store();
        let alice = store.upsert_user("alice", "h", Role::Trader).await.unwrap();
        let bob = store.upsert_user("bob", "h", Role::Trader).await.unwrap();
        item(&store, alice, "item-a", "ins_1", &["0000", "1111"]).await;
        item(&store, bob, "item-b", "ins_1", &["0000"]).await;
        assert_eq!(store.items(alice).await.unwrap().len(), 1, "{backend}");
        assert_eq!(store.accounts(alice).await.unwrap().len(), 2);
        assert_eq!(store.accounts(bob).await.unwrap().len(), 1);
        assert!(store.item(bob, "item-a").await.is_err(), "{backend}: bob cannot read alice's item");
        assert!(store.delete_item(bob, "item-a").await.is_err(), "{backend}: nor delete it");
        // Duplicate detection: same user, institution and overlapping masks.
        assert!(store.find_duplicate_item(alice, "ins_1", &["0000".into()]).await.unwrap().is_some());
        assert!(store.find_duplicate_item(alice, "ins_1", &["9999".into()]).await.unwrap().is_none());
        assert!(store.find_duplicate_item(alice, "ins_2", &["0000".into()]).await.unwrap().is_none());
        // Balances keep exact decimals.
        let a = &store.accounts(alice).await.unwrap()[0];
        assert_eq!(a.current, Some(Decimal::new(10010, 2)));
    }
}

#[tokio::test]
async fn apply_sync_is_all_or_nothing_on_the_cursor() {
    for backend in BACKENDS {
        let store = fresh(backend).await.store();
        let user = store.upsert_user("alice", "h", Role::Trader).await.unwrap();
        item(&store, user, "item-a", "ins_1", &["0000"]).await;
        let changes = SyncChanges {
            upserts: vec![
                txn("item-a", "item-a-0000", "t1", "12.50", "2026-11-01"),
                txn("item-a", "item-a-0000", "t2", "-100", "2026-11-02"),
            ],
            accounts: vec![account("item-a", "item-a-0000", "0000", "88.60")],
            ..Default::default()
        };
        assert!(store.apply_sync("item-a", user, None, "c1", &changes, 10).await.unwrap(), "{backend}");
        // A second writer that started from the old cursor loses and changes nothing.
        let stale =
            SyncChanges { upserts: vec![txn("item-a", "item-a-0000", "t3", "1", "2026-11-03")], ..Default::default() };
        assert!(!store.apply_sync("item-a", user, None, "c2", &stale, 11).await.unwrap(), "{backend}");
        assert_eq!(store.transaction_count("item-a").await.unwrap(), 2);
        assert_eq!(store.item(user, "item-a").await.unwrap().cursor.as_deref(), Some("c1"));
        // Modify and remove from the right cursor.
        let next = SyncChanges {
            upserts: vec![txn("item-a", "item-a-0000", "t1", "13.75", "2026-11-01")],
            removed: vec!["t2".into()],
            ..Default::default()
        };
        assert!(store.apply_sync("item-a", user, Some("c1"), "c2", &next, 12).await.unwrap());
        let all = store.transactions(user, &TransactionFilter { limit: 10, ..Default::default() }).await.unwrap();
        assert_eq!(all.len(), 1, "{backend}");
        assert_eq!(all[0].amount, Decimal::new(13_75, 2));
        assert_eq!(store.accounts(user).await.unwrap()[0].current, Some(Decimal::new(88_60, 2)));
        // Filters.
        let none = TransactionFilter { from: Some("2026-11-02".parse().unwrap()), limit: 10, ..Default::default() };
        assert!(store.transactions(user, &none).await.unwrap().is_empty());
        // Deleting the item takes its rows.
        store.delete_item(user, "item-a").await.unwrap();
        assert_eq!(store.transaction_count("item-a").await.unwrap(), 0);
        assert!(store.accounts(user).await.unwrap().is_empty());
        // A sync that lands after the removal writes nothing (the cursor's compare-and-swap finds
        // no Item: transactions carry no foreign key to stop it).
        assert!(!store.apply_sync("item-a", user, Some("c2"), "c3", &next, 13).await.unwrap(), "{backend}");
        assert_eq!(store.transaction_count("item-a").await.unwrap(), 0, "{backend}");
    }
}

#[tokio::test]
async fn large_syncs_keep_the_last_version_of_each_transaction_and_remove_only_their_own() {
    for backend in BACKENDS {
        let store = fresh(backend).await.store();
        let user = store.upsert_user("alice", "h", Role::Trader).await.unwrap();
        item(&store, user, "item-a", "ins_1", &["0000"]).await;
        item(&store, user, "item-b", "ins_2", &["0000"]).await;
        let other =
            SyncChanges { upserts: vec![txn("item-b", "item-b-0000", "b-1", "5", "2026-11-01")], ..Default::default() };
        assert!(store.apply_sync("item-b", user, None, "b1", &other, 10).await.unwrap());

        // More rows than one statement holds, and t5 seen twice (added, then modified on a later page).
        let mut upserts: Vec<Transaction> =
            (0..450).map(|i| txn("item-a", "item-a-0000", &format!("t{i}"), "1.00", "2026-11-01")).collect();
        upserts.insert(100, txn("item-a", "item-a-0000", "t5", "7.25", "2026-11-02"));
        let changes = SyncChanges { upserts, ..Default::default() };
        assert!(store.apply_sync("item-a", user, None, "c1", &changes, 11).await.unwrap(), "{backend}");
        assert_eq!(store.transaction_count("item-a").await.unwrap(), 450, "{backend}");
        let t5 = TransactionFilter { from: Some("2026-11-02".parse().unwrap()), limit: 10, ..Default::default() };
        let t5 = store.transactions(user, &t5).await.unwrap();
        assert_eq!(t5.len(), 1, "{backend}");
        assert_eq!((t5[0].transaction_id.as_str(), t5[0].amount), ("t5", Decimal::new(725, 2)), "{backend}");

        // Removing 250 of them, plus an id that belongs to the other Item, which stays; and
        // t300 modified in every field a sync can change, each of which reads back as sent.
        let mut removed: Vec<String> = (0..250).map(|i| format!("t{i}")).collect();
        removed.push("b-1".into());
        let t300 = Transaction {
            amount: Decimal::new(-123_456_789, 4),
            currency: Some("CAD".into()),
            date: "2026-11-03".parse().unwrap(),
            authorized_date: Some("2026-10-31".parse().unwrap()),
            name: "Payroll".into(),
            merchant_name: Some("Acme".into()),
            category: None,
            pending: true,
            pending_transaction_id: Some("t299".into()),
            ..txn("item-a", "item-a-0000", "t300", "1.00", "2026-11-01")
        };
        let changes = SyncChanges { upserts: vec![t300.clone()], removed, ..Default::default() };
        assert!(store.apply_sync("item-a", user, Some("c1"), "c2", &changes, 12).await.unwrap(), "{backend}");
        assert_eq!(store.transaction_count("item-a").await.unwrap(), 200, "{backend}");
        assert_eq!(store.transaction_count("item-b").await.unwrap(), 1, "{backend}: not item-a's to remove");
        let read = TransactionFilter { from: Some("2026-11-03".parse().unwrap()), limit: 10, ..Default::default() };
        assert_eq!(store.transactions(user, &read).await.unwrap(), vec![t300.clone()], "{backend}");

        // An id another Item already holds never rewrites that Item's row.
        let clash =
            Transaction { amount: Decimal::new(999, 0), ..txn("item-b", "item-b-0000", "t300", "1", "2026-11-03") };
        let changes = SyncChanges { upserts: vec![clash], ..Default::default() };
        assert!(store.apply_sync("item-b", user, Some("b1"), "b2", &changes, 14).await.unwrap(), "{backend}");
        assert_eq!(store.transactions(user, &read).await.unwrap(), vec![t300], "{backend}: item-a's row unchanged");
    }
}

#[tokio::test]
async fn text_a_bank_sends_is_stored_as_sent_whatever_characters_it_holds() {
    // Each backend writes a sync's rows in bulk (Postgres: COPY's text format, where tab,
    // newline, backslash and `\N` mean something; SQLite: strings bound in place).
    let awkward =
        ["Tab\there", "Line\nbreak\r\n", "back\\slash \\N", "\\N", "'quoted' \"twice\"", "Café 🦀 Zürich", ""];
    for backend in BACKENDS {
        let store = fresh(backend).await.store();
        let user = store.upsert_user("alice", "h", Role::Trader).await.unwrap();
        item(&store, user, "item-a", "ins_1", &["0000"]).await;
        let sent = |round: usize| -> Vec<Transaction> {
            awkward
                .iter()
                .enumerate()
                .map(|(i, text)| Transaction {
                    name: format!("{round}{text}"),
                    merchant_name: Some(text.to_string()),
                    category: Some(format!("{text}{round}")),
                    ..txn("item-a", "item-a-0000", &format!("t{i}\t{text}"), "-12.5", "2026-11-01")
                })
                .collect()
        };
        // New rows, then the same ids modified (the other write path).
        for (round, cursor) in [(1, None), (2, Some("c1"))] {
            let changes = SyncChanges { upserts: sent(round), ..Default::default() };
            let next = format!("c{round}");
            assert!(store.apply_sync("item-a", user, cursor, &next, &changes, 10).await.unwrap(), "{backend}");
            let mut stored =
                store.transactions(user, &TransactionFilter { limit: 100, ..Default::default() }).await.unwrap();
            stored.sort_by(|a, b| a.transaction_id.cmp(&b.transaction_id));
            let mut expected = sent(round);
            expected.sort_by(|a, b| a.transaction_id.cmp(&b.transaction_id));
            assert_eq!(stored, expected, "{backend}, round {round}");
        }
    }
}

#[tokio::test]
async fn sync_lease_coalesces_requests_across_holders() {
    for backend in BACKENDS {
        let store = fresh(backend).await.store();
        let user = store.upsert_user("alice", "h", Role::Trader).await.unwrap();
        item(&store, user, "item-a", "ins_1", &["0000"]).await;
        assert!(store.try_lease_sync("item-a", 100, 220).await.unwrap(), "{backend}");
        assert!(!store.try_lease_sync("item-a", 101, 221).await.unwrap(), "{backend}: held");
        assert!(store.release_sync("item-a").await.unwrap(), "{backend}: a follow-up was requested");
        assert!(store.try_lease_sync("item-a", 102, 222).await.unwrap());
        assert!(!store.release_sync("item-a").await.unwrap(), "{backend}: nothing requested this time");
        // An expired lease (crashed holder) can be taken over.
        assert!(store.try_lease_sync("item-a", 200, 320).await.unwrap());
        assert!(store.try_lease_sync("item-a", 400, 520).await.unwrap(), "{backend}");
    }
}

#[tokio::test]
async fn webhook_deliveries_are_acted_on_once_and_later_copies_are_new_events() {
    for backend in BACKENDS {
        let store = fresh(backend).await.store();
        let user = store.upsert_user("alice", "h", Role::Trader).await.unwrap();
        item(&store, user, "item-a", "ins_1", &["0000"]).await;
        let record = |at: i64| {
            let store = store.clone();
            async move { store.record_webhook("sha-1", Some("item-a"), "ITEM/ERROR", "{}", at, at - 600).await.unwrap() }
        };
        assert_eq!(record(1_000).await, (1, true), "{backend}");
        // Redelivered while the first is being handled: only one delivery may act.
        assert_eq!(record(1_010).await, (1, true), "{backend}");
        assert!(store.claim_webhook("sha-1", 1, 1_010, 1_130).await.unwrap(), "{backend}");
        assert!(!store.claim_webhook("sha-1", 1, 1_011, 1_131).await.unwrap(), "{backend}: claimed already");
        // Acting failed: released, so the next delivery acts.
        store.release_webhook("sha-1", 1).await.unwrap();
        assert!(store.claim_webhook("sha-1", 1, 1_012, 1_132).await.unwrap(), "{backend}");
        store.mark_webhook_handled("sha-1", 1, 1_013).await.unwrap();
        assert_eq!(record(1_100).await, (1, false), "{backend}: a redelivery within the window");
        assert!(!store.claim_webhook("sha-1", 1, 1_100, 1_220).await.unwrap(), "{backend}: handled");
        // The same body after the window is a new event.
        assert_eq!(record(1_700).await, (2, true), "{backend}: a new episode");
        store.mark_webhook_handled("sha-1", 2, 1_701).await.unwrap();
        // Within the window, but another webhook about the Item came in between: new event.
        store.record_webhook("sha-2", Some("item-a"), "ITEM/LOGIN_REPAIRED", "{}", 1_710, 1_110).await.unwrap();
        store.mark_webhook_handled("sha-2", 1, 1_711).await.unwrap();
        assert_eq!(record(1_720).await, (3, true), "{backend}");
        store.mark_webhook_handled("sha-1", 3, 1_721).await.unwrap();
        // Within the window, but the user resolved it in update mode: new event.
        store.supersede_webhooks("item-a").await.unwrap();
        assert_eq!(record(1_730).await, (4, true), "{backend}");
        assert_eq!(store.webhook_count().await.unwrap(), 2, "{backend}: one row per body");
        // Unhandled and unclaimed ones are found by the safety net.
        let unhandled = store.unhandled_webhooks(0, 2_000, 10).await.unwrap();
        assert_eq!(unhandled.iter().map(|(d, e, _)| (d.as_str(), *e)).collect::<Vec<_>>(), vec![("sha-1", 4)]);
        // Retention: pruned by last delivery.
        assert_eq!(store.prune_webhooks(1_715).await.unwrap(), 1, "{backend}: sha-2 last came at 1710");
        assert_eq!(store.webhook_count().await.unwrap(), 1, "{backend}");
        // Another webhook for the Item while a delivery still acts on the first (ERROR right
        // after LOGIN_REPAIRED): a later copy of the first is a new event, free to act on.
        let repaired = |at: i64| {
            let store = store.clone();
            async move {
                store.record_webhook("sha-4", Some("item-a"), "ITEM/LOGIN_REPAIRED", "{}", at, at - 600).await.unwrap()
            }
        };
        assert_eq!(repaired(1_800).await, (1, true), "{backend}");
        assert!(store.claim_webhook("sha-4", 1, 1_800, 1_920).await.unwrap());
        store.record_webhook("sha-5", Some("item-a"), "ITEM/ERROR", "{}", 1_801, 1_201).await.unwrap();
        assert_eq!(repaired(1_802).await, (2, true), "{backend}: a new episode, though the first is still claimed");
        assert!(store.claim_webhook("sha-4", 2, 1_802, 1_922).await.unwrap(), "{backend}");
        // The first delivery finishing late marks only its own episode.
        store.mark_webhook_handled("sha-4", 1, 1_803).await.unwrap();
        let unhandled = store.unhandled_webhooks(1_790, 1_950, 10).await.unwrap();
        assert!(unhandled.iter().any(|(d, e, _)| d == "sha-4" && *e == 2), "{backend}: {unhandled:?}");
    }
}

#[tokio::test]
async fn statuses_change_once_and_broken_items_back_off() {
    for backend in BACKENDS {
        let store = fresh(backend).await.store();
        let user = store.upsert_user("alice", "h", Role::Trader).await.unwrap();
        item(&store, user, "item-a", "ins_1", &["0000"]).await;
        let locked = Some("Unlock your account.");
        assert!(store
            .set_item_status("item-a", ItemStatus::LoginRequired, Some("ITEM_LOCKED"), locked, None)
            .await
            .unwrap());
        assert!(!store
            .set_item_status("item-a", ItemStatus::LoginRequired, Some("ITEM_LOCKED"), locked, None)
            .await
            .unwrap());
        let stored = store.item(user, "item-a").await.unwrap().item;
        assert_eq!(stored.status_message.as_deref(), locked, "{backend}");
        assert!(store
            .set_item_status("item-a", ItemStatus::PendingExpiration, Some("X"), None, Some(5))
            .await
            .unwrap());
        let stored = store.item(user, "item-a").await.unwrap().item;
        assert_eq!((stored.status, stored.status_deadline), (ItemStatus::PendingExpiration, Some(5)), "{backend}");
        assert_eq!(store.items_due_for_sync(1, 10).await.unwrap().len(), 1, "{backend}: never synced is due");
        store.record_sync_failure("item-a", "Plaid said no", 3, 1_000).await.unwrap();
        let stored = store.item(user, "item-a").await.unwrap().item;
        assert_eq!((stored.sync_failures, stored.sync_retry_at), (3, Some(1_000)), "{backend}");
        assert!(store.items_due_for_sync(1, 999).await.unwrap().is_empty(), "{backend}: backing off");
        assert_eq!(store.items_due_for_sync(1, 1_000).await.unwrap().len(), 1, "{backend}: back-off over");
        store.clear_sync_backoff("item-a").await.unwrap();
        assert_eq!(store.item(user, "item-a").await.unwrap().item.sync_failures, 0, "{backend}");
        // A revoked Item never counts as a duplicate of the same bank linked again.
        assert!(store.find_duplicate_item(user, "ins_1", &["0000".into()]).await.unwrap().is_some(), "{backend}");
        store
            .set_item_status("item-a", ItemStatus::Revoked, Some("USER_PERMISSION_REVOKED"), None, None)
            .await
            .unwrap();
        assert!(store.find_duplicate_item(user, "ins_1", &["0000".into()]).await.unwrap().is_none(), "{backend}");
    }
}

#[tokio::test]
async fn a_cached_balance_never_replaces_a_newer_real_time_one() {
    for backend in BACKENDS {
        let store = fresh(backend).await.store();
        let user = store.upsert_user("alice", "h", Role::Trader).await.unwrap();
        item(&store, user, "item-a", "ins_1", &["0000"]).await;
        let now = 1_800_000_000;
        let realtime = Account {
            balance_source: BalanceSource::Realtime,
            balance_as_of: Some(now),
            fetched_at: now,
            ..account("item-a", "item-a-0000", "0000", "500.00")
        };
        store.upsert_accounts(user, "item-a", &[realtime]).await.unwrap();
        // A sync a minute later brings Plaid's cached figure of unknown age: kept out.
        let cached = Account { fetched_at: now + 60, ..account("item-a", "item-a-0000", "0000", "450.00") };
        store.upsert_accounts(user, "item-a", std::slice::from_ref(&cached)).await.unwrap();
        let shown = store.accounts(user).await.unwrap().remove(0);
        assert_eq!(
            (shown.current, shown.balance_source),
            (Some("500.00".parse().unwrap()), BalanceSource::Realtime),
            "{backend}"
        );
        // A cached figure the bank dated after the real-time fetch wins.
        let newer = Account { balance_as_of: Some(now + 30), ..cached.clone() };
        store.upsert_accounts(user, "item-a", &[newer]).await.unwrap();
        let shown = store.accounts(user).await.unwrap().remove(0);
        assert_eq!(
            (shown.current, shown.balance_source),
            (Some("450.00".parse().unwrap()), BalanceSource::Sync),
            "{backend}"
        );
        // Revoking one account deletes it and its transactions only.
        store.delete_account("item-a", "item-a-0000").await.unwrap();
        assert!(store.accounts(user).await.unwrap().is_empty(), "{backend}");
        assert!(store.item(user, "item-a").await.is_ok(), "{backend}: the bank stays");
    }
}

#[tokio::test]
async fn postgres_connections_can_require_tls() {
    // The machine's Postgres has ssl = on (Debian's default): `sslmode=require` must connect
    // over TLS rather than fail for want of TLS support in sqlx.
    let url = banking_core::testing::fresh_url("postgres").await;
    let separator = if url.contains('?') { '&' } else { '?' };
    let db = banking_core::db::Database::connect(&format!("{url}{separator}sslmode=require")).await.unwrap();
    let banking_core::db::Database::Postgres(pool) = &db else { panic!("expected Postgres") };
    let encrypted: bool =
        sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetch_one(pool).await.unwrap();
    assert!(encrypted, "the connection is encrypted");
    db.migrate().await.unwrap();
}

#[tokio::test]
async fn daily_flows_sum_exactly_in_the_database_and_amounts_finer_than_that_still_count() {
    for backend in BACKENDS {
        let store = fresh(backend).await.store();
        let user = store.upsert_user("alice", "h", Role::Trader).await.unwrap();
        item(&store, user, "item-a", "ins_1", &["0000"]).await;
        let acct = "item-a-0000";
        let changes = SyncChanges {
            upserts: vec![
                txn("item-a", acct, "t1", "0.1", "2026-11-02"),
                txn("item-a", acct, "t2", "0.2", "2026-11-02"),
                txn("item-a", acct, "t3", "-1000000.05", "2026-11-02"),
                txn("item-a", acct, "t4", "0.00001", "2026-11-02"),
                txn("item-a", acct, "t5", "-7.5", "2026-11-03"),
                txn("item-a", acct, "t6", "99", "2026-10-01"),
            ],
            ..Default::default()
        };
        assert!(store.apply_sync("item-a", user, None, "c1", &changes, 10).await.unwrap());
        let from = "2026-11-01".parse().unwrap();
        let to = "2026-11-30".parse().unwrap();
        let mut totals = std::collections::BTreeMap::<String, (Decimal, Decimal)>::new();
        for day in store.daily_flows(user, from, to).await.unwrap() {
            let total = totals.entry(day.date.to_string()).or_default();
            total.0 += day.money_in;
            total.1 += day.money_out;
        }
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(totals["2026-11-02"], (d("1000000.05"), d("0.30001")), "{backend}: exact, not 0.30000000000000004");
        assert_eq!(totals["2026-11-03"], (d("7.5"), d("0")), "{backend}");
        assert_eq!(totals.len(), 2, "{backend}: October is outside the range");
    }
}

#[tokio::test]
async fn account_preferences_stay_with_the_account_across_a_re_link_and_its_owner() {
    async fn set(store: &Arc<dyn Store>, user: i64) -> Vec<(String, AccountPreferences)> {
        let joined = store.accounts_with_preferences(user).await.unwrap();
        joined.into_iter().filter_map(|(a, p)| p.map(|p| (a.account_id, p))).collect()
    }
    for backend in BACKENDS {
        let store = fresh(backend).await.store();
        let alice = store.upsert_user("alice", "h", Role::Trader).await.unwrap();
        let bob = store.upsert_user("bob", "h", Role::Trader).await.unwrap();
        item(&store, alice, "item-a", "ins_1", &["0000", "1111"]).await;
        let chosen = AccountPreferences::new(Some(" Trading cash "), true, false).unwrap();
        store.set_account_preferences(alice, "item-a-0000", &chosen, 10).await.unwrap();
        let err = store.set_account_preferences(bob, "item-a-0000", &chosen, 10).await.unwrap_err();
        assert!(matches!(err, banking_core::Error::NotFound(_)), "{backend}: {err:?}");
        let kept = set(&store, alice).await;
        assert_eq!(kept, vec![("item-a-0000".to_string(), chosen.clone())], "{backend}");
        assert!(set(&store, bob).await.is_empty());
        // The bank removed and linked again: new Item and account ids, the same account.
        store.delete_item(alice, "item-a").await.unwrap();
        item(&store, alice, "item-b", "ins_1", &["0000", "1111"]).await;
        let kept = set(&store, alice).await;
        assert_eq!(kept, vec![("item-b-0000".to_string(), chosen.clone())], "{backend}: kept across the re-link");
        // The accounts read joins them in the same order as the plain accounts read.
        let joined = store.accounts_with_preferences(alice).await.unwrap();
        let plain = store.accounts(alice).await.unwrap();
        assert_eq!(joined.iter().map(|(a, _)| a.clone()).collect::<Vec<_>>(), plain, "{backend}");
        let found: Vec<_> = joined.iter().map(|(a, p)| (a.account_id.as_str(), p.clone())).collect();
        assert_eq!(found, vec![("item-b-0000", Some(chosen.clone())), ("item-b-1111", None)], "{backend}");
        assert!(store.accounts_with_preferences(bob).await.unwrap().is_empty());
        // Changing them again replaces them.
        store.set_account_preferences(alice, "item-b-0000", &AccountPreferences::default(), 11).await.unwrap();
        assert_eq!(set(&store, alice).await[0].1, AccountPreferences::default());
    }
}

#[test]
fn a_nickname_is_trimmed_one_line_and_short() {
    assert_eq!(AccountPreferences::new(Some("  Cash  "), false, true).unwrap().nickname.as_deref(), Some("Cash"));
    assert_eq!(AccountPreferences::new(Some("   "), false, true).unwrap().nickname, None);
    assert!(AccountPreferences::new(Some(&"x".repeat(61)), false, true).is_err());
    assert!(AccountPreferences::new(Some("two\nlines"), false, true).is_err());
    assert!(AccountPreferences::new(Some(&"é".repeat(60)), false, true).is_ok(), "characters, not bytes");
}

#[tokio::test]
async fn the_workbench_filters_sorts_totals_and_keeps_a_traders_category() {
    use banking_core::model::TransactionSort;
    for backend in BACKENDS {
        let store = fresh(backend).await.store();
        let user = store.upsert_user("alice", "h", Role::Trader).await.unwrap();
        let bob = store.upsert_user("bob", "h", Role::Trader).await.unwrap();
        item(&store, user, "item-a", "ins_1", &["0000"]).await;
        item(&store, user, "item-b", "ins_2", &["1111"]).await;
        item(&store, bob, "item-c", "ins_1", &["2222"]).await;
        let named = |mut t: Transaction, name: &str, merchant: Option<&str>, category: &str| {
            t.name = name.into();
            t.merchant_name = merchant.map(Into::into);
            t.category = Some(category.into());
            t
        };
        let mut pending = named(txn("item-a", "item-a-0000", "a3", "42.00", "2026-11-05"), "CARD 1234", None, "TRAVEL");
        pending.pending = true;
        let a = SyncChanges {
            upserts: vec![
                named(
                    txn("item-a", "item-a-0000", "a1", "12.50", "2026-11-01"),
                    "Blue Bottle #12",
                    Some("Blue Bottle Coffee"),
                    "FOOD_AND_DRINK",
                ),
                named(txn("item-a", "item-a-0000", "a2", "-2500", "2026-11-03"), "ACME PAYROLL", None, "INCOME"),
                pending.clone(),
                named(txn("item-a", "item-a-0000", "a4", "0.123456", "2026-11-04"), "100%_FEE", None, "BANK_FEES"),
            ],
            ..Default::default()
        };
        assert!(store.apply_sync("item-a", user, None, "a1", &a, 10).await.unwrap(), "{backend}");
        let b = SyncChanges {
            upserts: vec![named(
                txn("item-b", "item-b-1111", "b1", "7.25", "2026-11-02"),
                "Coffee cart",
                None,
                "FOOD_AND_DRINK",
            )],
            ..Default::default()
        };
        assert!(store.apply_sync("item-b", user, None, "b1", &b, 10).await.unwrap(), "{backend}");
        let c = SyncChanges {
            upserts: vec![named(
                txn("item-c", "item-c-2222", "c1", "9", "2026-11-02"),
                "Coffee for bob",
                None,
                "FOOD_AND_DRINK",
            )],
            ..Default::default()
        };
        assert!(store.apply_sync("item-c", bob, None, "c1", &c, 10).await.unwrap(), "{backend}");

        let ids = |filter: TransactionFilter| {
            let store = store.clone();
            async move {
                let filter = TransactionFilter { limit: 50, ..filter };
                let rows = store.transactions(user, &filter).await.unwrap();
                rows.into_iter().map(|t| t.transaction_id).collect::<Vec<_>>()
            }
        };
        let all = TransactionFilter::default();
        assert_eq!(ids(all.clone()).await, ["a3", "a4", "a2", "b1", "a1"], "{backend}: newest first, only alice's");
        // Text in the description or the merchant, any case; LIKE's wildcards are plain text.
        let text = |t: &str| TransactionFilter { text: Some(t.into()), ..all.clone() };
        assert_eq!(ids(text("COFFEE")).await, ["b1", "a1"], "{backend}");
        assert_eq!(ids(text("%_")).await, ["a4"], "{backend}: % and _ are looked for as they are");
        assert!(ids(text("bob")).await.is_empty(), "{backend}: never another user's");
        let bank = TransactionFilter { item_id: Some("item-b".into()), ..all.clone() };
        assert_eq!(ids(bank).await, ["b1"], "{backend}");
        let category = TransactionFilter { category: Some("FOOD_AND_DRINK".into()), ..all.clone() };
        assert_eq!(ids(category.clone()).await, ["b1", "a1"], "{backend}");
        assert_eq!(ids(TransactionFilter { pending: Some(true), ..all.clone() }).await, ["a3"], "{backend}");
        assert_eq!(ids(TransactionFilter { pending: Some(false), ..all.clone() }).await.len(), 4, "{backend}");
        let sort = |sort| TransactionFilter { sort, ..all.clone() };
        assert_eq!(ids(sort(TransactionSort::AmountDesc)).await, ["a3", "a1", "b1", "a4", "a2"], "{backend}");
        assert_eq!(ids(sort(TransactionSort::AmountAsc)).await, ["a2", "a4", "b1", "a1", "a3"], "{backend}");
        assert_eq!(ids(sort(TransactionSort::DateAsc)).await, ["a1", "b1", "a2", "a4", "a3"], "{backend}");
        let second_page = TransactionFilter { offset: 2, limit: 2, ..all.clone() };
        let page: Vec<String> =
            store.transactions(user, &second_page).await.unwrap().into_iter().map(|t| t.transaction_id).collect();
        assert_eq!(page, ["a2", "b1"], "{backend}");

        // Totals per category over the filter, exact (amounts finer than 1/10,000 included).
        let totals = store.category_totals(user, &all).await.unwrap();
        let total = |c: &str| totals.iter().find(|t| t.category.as_deref() == Some(c)).cloned().unwrap();
        assert_eq!(total("INCOME").money_in, Decimal::new(2500, 0), "{backend}");
        assert_eq!((total("FOOD_AND_DRINK").count, total("FOOD_AND_DRINK").money_out), (2, Decimal::new(1975, 2)));
        assert_eq!(total("BANK_FEES").money_out, "0.123456".parse::<Decimal>().unwrap(), "{backend}");
        let coffee = store.category_totals(user, &text("coffee")).await.unwrap();
        assert_eq!(coffee.len(), 1, "{backend}: the filter applies to the totals");

        // A trader's category: kept when Plaid modifies the transaction, and carried to the
        // posted transaction that replaces a pending one.
        let filed = store.set_user_category(user, "a1", Some("ENTERTAINMENT"), 20).await.unwrap();
        assert_eq!(filed.effective_category(), Some("ENTERTAINMENT"), "{backend}");
        store.set_user_category(user, "a3", Some("GENERAL_SERVICES"), 20).await.unwrap();
        assert!(store.set_user_category(bob, "a1", Some("INCOME"), 20).await.is_err(), "{backend}: not bob's");
        assert!(store.set_user_category(user, "c1", Some("INCOME"), 20).await.is_err(), "{backend}: not alice's");
        let mut posted = txn("item-a", "item-a-0000", "a3-posted", "42.00", "2026-11-06");
        posted.pending_transaction_id = Some("a3".into());
        let next = SyncChanges {
            upserts: vec![
                named(txn("item-a", "item-a-0000", "a1", "13.00", "2026-11-01"), "Blue Bottle", None, "FOOD_AND_DRINK"),
                posted,
            ],
            modified: ["a1".to_string()].into(),
            removed: vec!["a3".into()],
            ..Default::default()
        };
        assert!(store.apply_sync("item-a", user, Some("a1"), "a2", &next, 30).await.unwrap(), "{backend}");
        let rows = store.transactions(user, &TransactionFilter { limit: 50, ..Default::default() }).await.unwrap();
        let find = |id: &str| rows.iter().find(|t| t.transaction_id == id).unwrap();
        assert_eq!(find("a1").effective_category(), Some("ENTERTAINMENT"), "{backend}: kept across a modification");
        assert_eq!(find("a1").amount, Decimal::new(1300, 2));
        assert_eq!(find("a3-posted").effective_category(), Some("GENERAL_SERVICES"), "{backend}: carried when posted");
        assert_eq!(ids(category).await, ["b1"], "{backend}: filtered by the trader's category");
        store.set_user_category(user, "a1", None, 40).await.unwrap();
        let rows = store.transactions(user, &text("blue")).await.unwrap();
        assert_eq!(rows[0].effective_category(), Some("FOOD_AND_DRINK"), "{backend}: back to Plaid's");
    }
}

#[tokio::test]
async fn an_institutions_identity_is_cached_checked_and_shown_with_its_banks() {
    use banking_core::model::InstitutionInfo;
    use base64::Engine;
    let png = base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\nrest-of-a-png");
    // What Plaid sent is checked before it is kept: a colour that is not #RRGGBB, a website
    // not on https and a logo that is not a PNG are dropped.
    let unsafe_one = InstitutionInfo::checked(
        "ins_2".into(),
        "Odd Bank".into(),
        Some("red;background:url(x)".into()),
        Some("javascript:alert(1)".into()),
        Some(base64::engine::general_purpose::STANDARD.encode(b"<svg onload=alert(1)>")),
        1,
    );
    assert_eq!((unsafe_one.primary_color, unsafe_one.url, unsafe_one.logo), (None, None, None));
    let info = InstitutionInfo::checked(
        "ins_1".into(),
        "Bank".into(),
        Some("#0F766E".into()),
        Some("https://bank.example".into()),
        Some(png.clone()),
        1_700_000_000,
    );
    assert_eq!(info.logo.as_deref(), Some(png.as_str()));
    for backend in BACKENDS {
        let store = fresh(backend).await.store();
        let user = store.upsert_user("alice", "h", Role::Trader).await.unwrap();
        item(&store, user, "item-a", "ins_1", &["0000"]).await;
        let listed = &store.listed_items(user).await.unwrap()[0];
        assert_eq!((listed.primary_color.clone(), listed.has_logo), (None, false), "{backend}: nothing cached yet");
        assert!(store.institution("ins_1").await.unwrap().is_none());
        store.save_institution(&info).await.unwrap();
        assert_eq!(store.institution("ins_1").await.unwrap().as_ref(), Some(&info), "{backend}");
        let listed = &store.listed_items(user).await.unwrap()[0];
        assert_eq!((listed.primary_color.as_deref(), listed.has_logo), (Some("#0F766E"), true), "{backend}");
        let stored = store.item(user, "item-a").await.unwrap();
        assert!(stored.item.has_logo, "{backend}: the same with the token");
        // A later fetch replaces it.
        let newer = InstitutionInfo { logo: None, fetched_at: 1_800_000_000, ..info.clone() };
        store.save_institution(&newer).await.unwrap();
        assert!(!store.listed_items(user).await.unwrap()[0].has_logo, "{backend}");
    }
}

#[tokio::test]
async fn each_balance_write_keeps_the_days_snapshot_and_a_real_time_one_keeps_its_own() {
    use banking_core::model::SnapshotSource::{Daily, Realtime};
    let start = 1_700_000_000; // 2023-11-14 22:13 UTC
    let day = |n: i64| chrono::NaiveDate::from_ymd_opt(2023, 11, 14).unwrap() + chrono::Duration::days(n);
    for backend in BACKENDS {
        let store = fresh(backend).await.store();
        let alice = store.upsert_user("alice", "h", Role::Trader).await.unwrap();
        let bob = store.upsert_user("bob", "h", Role::Trader).await.unwrap();
        // Linking takes the first day's snapshot of each account (100.10 each).
        item(&store, alice, "item-a", "ins_1", &["0000", "1111"]).await;
        let card = Account {
            account_type: "credit".into(),
            subtype: Some("credit card".into()),
            ..account("item-a", "item-a-card", "9999", "-40.00")
        };
        store.upsert_accounts(alice, "item-a", &[card]).await.unwrap();
        // A later write the same day replaces that day's figure.
        let later = Account { fetched_at: start + 600, ..account("item-a", "item-a-0000", "0000", "150.00") };
        store.upsert_accounts(alice, "item-a", &[later]).await.unwrap();
        // The next day a real-time refresh: that day's snapshot and a real-time one.
        let realtime = Account {
            balance_source: BalanceSource::Realtime,
            balance_as_of: Some(start + 86_400),
            fetched_at: start + 86_400,
            ..account("item-a", "item-a-0000", "0000", "200.00")
        };
        store.upsert_accounts(alice, "item-a", &[realtime]).await.unwrap();
        // The day after, nothing was written: the safety net takes that day's snapshots once.
        assert_eq!(store.take_daily_snapshots(day(2), start + 2 * 86_400).await.unwrap(), 3, "{backend}");
        assert_eq!(store.take_daily_snapshots(day(2), start + 2 * 86_400 + 60).await.unwrap(), 0, "{backend}");
        // 1111 is left out of total cash.
        let out = AccountPreferences::new(None, false, false).unwrap();
        store.set_account_preferences(alice, "item-a-1111", &out, 1).await.unwrap();

        let shown = |rows: Vec<banking_core::model::BalanceSnapshot>| -> Vec<(String, String, String, bool)> {
            rows.into_iter()
                .map(|s| (s.day.to_string(), s.account_id, s.current.unwrap().to_string(), s.counted))
                .collect()
        };
        let all = shown(store.balance_snapshots(alice, Daily, day(0)).await.unwrap());
        let expected: Vec<(String, String, String, bool)> = [
            ("2023-11-14", "item-a-0000", "150.00", true),
            ("2023-11-14", "item-a-1111", "100.10", false),
            ("2023-11-14", "item-a-card", "-40.00", false),
            ("2023-11-15", "item-a-0000", "200.00", true),
            ("2023-11-16", "item-a-0000", "200.00", true),
            ("2023-11-16", "item-a-1111", "100.10", false),
            ("2023-11-16", "item-a-card", "-40.00", false),
        ]
        .map(|(d, a, c, counted)| (d.to_string(), a.to_string(), c.to_string(), counted))
        .into();
        let mut sorted = all.clone();
        sorted.sort();
        assert_eq!(sorted, expected, "{backend}: one snapshot per account and day, the day's last figure");
        // From the second day: each account's last snapshot before it comes too.
        let from_second = shown(store.balance_snapshots(alice, Daily, day(1)).await.unwrap());
        assert_eq!(from_second.len(), 7, "{backend}: {from_second:?}");
        assert!(from_second.iter().any(|r| r.0 == "2023-11-14" && r.1 == "item-a-1111"), "{backend}");
        let from_third = shown(store.balance_snapshots(alice, Daily, day(2)).await.unwrap());
        let seeds: Vec<_> = from_third.iter().filter(|r| r.0.as_str() < "2023-11-16").collect();
        assert_eq!(seeds.len(), 3, "{backend}: the last before the range, per account: {seeds:?}");
        assert!(seeds.iter().any(|r| r.0 == "2023-11-15" && r.1 == "item-a-0000"), "{backend}");
        let realtime = shown(store.balance_snapshots(alice, Realtime, day(0)).await.unwrap());
        assert_eq!(realtime, vec![("2023-11-15".into(), "item-a-0000".into(), "200.00".into(), true)], "{backend}");
        assert!(store.balance_snapshots(bob, Daily, day(0)).await.unwrap().is_empty(), "{backend}: alice's only");

        // Retention: daily before the second day and real-time before the third go.
        assert_eq!(store.prune_balance_snapshots(day(1), day(2)).await.unwrap(), 4, "{backend}");
        assert!(store.balance_snapshots(alice, Realtime, day(0)).await.unwrap().is_empty(), "{backend}");
        // An account's history goes with it.
        store.delete_account("item-a", "item-a-0000").await.unwrap();
        let left = shown(store.balance_snapshots(alice, Daily, day(0)).await.unwrap());
        assert!(left.iter().all(|r| r.1 != "item-a-0000") && left.len() == 2, "{backend}: {left:?}");
    }
}

#[tokio::test]
async fn bank_health_lists_every_users_banks_and_the_audit_trail_keeps_the_last_entries() {
    use banking_core::{model::AuditEntry, store::audit::AUDIT_ENTRIES_PER_ITEM};
    let entry = |item: &str, user: i64, at: i64, action: &str| AuditEntry {
        item_id: item.into(),
        user_id: user,
        at,
        actor: format!("user:{user}"),
        action: action.into(),
        detail: Some(format!("#{at}")),
    };
    for backend in BACKENDS {
        let store = fresh(backend).await.store();
        let bob = store.upsert_user("bob", "h", Role::Trader).await.unwrap();
        let alice = store.upsert_user("alice", "h", Role::Trader).await.unwrap();
        item(&store, bob, "item-b", "ins_2", &["0000"]).await;
        item(&store, alice, "item-a", "ins_1", &["0000", "1111"]).await;
        store.record_plaid_error("item-a", "ITEM_LOGIN_REQUIRED", Some("req-42"), 1_800).await.unwrap();
        assert!(store.record_webhook_failure("item-a", "bad signature", 1_900).await.unwrap(), "{backend}");
        assert!(store.record_webhook_failure("item-a", "expired", 1_950).await.unwrap(), "{backend}");
        assert!(!store.record_webhook_failure("item-nobody", "bad signature", 1_950).await.unwrap(), "{backend}");
        store
            .record_webhook("digest-1", Some("item-a"), "TRANSACTIONS/SYNC_UPDATES_AVAILABLE", "{}", 2_000, 0)
            .await
            .unwrap();

        let banks = store.bank_health(10, 0).await.unwrap();
        let listed: Vec<(&str, &str, i64)> =
            banks.iter().map(|b| (b.username.as_str(), b.item_id.as_str(), b.accounts)).collect();
        assert_eq!(listed, vec![("alice", "item-a", 2), ("bob", "item-b", 1)], "{backend}: every user's, by name");
        let a = &banks[0];
        assert_eq!(
            (a.last_error_code.as_deref(), a.last_error_request_id.as_deref(), a.last_error_at),
            (Some("ITEM_LOGIN_REQUIRED"), Some("req-42"), Some(1_800)),
            "{backend}"
        );
        assert_eq!(
            (a.webhook_failures, a.webhook_failure_at, a.webhook_failure_reason.as_deref(), a.last_webhook_at),
            (2, Some(1_950), Some("expired"), Some(2_000)),
            "{backend}"
        );
        let b = &banks[1];
        assert_eq!((b.last_error_code.clone(), b.webhook_failures, b.last_webhook_at), (None, 0, None), "{backend}");
        assert_eq!(store.bank_health(1, 1).await.unwrap()[0].item_id, "item-b", "{backend}: paged");

        // The trail: newest first, the last entries per bank kept, another bank's untouched.
        for at in 0..AUDIT_ENTRIES_PER_ITEM + 5 {
            store.audit(&entry("item-a", alice, at, "synced")).await.unwrap();
        }
        store.audit(&entry("item-b", bob, 7, "linked")).await.unwrap();
        let trail = store.audit_trail("item-a", 1_000).await.unwrap();
        assert_eq!(trail.len() as i64, AUDIT_ENTRIES_PER_ITEM, "{backend}");
        assert_eq!((trail[0].at, trail.last().unwrap().at), (AUDIT_ENTRIES_PER_ITEM + 4, 5), "{backend}");
        assert_eq!(store.audit_trail("item-a", 3).await.unwrap().len(), 3, "{backend}");
        assert_eq!(store.audit_trail("item-b", 10).await.unwrap(), vec![entry("item-b", bob, 7, "linked")]);
        // It outlives the bank, until its retention ends.
        store.delete_item(bob, "item-b").await.unwrap();
        assert_eq!(store.audit_trail("item-b", 10).await.unwrap().len(), 1, "{backend}");
        assert_eq!(store.prune_audit(10).await.unwrap(), 6, "{backend}: entries before 10");
        assert!(store.audit_trail("item-b", 10).await.unwrap().is_empty(), "{backend}");
    }
}

#[tokio::test]
async fn a_banks_liabilities_are_replaced_together_and_go_with_their_account() {
    use banking_core::model::{Liability, LiabilityKind};
    let day = |s: &str| Some(s.parse::<chrono::NaiveDate>().unwrap());
    let card = |account: &str, due: &str, overdue: bool| Liability {
        account_id: account.into(),
        item_id: "item-a".into(),
        kind: LiabilityKind::Credit,
        apr: Some("22.49".parse().unwrap()),
        is_overdue: Some(overdue),
        minimum_payment: Some("25.00".parse().unwrap()),
        next_payment_due: day(due),
        last_payment_amount: Some("150".parse().unwrap()),
        last_payment_date: day("2026-10-01"),
        last_statement_balance: Some("640.10".parse().unwrap()),
    };
    for backend in BACKENDS {
        let store = fresh(backend).await.store();
        let alice = store.upsert_user("alice", "h", Role::Trader).await.unwrap();
        let bob = store.upsert_user("bob", "h", Role::Trader).await.unwrap();
        item(&store, alice, "item-a", "ins_1", &["0000", "1111"]).await;
        item(&store, bob, "item-b", "ins_1", &["2222"]).await;
        let first = [card("item-a-1111", "2026-12-20", false), card("item-a-0000", "2026-12-05", false)];
        store.replace_liabilities(alice, "item-a", &first, 10).await.unwrap();
        let kept = store.liabilities(alice).await.unwrap();
        let due: Vec<_> = kept.iter().map(|l| (l.account_id.as_str(), l.next_payment_due)).collect();
        assert_eq!(due, vec![("item-a-0000", day("2026-12-05")), ("item-a-1111", day("2026-12-20"))], "{backend}");
        assert_eq!(kept[0], first[1], "{backend}: kept exactly");
        // A later fetch replaces the bank's: the card no longer reported is gone; another
        // user's account or an account that is not stored is never written.
        let later = [
            card("item-a-1111", "2026-11-20", true),
            Liability { item_id: "item-a".into(), ..card("item-b-2222", "2026-11-01", true) },
            card("item-a-9999", "2026-11-01", true),
        ];
        store.replace_liabilities(alice, "item-a", &later, 20).await.unwrap();
        let kept = store.liabilities(alice).await.unwrap();
        assert_eq!(kept, vec![later[0].clone()], "{backend}");
        assert!(store.liabilities(bob).await.unwrap().is_empty(), "{backend}");
        // The account's revocation takes its liability with it.
        store.delete_account("item-a", "item-a-1111").await.unwrap();
        assert!(store.liabilities(alice).await.unwrap().is_empty(), "{backend}");
    }
}

#[tokio::test]
async fn a_banks_positions_and_investment_activity_are_replaced_per_fetch() {
    use banking_core::model::{Holding, InvestmentTransaction};
    let position = |account: &str, security: &str, value: &str, cash: bool| Holding {
        account_id: account.into(),
        item_id: "item-a".into(),
        security_id: security.into(),
        ticker: Some(security.to_uppercase()),
        name: Some(format!("{security} Inc.")),
        security_type: Some(if cash { "cash" } else { "equity" }.into()),
        is_cash: cash,
        quantity: "1.5".parse().unwrap(),
        price: "10.25".parse().unwrap(),
        price_as_of: Some("2026-11-20".parse().unwrap()),
        value: value.parse().unwrap(),
        cost_basis: (!cash).then(|| "9.99".parse().unwrap()),
        currency: Some("USD".into()),
    };
    let activity = |id: &str, date: &str| InvestmentTransaction {
        investment_transaction_id: id.into(),
        account_id: "item-a-0000".into(),
        item_id: "item-a".into(),
        date: date.parse().unwrap(),
        name: format!("BUY {id}"),
        kind: "buy".into(),
        subtype: "buy".into(),
        ticker: Some("AAPL".into()),
        quantity: "0.125".parse().unwrap(),
        price: "190.10".parse().unwrap(),
        amount: "23.7625".parse().unwrap(),
        fees: None,
        currency: Some("USD".into()),
    };
    for backend in BACKENDS {
        let store = fresh(backend).await.store();
        let alice = store.upsert_user("alice", "h", Role::Trader).await.unwrap();
        let bob = store.upsert_user("bob", "h", Role::Trader).await.unwrap();
        item(&store, alice, "item-a", "ins_1", &["0000"]).await;
        let held = [
            position("item-a-0000", "small", "15.37", false),
            position("item-a-0000", "usd", "5.00", true),
            position("item-a-0000", "big", "100.00", false),
            position("item-a-9999", "ghost", "1.00", false),
        ];
        store.replace_holdings(alice, "item-a", &held, 1).await.unwrap();
        let kept = store.holdings(alice).await.unwrap();
        let order: Vec<&str> = kept.iter().map(|h| h.security_id.as_str()).collect();
        assert_eq!(order, ["usd", "big", "small"], "{backend}: cash first, then largest; no unknown account");
        assert_eq!(kept[1], held[2], "{backend}: kept exactly");
        assert!(store.holdings(bob).await.unwrap().is_empty(), "{backend}");
        store.replace_holdings(alice, "item-a", &held[..1], 2).await.unwrap();
        assert_eq!(store.holdings(alice).await.unwrap().len(), 1, "{backend}: replaced, not added to");

        let first = [activity("t1", "2026-08-01"), activity("t2", "2026-10-01"), activity("t3", "2026-11-01")];
        store.replace_investment_transactions(alice, "item-a", "2026-08-01".parse().unwrap(), &first).await.unwrap();
        // A later fetch's window starts in September: older ones stay, the window's are its own.
        let later = [activity("t4", "2026-11-20")];
        store.replace_investment_transactions(alice, "item-a", "2026-09-01".parse().unwrap(), &later).await.unwrap();
        let ids: Vec<String> = store
            .investment_transactions(alice, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.investment_transaction_id)
            .collect();
        assert_eq!(ids, ["t4", "t1"], "{backend}: newest first");
        assert_eq!(store.investment_transactions(alice, 1).await.unwrap()[0], later[0], "{backend}: exact");
        // They go with their account.
        store.delete_account("item-a", "item-a-0000").await.unwrap();
        assert!(store.holdings(alice).await.unwrap().is_empty(), "{backend}");
        assert!(store.investment_transactions(alice, 10).await.unwrap().is_empty(), "{backend}");
    }
}
