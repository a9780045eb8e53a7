//! A whole `/transactions/sync` of one Item with 10,000 / 30,000 / 100,000 transactions, from
//! the simulator over HTTP into the store (`BankingService::sync_item`: every page fetched,
//! decoded and applied in one database transaction), against a baseline run alongside: the
//! same number of rows written by `Store::apply_sync` alone. A flat per-row time shows the
//! whole path scales linearly; the ratio is what fetching and decoding the pages adds.
//!
//! `cargo bench -p banking-core --bench full_sync` (Postgres at TEST_DATABASE_URL; skipped
//! with a message if absent).

mod common;

use std::time::{Duration, Instant};

use banking_core::{
    crypto::TokenCipher,
    events::EventBus,
    model::Role,
    store::{NewItem, SyncChanges},
    testing, BankingConfig, BankingService,
};
use plaid_client::{api::*, Environment, PlaidClient};

const SIZES: [u32; 3] = [10_000, 30_000, 100_000];

async fn bench(backend: &str) {
    for size in SIZES {
        let db = testing::fresh(backend).await;
        let store = db.store();
        let user = store.upsert_user("bench", "h", Role::Trader).await.unwrap();
        let (sim_url, _) =
            plaid_sim::spawn(plaid_sim::SimConfig { history_days: 1, ..Default::default() }).await.unwrap();
        let plaid = PlaidClient::builder(Environment::Custom(sim_url.clone()), "sim-client-id", "sim-secret")
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let public = plaid
            .send(&SandboxPublicTokenCreateRequest {
                institution_id: "ins_109508".into(),
                initial_products: vec!["transactions".into()],
                options: None,
            })
            .await
            .unwrap();
        let exchanged =
            plaid.send(&ItemPublicTokenExchangeRequest { public_token: public.public_token }).await.unwrap();
        let cipher = TokenCipher::from_spec(&TokenCipher::generate_spec("k")).unwrap();
        let item_id = exchanged.item_id.clone();
        let item = NewItem {
            item_id: item_id.clone(),
            user_id: user,
            institution_id: Some("ins_109508".into()),
            institution_name: "Houndstooth Bank".into(),
            token: cipher.seal(user, &item_id, &exchanged.access_token),
            webhook_url: None,
        };
        store.insert_item(&item, &[]).await.unwrap();
        // The bank's history: `size` transactions waiting for the first sync.
        let http = reqwest::Client::new();
        let added = http
            .post(format!("{sim_url}/control/items/{item_id}/transactions"))
            .json(&serde_json::json!({ "count": size }))
            .send()
            .await
            .unwrap();
        assert!(added.status().is_success());
        let config = BankingConfig { sync_page_size: 500, ..BankingConfig::default() };
        let service = BankingService::new(store.clone(), plaid, cipher, config, EventBus::new(None));
        let started = Instant::now();
        let counts = service.sync_item(&item_id).await.unwrap().unwrap();
        let synced = started.elapsed();
        let stored = store.transaction_count(&item_id).await.unwrap();
        assert!(stored >= i64::from(size), "{stored} stored after adding {size}");

        // Baseline: the same number of rows through apply_sync alone.
        store.insert_item(&NewItem { item_id: "base-item".into(), ..item.clone() }, &[]).await.unwrap();
        let latest = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let upserts = (0..stored as usize).map(|i| common::transaction("base-", "base-item", i, latest, 300)).collect();
        let changes = SyncChanges { upserts, ..Default::default() };
        let started = Instant::now();
        assert!(store.apply_sync("base-item", user, None, "c", &changes, 1).await.unwrap());
        let applied = started.elapsed();
        let us_per_row = |d: Duration| d.as_secs_f64() * 1e6 / stored as f64;
        println!(
            "{backend:8} {stored:>7} transactions: full sync {:7.0} ms ({:5.1} µs/row, {} added) | apply_sync alone {:7.0} ms \
             ({:5.1} µs/row) | ratio {:.2}x",
            synced.as_secs_f64() * 1e3,
            us_per_row(synced),
            counts.added,
            applied.as_secs_f64() * 1e3,
            us_per_row(applied),
            synced.as_secs_f64() / applied.as_secs_f64()
        );
    }
}

#[tokio::main]
async fn main() {
    common::on_each_backend(bench).await;
}
