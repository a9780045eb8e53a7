//! The outbox and its relay to NATS JetStream: every committed change writes its events in
//! the same transaction, and they reach the stream in order, once, whatever happens to NATS
//! or the relay. Against the real NATS at `EVENTS_NATS_URL` (default 127.0.0.1:4222; the
//! tests fail, never skip, when it is not there), each test on a stream and subjects of its
//! own; the NATS-down test runs its own `nats-server` (Debian's) on a free port.

use std::{collections::HashSet, sync::Arc, time::Duration};

use async_nats::jetstream::{self, consumer::pull::OrderedConfig};
use banking_core::{
    db::Database,
    model::{Account, BalanceSource, ItemStatus, Role, Transaction},
    relay::{Relay, RelayConfig},
    store::{NewItem, SealedToken, Store, SyncChanges},
    testing::{fresh, BACKENDS},
};
use cashflow_api::stream::{Change, StreamEvent};
use futures::StreamExt;

/// A `nats-server` of the test's own, stopped when dropped.
struct NatsServer(std::process::Child);

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn nats_url() -> String {
    std::env::var("EVENTS_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

/// A relay configuration on a stream and subject prefix of this test's own.
fn config(url: &str) -> RelayConfig {
    let tag = format!("t{}", rand::random::<u32>());
    RelayConfig {
        stream: tag.to_uppercase(),
        subject_prefix: tag,
        idle_poll: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        ..RelayConfig::new(url)
    }
}

async fn reachable(url: &str) -> async_nats::Client {
    async_nats::connect(url).await.unwrap_or_else(|e| {
        panic!(
            "NATS is not reachable at EVENTS_NATS_URL={url}: {e}. Start it with `start-stop-daemon --start --oknodo \
             --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server`."
        )
    })
}

/// Every event on the test's stream, in stream order (waits up to 5 s for `expected`).
async fn stream_events(url: &str, config: &RelayConfig, expected: usize) -> Vec<StreamEvent> {
    let context = jetstream::new(reachable(url).await);
    let stream = context.get_stream(&config.stream).await.expect("the relay created the stream");
    let consumer = stream
        .create_consumer(OrderedConfig { filter_subject: format!("{}.>", config.subject_prefix), ..Default::default() })
        .await
        .unwrap();
    let mut messages = consumer.messages().await.unwrap();
    let mut events = Vec::new();
    loop {
        let wait = if events.len() < expected { Duration::from_secs(5) } else { Duration::from_millis(300) };
        match tokio::time::timeout(wait, messages.next()).await {
            Ok(Some(Ok(message))) => {
                let event: StreamEvent = serde_json::from_slice(&message.payload).unwrap();
                assert_eq!(message.subject.as_str(), event.subject(&config.subject_prefix));
                events.push(event);
            }
            Ok(Some(Err(e))) => panic!("consumer: {e}"),
            Ok(None) | Err(_) => break,
        }
    }
    events
}

async fn drop_stream(url: &str, config: &RelayConfig) {
    let context = jetstream::new(reachable(url).await);
    let _ = context.delete_stream(&config.stream).await;
}

fn account(item: &str, current: &str) -> Account {
    Account {
        account_id: format!("{item}-acc"),
        item_id: item.into(),
        name: "Checking".into(),
        official_name: None,
        mask: Some("0000".into()),
        account_type: "depository".into(),
        subtype: Some("checking".into()),
        available: None,
        current: Some(current.parse().unwrap()),
        limit: None,
        currency: Some("USD".into()),
        balance_as_of: None,
        fetched_at: 1_800_000_000,
        balance_source: BalanceSource::Sync,
    }
}

fn txn(item: &str, id: &str, amount: &str) -> Transaction {
    Transaction {
        transaction_id: id.into(),
        account_id: format!("{item}-acc"),
        item_id: item.into(),
        amount: amount.parse().unwrap(),
        currency: Some("USD".into()),
        date: "2026-11-20".parse().unwrap(),
        authorized_date: None,
        name: format!("txn {id}"),
        merchant_name: None,
        category: Some("FOOD_AND_DRINK".into()),
        pending: false,
        user_category: None,
        pending_transaction_id: None,
    }
}

/// A store with the outbox on, a user, and an Item of theirs.
async fn store_with_item(backend: &str, item_id: &str) -> (Database, Arc<dyn Store>, i64) {
    let db = fresh(backend).await;
    let store = db.store_with_outbox(true);
    let user = store.upsert_user("trader", "hash", Role::Trader).await.unwrap();
    let new = NewItem {
        item_id: item_id.into(),
        user_id: user,
        institution_id: Some("ins_1".into()),
        institution_name: "First Bank".into(),
        token: SealedToken { ciphertext: vec![0; 13], key_id: "k1".into() },
        webhook_url: None,
    };
    store.insert_item(&new, &[account(item_id, "100.00")]).await.unwrap();
    (db, store, user)
}

/// Applies syncs to the Item: `n` transactions added, one by one, each with its own cursor.
async fn sync_transactions(store: &Arc<dyn Store>, user: i64, item_id: &str, n: usize) {
    for i in 0..n {
        let cursor = (i > 0).then(|| format!("c{}", i - 1));
        let changes =
            SyncChanges { upserts: vec![txn(item_id, &format!("{item_id}-t{i}"), "1.25")], ..Default::default() };
        assert!(store
            .apply_sync(item_id, user, cursor.as_deref(), &format!("c{i}"), &changes, 1_800_000_000)
            .await
            .unwrap());
    }
}

#[tokio::test]
async fn each_committed_change_writes_its_events_in_its_transaction_and_none_without_the_outbox() {
    for backend in BACKENDS {
        let (db, store, user) = store_with_item(backend, "item-1").await;
        let changes = SyncChanges {
            upserts: vec![txn("item-1", "new", "12.50"), txn("item-1", "old", "-3.00")],
            modified: HashSet::from(["old".to_string()]),
            removed: vec!["gone".into()],
            accounts: vec![account("item-1", "87.50")],
        };
        assert!(store.apply_sync("item-1", user, None, "c1", &changes, 1_800_000_000).await.unwrap());
        // A sync that lost the cursor race commits nothing, so it writes no event.
        assert!(!store.apply_sync("item-1", user, None, "c2", &changes, 1_800_000_000).await.unwrap());
        assert!(store
            .set_item_status("item-1", ItemStatus::LoginRequired, Some("ITEM_LOGIN_REQUIRED"), None, None)
            .await
            .unwrap());
        store.delete_item(user, "item-1").await.unwrap();

        let pending = store.pending_events(100).await.unwrap();
        let kinds: Vec<&str> = pending.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "bank_linked",
                "transactions_added",
                "transactions_modified",
                "transactions_removed",
                "balances_updated",
                "bank_status_changed",
                "bank_removed"
            ],
            "{backend}"
        );
        let events: Vec<StreamEvent> = pending.iter().map(|e| serde_json::from_str(&e.body).unwrap()).collect();
        assert!(events.iter().all(|e| e.user_id == user && e.item_id == "item-1" && e.schema_version == 1));
        assert!(pending.windows(2).all(|w| w[0].seq < w[1].seq), "{backend}: outbox order");
        match &events[1].change {
            Change::TransactionsAdded { transactions } => {
                assert_eq!(transactions.len(), 1);
                assert_eq!(
                    (transactions[0].transaction_id.as_str(), transactions[0].amount.as_str()),
                    ("new", "12.50")
                );
                assert_eq!(transactions[0].date, "2026-11-20");
            }
            other => panic!("{other:?}"),
        }
        match &events[4].change {
            Change::BalancesUpdated { accounts } => assert_eq!(accounts[0].current.as_deref(), Some("87.50")),
            other => panic!("{other:?}"),
        }
        assert_eq!(store.backlog().await.unwrap().pending, 7);
        // Published rows stay for the retention period, then go; unpublished ones never do.
        let first: Vec<i64> = pending.iter().take(3).map(|e| e.seq).collect();
        store.mark_published(&first, 1_000).await.unwrap();
        assert_eq!(store.prune_published(1_000).await.unwrap(), 0, "{backend}: not yet past retention");
        assert_eq!(store.prune_published(1_001).await.unwrap(), 3, "{backend}");
        assert_eq!(store.backlog().await.unwrap().pending, 4);
        let left: Vec<String> = store.pending_events(100).await.unwrap().into_iter().map(|e| e.event_type).collect();
        assert_eq!(left, ["transactions_removed", "balances_updated", "bank_status_changed", "bank_removed"]);

        // The same changes through a store with the outbox off write nothing.
        let plain = db.store();
        let user2 = plain.upsert_user("other", "hash", Role::Trader).await.unwrap();
        let new = NewItem {
            item_id: "item-2".into(),
            user_id: user2,
            institution_id: None,
            institution_name: "Second Bank".into(),
            token: SealedToken { ciphertext: vec![0; 13], key_id: "k1".into() },
            webhook_url: None,
        };
        plain.insert_item(&new, &[account("item-2", "1.00")]).await.unwrap();
        sync_transactions(&plain, user2, "item-2", 2).await;
        assert_eq!(store.backlog().await.unwrap().pending, 4, "{backend}");
    }
}

#[tokio::test]
async fn a_traders_category_is_an_event_for_other_services_and_a_refused_one_is_none() {
    for backend in BACKENDS {
        let (_db, store, user) = store_with_item(backend, "item-1").await;
        let changes = SyncChanges { upserts: vec![txn("item-1", "t1", "12.50")], ..Default::default() };
        assert!(store.apply_sync("item-1", user, None, "c1", &changes, 1_800_000_000).await.unwrap());
        let before = store.backlog().await.unwrap().pending;
        store.set_user_category(user, "t1", Some("TRAVEL"), 1_800_000_100).await.unwrap();
        assert!(store.set_user_category(user + 1, "t1", Some("INCOME"), 1_800_000_200).await.is_err());
        let pending = store.pending_events(100).await.unwrap();
        assert_eq!(pending.len() as i64, before + 1, "{backend}: one event, none for the refused change");
        let last: StreamEvent = serde_json::from_str(&pending.last().unwrap().body).unwrap();
        match last.change {
            Change::TransactionsModified { transactions } => {
                assert_eq!(transactions[0].transaction_id, "t1");
                assert_eq!(transactions[0].user_category.as_deref(), Some("TRAVEL"), "{backend}");
                assert_eq!(transactions[0].category.as_deref(), Some("FOOD_AND_DRINK"), "{backend}: Plaid's kept");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn investments_and_liabilities_are_events_when_a_fetch_changes_them_and_none_when_it_does_not() {
    use banking_core::model::{Holding, InvestmentTransaction, Liability, LiabilityKind};
    let position = |security: &str, value: &str| Holding {
        account_id: "item-1-acc".into(),
        item_id: "item-1".into(),
        security_id: security.into(),
        ticker: Some(security.to_uppercase()),
        name: None,
        security_type: Some("equity".into()),
        is_cash: false,
        quantity: "2".parse().unwrap(),
        price: "10.125".parse().unwrap(),
        price_as_of: None,
        value: value.parse().unwrap(),
        cost_basis: None,
        currency: Some("USD".into()),
    };
    let card = |minimum: &str| Liability {
        account_id: "item-1-acc".into(),
        item_id: "item-1".into(),
        kind: LiabilityKind::Credit,
        apr: Some("22.49".parse().unwrap()),
        is_overdue: Some(false),
        minimum_payment: Some(minimum.parse().unwrap()),
        next_payment_due: Some("2026-12-05".parse().unwrap()),
        last_payment_amount: None,
        last_payment_date: None,
        last_statement_balance: None,
    };
    let trade = |id: &str, date: &str, amount: &str| InvestmentTransaction {
        investment_transaction_id: id.into(),
        account_id: "item-1-acc".into(),
        item_id: "item-1".into(),
        date: date.parse().unwrap(),
        name: format!("BUY {id}"),
        kind: "buy".into(),
        subtype: "buy".into(),
        ticker: Some("AAPL".into()),
        quantity: "1".parse().unwrap(),
        price: amount.parse().unwrap(),
        amount: amount.parse().unwrap(),
        fees: None,
        currency: Some("USD".into()),
    };
    let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
    for backend in BACKENDS {
        let (_db, store, user) = store_with_item(backend, "item-1").await;
        let before = store.pending_events(100).await.unwrap().len();
        let held = [position("aapl", "20.25"), position("msft", "40.50")];
        store.replace_holdings(user, "item-1", &held, 1_800_000_000).await.unwrap();
        store.replace_holdings(user, "item-1", &held, 1_800_000_100).await.unwrap(); // unchanged: no event
        store.replace_holdings(user, "item-1", &[], 1_800_000_200).await.unwrap(); // all sold
        store.replace_liabilities(user, "item-1", &[card("25.00")], 1_800_000_300).await.unwrap();
        store.replace_liabilities(user, "item-1", &[card("25.00")], 1_800_000_400).await.unwrap(); // unchanged
        let first = [trade("t1", "2026-10-01", "100"), trade("t2", "2026-11-01", "200")];
        store.replace_investment_transactions(user, "item-1", day("2026-10-01"), &first).await.unwrap();
        // The next window starts after t1 (kept); t2 was corrected, t3 is new.
        let second = [trade("t2", "2026-11-01", "201.50"), trade("t3", "2026-11-20", "300")];
        store.replace_investment_transactions(user, "item-1", day("2026-10-15"), &second).await.unwrap();
        store.replace_investment_transactions(user, "item-1", day("2026-10-15"), &second[1..]).await.unwrap();
        store.replace_investment_transactions(user, "item-1", day("2026-10-15"), &second[1..]).await.unwrap();

        let pending = store.pending_events(100).await.unwrap().split_off(before);
        let kinds: Vec<&str> = pending.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "holdings_updated",
                "holdings_updated",
                "liabilities_updated",
                "investment_transactions_added",
                "investment_transactions_added",
                "investment_transactions_modified",
                "investment_transactions_removed"
            ],
            "{backend}"
        );
        let events: Vec<Change> =
            pending.iter().map(|e| serde_json::from_str::<StreamEvent>(&e.body).unwrap().change).collect();
        match &events[0] {
            Change::HoldingsUpdated { holdings, part: 1, parts: 1 } => {
                let held: Vec<(&str, &str, &str)> =
                    holdings.iter().map(|h| (h.security_id.as_str(), h.quantity.as_str(), h.value.as_str())).collect();
                assert_eq!(held, [("aapl", "2", "20.25"), ("msft", "2", "40.50")], "{backend}");
                assert_eq!(holdings[0].price, "10.125", "{backend}: exact");
            }
            other => panic!("{backend}: {other:?}"),
        }
        assert!(matches!(&events[1], Change::HoldingsUpdated { holdings, .. } if holdings.is_empty()), "{backend}");
        match &events[2] {
            Change::LiabilitiesUpdated { liabilities } => {
                assert_eq!(liabilities.len(), 1, "{backend}");
                assert_eq!(liabilities[0].kind, LiabilityKind::Credit);
                assert_eq!(liabilities[0].minimum_payment.as_deref(), Some("25.00"), "{backend}");
                assert_eq!(liabilities[0].next_payment_due_date.as_deref(), Some("2026-12-05"), "{backend}");
            }
            other => panic!("{backend}: {other:?}"),
        }
        let ids = |change: &Change| match change {
            Change::InvestmentTransactionsAdded { transactions }
            | Change::InvestmentTransactionsModified { transactions } => {
                transactions.iter().map(|t| format!("{} {}", t.investment_transaction_id, t.amount)).collect::<Vec<_>>()
            }
            Change::InvestmentTransactionsRemoved { investment_transaction_ids } => investment_transaction_ids.clone(),
            other => panic!("{backend}: {other:?}"),
        };
        assert_eq!(ids(&events[3]), ["t1 100", "t2 200"], "{backend}");
        assert_eq!(ids(&events[4]), ["t3 300"], "{backend}");
        assert_eq!(ids(&events[5]), ["t2 201.50"], "{backend}: the corrected one");
        assert_eq!(ids(&events[6]), ["t2"], "{backend}");
    }
}

#[tokio::test]
async fn events_wait_while_nats_is_down_and_all_arrive_in_order_once_it_is_back() {
    let _ = reachable(&nats_url()).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("nats://127.0.0.1:{port}");
    let config = config(&url);
    let (_db, store, user) = store_with_item("postgres", "item-1").await;
    let mut relay = Relay::new(store.clone(), config.clone(), "instance-a");

    // NATS is down: syncs commit, the relay fails, every event waits in the outbox.
    sync_transactions(&store, user, "item-1", 5).await;
    assert!(relay.pass().await.is_err());
    assert_eq!(store.backlog().await.unwrap().pending, 6);

    // NATS comes back: the relay publishes everything, in order.
    let dir = std::env::temp_dir().join(format!("cf-nats-{port}"));
    let server = NatsServer(
        std::process::Command::new("/usr/sbin/nats-server")
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
            .arg(&dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("/usr/sbin/nats-server (Debian's nats-server package) starts"),
    );
    let mut published = 0;
    for _ in 0..100 {
        match relay.pass().await {
            Ok(pass) => published += pass.published,
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
        if store.backlog().await.unwrap().pending == 0 {
            break;
        }
    }
    assert_eq!((published, store.backlog().await.unwrap().pending), (6, 0));
    let events = stream_events(&url, &config, 6).await;
    let ids: Vec<String> = events
        .iter()
        .filter_map(|e| match &e.change {
            Change::TransactionsAdded { transactions } => Some(transactions[0].transaction_id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(events[0].change.kind(), "bank_linked");
    assert_eq!(ids, (0..5).map(|i| format!("item-1-t{i}")).collect::<Vec<_>>(), "in commit order");
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_relay_killed_between_publishing_and_marking_leaves_exactly_one_copy() {
    let url = nats_url();
    let config = config(&url);
    let (_db, store, user) = store_with_item("sqlite", "item-1").await;
    sync_transactions(&store, user, "item-1", 3).await;

    // The first relay publishes and dies before marking (its lease runs out at once).
    let config = RelayConfig { lease: Duration::ZERO, ..config };
    let mut first = Relay::new(store.clone(), config.clone(), "instance-a");
    let published = first.publish_pending().await.unwrap();
    assert_eq!(published.len(), 4);
    assert!(published.iter().all(|(_, duplicate)| !duplicate));
    drop(first);
    assert_eq!(store.backlog().await.unwrap().pending, 4, "nothing was marked");

    // Its successor (after the lease ran out) publishes them again: JetStream drops them.
    let mut second = Relay::new(store.clone(), config.clone(), "instance-b");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let pass = second.pass().await.unwrap();
    assert_eq!((pass.published, pass.duplicates), (0, 4));
    assert_eq!(store.backlog().await.unwrap().pending, 0);
    let events = stream_events(&url, &config, 4).await;
    assert_eq!(events.len(), 4);
    assert_eq!(events.iter().map(|e| &e.event_id).collect::<HashSet<_>>().len(), 4);
    drop_stream(&url, &config).await;
}

#[tokio::test]
async fn two_instances_relaying_at_once_publish_each_event_once() {
    let url = nats_url();
    let config = config(&url);
    let (db, store, user) = store_with_item("postgres", "item-1").await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    // Two instances on one database, each with its own store and relay.
    let other = db.store_with_outbox(true);
    let a = tokio::spawn(Relay::new(store.clone(), config.clone(), "instance-a").run(stopped.clone()));
    let b = tokio::spawn(Relay::new(other.clone(), config.clone(), "instance-b").run(stopped));
    // Changes commit through both instances while both relays run.
    let writer = other.clone();
    let second_item = tokio::spawn(async move {
        let new = NewItem {
            item_id: "item-2".into(),
            user_id: user,
            institution_id: None,
            institution_name: "Second Bank".into(),
            token: SealedToken { ciphertext: vec![0; 13], key_id: "k1".into() },
            webhook_url: None,
        };
        writer.insert_item(&new, &[account("item-2", "5.00")]).await.unwrap();
        sync_transactions(&writer, user, "item-2", 20).await;
    });
    sync_transactions(&store, user, "item-1", 20).await;
    second_item.await.unwrap();
    for _ in 0..100 {
        if store.backlog().await.unwrap().pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.send(true).unwrap();
    let (_, _) = (a.await.unwrap(), b.await.unwrap());
    assert_eq!(store.backlog().await.unwrap().pending, 0);
    let events = stream_events(&url, &config, 42).await;
    assert_eq!(events.len(), 42, "1 + 20 events per Item, each once");
    assert_eq!(events.iter().map(|e| &e.event_id).collect::<HashSet<_>>().len(), 42);
    // Per Item, the stream holds the transactions in commit order.
    for item in ["item-1", "item-2"] {
        let ids: Vec<String> = events
            .iter()
            .filter(|e| e.item_id == item)
            .filter_map(|e| match &e.change {
                Change::TransactionsAdded { transactions } => Some(transactions[0].transaction_id.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(ids, (0..20).map(|i| format!("{item}-t{i}")).collect::<Vec<_>>());
    }
    drop_stream(&url, &config).await;
}
