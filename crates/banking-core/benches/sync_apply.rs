//! How long applying one sync of N transactions takes (`Store::apply_sync`: cursor
//! compare-and-swap, upserts and account balances in one transaction), on SQLite and
//! Postgres, as a ratio to two baselines run alongside, each plain INSERTs of the same rows
//! in one transaction into a table without indexes or foreign keys: one statement per row
//! (how `apply_sync` used to write), and multi-row statements of 200 rows (the least any
//! storage of them could cost).
//!
//! `cargo bench -p banking-core` (Postgres at TEST_DATABASE_URL; skipped with a message if absent).

mod common;

use std::time::{Duration, Instant};

use banking_core::{
    db::Database,
    model::{Role, Transaction},
    store::SyncChanges,
    testing,
};

const ROWS: usize = 1000;
const RUNS: usize = 7;

fn transactions(run: usize) -> Vec<Transaction> {
    (0..ROWS)
        .map(|i| Transaction {
            transaction_id: format!("r{run}-t{i}"),
            account_id: "acc".into(),
            item_id: "item".into(),
            amount: rust_decimal::Decimal::new(1000 + i as i64, 2),
            currency: Some("USD".into()),
            date: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days((i % 90) as i64),
            authorized_date: None,
            name: format!("Merchant {i}"),
            merchant_name: Some("Merchant".into()),
            category: Some("FOOD_AND_DRINK".into()),
            pending: i % 10 == 0,
            user_category: None,
            pending_transaction_id: None,
        })
        .collect()
}

macro_rules! baseline_insert {
    ($db:ty, $pool:expr, $rows:expr, $rows_per_statement:expr) => {{
        let mut tx = $pool.begin().await.unwrap();
        for chunk in $rows.chunks($rows_per_statement) {
            let mut insert = sqlx::QueryBuilder::<$db>::new(
                "INSERT INTO bench_baseline (transaction_id, account_id, amount, posted_date, name, pending) ",
            );
            insert.push_values(chunk, |mut row, t| {
                row.push_bind(&t.transaction_id)
                    .push_bind(&t.account_id)
                    .push_bind(t.amount.to_string())
                    .push_bind(t.date.to_string())
                    .push_bind(&t.name)
                    .push_bind(t.pending);
            });
            insert.build().execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
    }};
}

async fn bench(backend: &str) {
    let db = testing::fresh(backend).await;
    let store = db.store();
    let user = store.upsert_user("bench", "h", Role::Trader).await.unwrap();
    let account = common::checking_account("item");
    let item = common::item(user, "item");
    store.insert_item(&item, std::slice::from_ref(&account)).await.unwrap();
    let create = "CREATE TABLE bench_baseline (transaction_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, amount TEXT NOT NULL, \
                  posted_date TEXT NOT NULL, name TEXT NOT NULL, pending BOOLEAN NOT NULL)";
    match &db {
        Database::Sqlite(p) => sqlx::query(create).execute(p).await.map(|_| ()).unwrap(),
        Database::Postgres(p) => sqlx::query(create).execute(p).await.map(|_| ()).unwrap(),
    }
    let (mut applied, mut per_row, mut batched) = (Vec::new(), Vec::new(), Vec::new());
    let mut cursor: Option<String> = None;
    for run in 0..RUNS {
        let rows = transactions(run);
        for (rows_per_statement, samples) in [(1, &mut per_row), (200, &mut batched)] {
            let started = Instant::now();
            match &db {
                Database::Sqlite(p) => baseline_insert!(sqlx::Sqlite, p, &rows, rows_per_statement),
                Database::Postgres(p) => baseline_insert!(sqlx::Postgres, p, &rows, rows_per_statement),
            }
            samples.push(started.elapsed());
            match &db {
                Database::Sqlite(p) => sqlx::query("DELETE FROM bench_baseline").execute(p).await.map(|_| ()).unwrap(),
                Database::Postgres(p) => {
                    sqlx::query("DELETE FROM bench_baseline").execute(p).await.map(|_| ()).unwrap()
                }
            }
        }
        let changes = SyncChanges { upserts: rows, accounts: vec![account.clone()], ..Default::default() };
        let next = format!("c{run}");
        let started = Instant::now();
        assert!(store.apply_sync("item", user, cursor.as_deref(), &next, &changes, 1).await.unwrap());
        applied.push(started.elapsed());
        cursor = Some(next);
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let (a, r, b) = (common::median(applied), common::median(per_row), common::median(batched));
    println!(
        "{backend:8} apply_sync {ROWS} rows: {:6.1} ms ({:6.0} rows/s) | INSERT per row: {:6.1} ms (ratio {:.2}x) \
         | INSERT 200 rows per statement: {:6.1} ms (ratio {:.2}x)",
        ms(a),
        ROWS as f64 / a.as_secs_f64(),
        ms(r),
        ms(a) / ms(r),
        ms(b),
        ms(a) / ms(b),
    );
}

#[tokio::main]
async fn main() {
    println!("median of {RUNS} runs, {ROWS} transactions per sync");
    common::on_each_backend(bench).await;
}
