//! A banking service on a fresh database, wired to a standalone simulator whose webhooks
//! reach the service through the real verifier, as in the app.
#![allow(dead_code)]

use std::{sync::Arc, time::Duration};

use axum::{body::Bytes, extract::State, http::HeaderMap, routing::post, Router};
use banking_core::{
    crypto::TokenCipher, db::Database, events::EventBus, model::Role, store::Store, testing, BankingConfig,
    BankingService,
};
use plaid_client::{retry::RetryPolicy, webhook::WebhookVerifier, Environment, PlaidClient};
use serde_json::{json, Value};

pub struct Harness {
    /// While true, the webhook receiver acknowledges and drops deliveries.
    pub muted: Arc<std::sync::atomic::AtomicBool>,
    pub db: Database,
    pub cipher: TokenCipher,
    pub store: Arc<dyn Store>,
    pub service: BankingService,
    pub sim_url: String,
    pub webhook_url: String,
    pub plaid: PlaidClient,
    pub user: i64,
    pub other_user: i64,
}

pub fn plaid(url: &str) -> PlaidClient {
    PlaidClient::builder(Environment::Custom(url.to_string()), "sim-client-id", "sim-secret")
        .timeout(Duration::from_secs(3))
        .retry_policy(RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        })
        .build()
        .unwrap()
}

type ReceiverState = (BankingService, WebhookVerifier, Arc<std::sync::atomic::AtomicBool>);

async fn receive(
    State((service, verifier, muted)): State<ReceiverState>,
    headers: HeaderMap,
    body: Bytes,
) -> &'static str {
    if muted.load(std::sync::atomic::Ordering::SeqCst) {
        return "ok";
    }
    let header = headers.get("plaid-verification").and_then(|v| v.to_str().ok());
    let payload = verifier.verify(header, &body).await.expect("simulator webhooks verify");
    service.handle_webhook(&payload, &body).await.expect("webhook handled");
    "ok"
}

pub async fn harness(backend: &str) -> Harness {
    harness_with(backend, TokenCipher::from_spec(&TokenCipher::generate_spec("k1")).unwrap()).await
}

pub async fn harness_with(backend: &str, cipher: TokenCipher) -> Harness {
    let db = testing::fresh(backend).await;
    let store = db.store();
    let (sim_url, _) = plaid_sim::spawn(plaid_sim::SimConfig::default()).await.unwrap();
    let plaid = plaid(&sim_url);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let webhook_url = format!("http://{}/webhook", listener.local_addr().unwrap());
    let events = EventBus::new(match &db {
        Database::Postgres(pool) => Some(pool.clone()),
        Database::Sqlite(_) => None,
    });
    let config =
        BankingConfig { webhook_url: Some(webhook_url.clone()), sync_page_size: 50, ..BankingConfig::default() };
    let service = BankingService::new(store.clone(), plaid.clone(), cipher.clone(), config, events);
    let muted = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let receiver = Router::new().route("/webhook", post(receive)).with_state((
        service.clone(),
        WebhookVerifier::new(plaid.clone()),
        muted.clone(),
    ));
    tokio::spawn(async move { axum::serve(listener, receiver).await });
    let user = store.upsert_user("trader", "$argon2id$v=19$m=19456,t=2,p=1$x$y", Role::Trader).await.unwrap();
    let other_user = store.upsert_user("other", "$argon2id$v=19$m=19456,t=2,p=1$x$y", Role::Trader).await.unwrap();
    Harness { muted, db, cipher, store, service, sim_url, webhook_url, plaid, user, other_user }
}

impl Harness {
    /// Links a bank through the simulator's Link endpoints, as the browser would, and returns
    /// (public_token, metadata masks).
    pub async fn link(&self, institution: &str) -> (String, banking_core::LinkMetadata) {
        let token = self.service.create_link_token(self.user).await.unwrap();
        let result = self
            .sim(
                "/link/complete",
                json!({
                    "link_token": token.link_token, "institution_id": institution,
                    "username": "user_good", "password": "pass_good", "account_masks": [],
                }),
            )
            .await;
        let masks = result["metadata"]["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["mask"].as_str().unwrap().to_string())
            .collect();
        let metadata = banking_core::LinkMetadata {
            institution_id: Some(institution.into()),
            institution_name: result["metadata"]["institution"]["name"].as_str().map(str::to_string),
            account_masks: masks,
        };
        (result["public_token"].as_str().unwrap().to_string(), metadata)
    }

    pub async fn sim(&self, path: &str, body: Value) -> Value {
        let response = reqwest::Client::new().post(format!("{}{path}", self.sim_url)).json(&body).send().await.unwrap();
        response.json().await.unwrap()
    }

    pub async fn sim_item(&self, item_id: &str) -> Value {
        let items: Value = reqwest::get(format!("{}/control/items", self.sim_url)).await.unwrap().json().await.unwrap();
        items["items"].as_array().unwrap().iter().find(|i| i["item_id"] == item_id).cloned().unwrap_or(Value::Null)
    }

    /// Waits until `check` holds (webhooks and background syncs are asynchronous).
    pub async fn eventually<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        for _ in 0..200 {
            if check().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("timed out waiting for: {what}");
    }

    /// Our stored transaction count equals the simulator's.
    /// The simulator's count is read again each time: a background sync (started by the link's
    /// webhooks) may still make the simulator add a transaction mid-paging.
    pub async fn wait_synced(&self, item_id: &str) -> i64 {
        let expected = std::sync::atomic::AtomicI64::new(-1);
        self.eventually("transactions synced", || async {
            let sim = self.sim_item(item_id).await["transactions"].as_i64().unwrap();
            expected.store(sim, std::sync::atomic::Ordering::SeqCst);
            self.store.transaction_count(item_id).await.unwrap() == sim
        })
        .await;
        expected.into_inner()
    }
}
