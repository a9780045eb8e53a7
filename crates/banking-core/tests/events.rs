//! Live events: per-user delivery, fan-out across instances through Postgres NOTIFY, and a
//! resync request when an instance's listener had to reconnect.

use std::time::Duration;

use banking_core::{
    db::Database,
    events::{Event, EventBus, UserEvent},
    testing,
};
use tokio::sync::broadcast::Receiver;

async fn next_for(rx: &mut Receiver<UserEvent>, user: i64) -> Event {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let e = rx.recv().await.unwrap();
            if e.is_for(user) {
                return e.event;
            }
        }
    })
    .await
    .expect("event arrives")
}

#[tokio::test]
async fn events_reach_only_their_user_and_every_instance() {
    let Database::Postgres(pool) = testing::fresh("postgres").await else { unreachable!() };
    let a = EventBus::new(Some(pool.clone()));
    let b = EventBus::new(Some(pool.clone()));
    b.spawn_listener().unwrap();
    let mut on_a = a.subscribe();
    let mut on_b = b.subscribe();
    tokio::time::sleep(Duration::from_millis(300)).await; // LISTEN is in place
    let event = Event::BalancesChanged { item_id: "item-1".into() };
    a.publish(7, event.clone()).await;
    assert_eq!(next_for(&mut on_a, 7).await, event, "same instance");
    assert_eq!(next_for(&mut on_b, 7).await, event, "other instance, through NOTIFY");
    let e = on_a.try_recv();
    assert!(e.is_err() || !e.unwrap().is_for(8), "user 8 gets nothing");

    // Kill the listener's connection: it reconnects and asks its clients to resync.
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(next_for(&mut on_b, 7).await, Event::Resync);
}

#[tokio::test]
async fn without_postgres_events_stay_in_process() {
    let bus = EventBus::new(None);
    assert!(bus.spawn_listener().is_none());
    let mut rx = bus.subscribe();
    bus.publish(3, Event::ItemRemoved { item_id: "x".into() }).await;
    let e = rx.recv().await.unwrap();
    assert!(e.is_for(3) && !e.is_for(4));
}
