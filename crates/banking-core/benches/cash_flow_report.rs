//! How the weekly cash-flow report (`BankingService::weekly_cash_flow`, 52 weeks) grows with
//! a trader's history: one bank with 2,000 / 12,000 / 42,000 / 100,000 transactions in the
//! last year, on SQLite and Postgres, against a baseline run alongside that only reads the
//! same rows' amounts (`SELECT amount … WHERE user_id AND posted_date BETWEEN`): the least
//! any report over them could cost. Linear growth keeps the ratio flat.
//!
//! `cargo bench -p banking-core --bench cash_flow_report` (Postgres at TEST_DATABASE_URL;
//! skipped with a message if absent).

mod common;

use std::time::{Duration, Instant};

use banking_core::{
    crypto::TokenCipher, db::Database, events::EventBus, model::Role, store::SyncChanges, testing, BankingConfig,
    BankingService,
};
use chrono::{Duration as Days, NaiveDate};
use plaid_client::{Environment, PlaidClient};

const SIZES: [usize; 4] = [2_000, 12_000, 42_000, 100_000];
const RUNS: usize = 5;
const CHUNK: usize = 5_000;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
}

async fn bench(backend: &str) {
    for size in SIZES {
        let db = testing::fresh(backend).await;
        let store = db.store();
        let user = store.upsert_user("bench", "h", Role::Trader).await.unwrap();
        let account = common::checking_account("item");
        let item = common::item(user, "item");
        store.insert_item(&item, std::slice::from_ref(&account)).await.unwrap();
        let mut cursor: Option<String> = None;
        for (n, start) in (0..size).step_by(CHUNK).enumerate() {
            let upserts =
                (start..(start + CHUNK).min(size)).map(|i| common::transaction("t", "item", i, today(), 360)).collect();
            let changes = SyncChanges { upserts, accounts: vec![account.clone()], ..Default::default() };
            let next = format!("c{n}");
            assert!(store.apply_sync("item", user, cursor.as_deref(), &next, &changes, 1).await.unwrap());
            cursor = Some(next);
        }
        // What autovacuum does after a bulk load in production: statistics and the visibility
        // map (which lets Postgres answer from the index alone).
        if let Database::Postgres(p) = &db {
            sqlx::query("VACUUM ANALYZE transactions").execute(p).await.unwrap();
        }
        let plaid =
            PlaidClient::builder(Environment::Custom("http://127.0.0.1:9".into()), "id", "secret").build().unwrap();
        let cipher = TokenCipher::from_spec(&TokenCipher::generate_spec("k")).unwrap();
        let service = BankingService::new(store.clone(), plaid, cipher, BankingConfig::default(), EventBus::new(None));
        let first = today() - Days::weeks(52);
        let (mut report, mut baseline) = (Vec::new(), Vec::new());
        for _ in 0..RUNS {
            let started = Instant::now();
            let weeks = service.weekly_cash_flow(user, 52, today()).await.unwrap();
            report.push(started.elapsed());
            assert_eq!(weeks.len(), 52);
            let started = Instant::now();
            let sql = "SELECT amount FROM transactions WHERE user_id = $1 AND posted_date >= $2 AND posted_date <= $3";
            let rows: Vec<String> = match &db {
                Database::Sqlite(p) => sqlx::query_scalar(sql)
                    .bind(user)
                    .bind(first.to_string())
                    .bind(today().to_string())
                    .fetch_all(p)
                    .await
                    .unwrap(),
                Database::Postgres(p) => sqlx::query_scalar(sql)
                    .bind(user)
                    .bind(first.to_string())
                    .bind(today().to_string())
                    .fetch_all(p)
                    .await
                    .unwrap(),
            };
            baseline.push(started.elapsed());
            assert_eq!(rows.len(), size);
        }
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let (r, b) = (common::median(report), common::median(baseline));
        println!(
            "{backend:8} {size:>7} transactions: report {:7.1} ms | read the amounts only {:7.1} ms | ratio {:.2}x",
            ms(r),
            ms(b),
            ms(r) / ms(b)
        );
    }
}

#[tokio::main]
async fn main() {
    println!("median of {RUNS} runs; weekly cash flow over 52 weeks of one bank");
    common::on_each_backend(bench).await;
}
