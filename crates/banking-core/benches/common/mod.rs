//! What the benches share: the median of samples, a checking account, an Item to hang rows
//! on, and generated transactions.
#![allow(dead_code)] // each bench uses a part

use std::time::Duration;

use banking_core::{
    model::{Account, BalanceSource, Transaction, UserId},
    store::{NewItem, SealedToken},
};
use chrono::NaiveDate;

/// Runs `bench` on SQLite, then on Postgres at `TEST_DATABASE_URL` (skipped with a message
/// when nothing answers there).
pub async fn on_each_backend<F: std::future::Future<Output = ()>>(bench: impl Fn(&'static str) -> F) {
    bench("sqlite").await;
    let admin = banking_core::testing::postgres_admin_url();
    if sqlx::PgPool::connect(&admin).await.is_ok() {
        bench("postgres").await;
    } else {
        println!("postgres: skipped, nothing at TEST_DATABASE_URL={admin}");
    }
}

/// The middle sample.
pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// A USD checking account `acc` of `item_id`, with no balance yet.
pub fn checking_account(item_id: &str) -> Account {
    Account {
        account_id: "acc".into(),
        item_id: item_id.into(),
        name: "Checking".into(),
        official_name: None,
        mask: Some("0000".into()),
        account_type: "depository".into(),
        subtype: Some("checking".into()),
        available: None,
        current: None,
        limit: None,
        currency: Some("USD".into()),
        balance_as_of: None,
        fetched_at: 0,
        balance_source: BalanceSource::Sync,
    }
}

/// An Item of `user` with a placeholder token (never opened by the benches that use it).
pub fn item(user: UserId, item_id: &str) -> NewItem {
    NewItem {
        item_id: item_id.into(),
        user_id: user,
        institution_id: Some("ins".into()),
        institution_name: "Bank".into(),
        token: SealedToken { ciphertext: vec![0; 40], key_id: "k".into() },
        webhook_url: None,
    }
}

/// Transaction `i` of account `acc` at `item_id`, id `{prefix}{i}`, dated `days_back` days
/// (of a cycle of `spread`) before `latest`: a third of them money in.
pub fn transaction(prefix: &str, item_id: &str, i: usize, latest: NaiveDate, spread: usize) -> Transaction {
    Transaction {
        transaction_id: format!("{prefix}{i}"),
        account_id: "acc".into(),
        item_id: item_id.into(),
        amount: rust_decimal::Decimal::new(if i.is_multiple_of(3) { -25_000 } else { 1_234 + (i % 5_000) as i64 }, 2),
        currency: Some("USD".into()),
        date: latest - chrono::Duration::days((i % spread) as i64),
        authorized_date: None,
        name: format!("Merchant {}", i % 97),
        merchant_name: None,
        category: None,
        pending: false,
        user_category: None,
        pending_transaction_id: None,
    }
}
