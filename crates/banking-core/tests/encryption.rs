//! Access tokens at rest: never in clear in the database, and rotation keeps old rows readable.

mod common;

use banking_core::{crypto::TokenCipher, db::Database, events::EventBus, BankingConfig, BankingService};

#[tokio::test]
async fn no_plaintext_token_in_the_database_and_rotation_reseals_on_read() {
    for backend in banking_core::testing::BACKENDS {
        let old_spec = TokenCipher::generate_spec("k1");
        let old = TokenCipher::from_spec(&old_spec).unwrap();
        let h = common::harness_with(backend, old.clone()).await;
        let (token, metadata) = h.link("ins_109508").await;
        let item_id = h.service.exchange_public_token(h.user, &token, &metadata).await.unwrap().item.item_id;
        h.wait_synced(&item_id).await;
        let stored = h.store.item_by_id(&item_id).await.unwrap().unwrap();
        let plaintext = old.open(h.user, &item_id, &stored.token).unwrap();
        let secret = plaintext.expose().to_string();
        assert!(secret.starts_with("access-sandbox-"));

        // Scan what the database holds.
        match &h.db {
            Database::Sqlite(pool) => {
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await.unwrap();
                let path: String = sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
                    .fetch_one(pool)
                    .await
                    .unwrap();
                for file in [path.clone(), format!("{path}-wal")] {
                    if let Ok(bytes) = std::fs::read(&file) {
                        assert!(
                            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                            "{file} holds the token in clear"
                        );
                        assert!(!bytes.windows(15).any(|w| w == b"access-sandbox-"), "{file} holds a token prefix");
                    }
                }
            }
            Database::Postgres(pool) => {
                let dump: Vec<String> = sqlx::query_scalar(
                    "SELECT t::text FROM plaid_items t UNION ALL SELECT a::text FROM accounts a \
                     UNION ALL SELECT w::text FROM webhook_events w",
                )
                .fetch_all(pool)
                .await
                .unwrap();
                assert!(
                    dump.iter().all(|row| !row.contains(&secret) && !row.contains("access-sandbox-")),
                    "postgres holds the token"
                );
                let hex: String =
                    sqlx::query_scalar("SELECT encode(access_token_ciphertext, 'escape') FROM plaid_items")
                        .fetch_one(pool)
                        .await
                        .unwrap();
                assert!(!hex.contains("access-sandbox"));
            }
        }

        // Rotate: a new active key, the old one still configured.
        let rotated = TokenCipher::from_spec(&format!("{},{old_spec}", TokenCipher::generate_spec("k2"))).unwrap();
        let service = BankingService::new(
            h.store.clone(),
            h.plaid.clone(),
            rotated.clone(),
            BankingConfig::default(),
            EventBus::new(None),
        );
        let refreshed = service.refresh_balances(h.user, &item_id).await.unwrap();
        assert_eq!(refreshed.stale_reason, None, "{backend}: the old row still decrypts");
        let resealed = h.store.item_by_id(&item_id).await.unwrap().unwrap();
        assert_eq!(resealed.token.key_id, "k2", "{backend}: re-encrypted under the active key on read");
        assert_eq!(rotated.open(h.user, &item_id, &resealed.token).unwrap(), plaintext);
        // A ciphertext copied to another user's row does not open.
        assert!(rotated.open(h.other_user, &item_id, &resealed.token).is_err());
        assert_eq!(service.reseal_tokens(h.user).await.unwrap(), 0, "{backend}: nothing left under the old key");
    }
}
