//! Webhooks signed like Plaid's and delivered with retries.

use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::Simulator;

/// The body Plaid would send for `webhook_type`/`webhook_code` about `item_id`: `error_code`
/// is the Item's error (ITEM/ERROR), `account_id` the revoked account (USER_ACCOUNT_REVOKED).
pub fn body(
    item_id: &str,
    webhook_type: &str,
    webhook_code: &str,
    new_url: Option<&str>,
    error_code: Option<&str>,
    account_id: Option<&str>,
) -> Value {
    let mut body = json!({
        "webhook_type": webhook_type,
        "webhook_code": webhook_code,
        "item_id": item_id,
        "environment": "sandbox",
    });
    let in_a_week = (Utc::now() + Duration::days(7)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    match (webhook_type, webhook_code) {
        ("TRANSACTIONS", "SYNC_UPDATES_AVAILABLE") => {
            body["initial_update_complete"] = json!(true);
            body["historical_update_complete"] = json!(true);
        }
        ("ITEM", "ERROR") => {
            body["error"] = crate::state::item_error_json(error_code.unwrap_or("ITEM_LOGIN_REQUIRED"));
        }
        ("ITEM", "PENDING_EXPIRATION") => body["consent_expiration_time"] = json!(in_a_week),
        ("ITEM", "PENDING_DISCONNECT") => {
            body["reason"] = json!("INSTITUTION_TOKEN_EXPIRATION");
            body["disconnect_time"] = json!(in_a_week);
        }
        ("ITEM", "USER_ACCOUNT_REVOKED") => body["account_id"] = json!(account_id.unwrap_or("unknown")),
        ("ITEM", "WEBHOOK_UPDATE_ACKNOWLEDGED") => body["new_webhook_url"] = json!(new_url),
        ("ITEM", "USER_PERMISSION_REVOKED") => body["error"] = crate::state::item_error_json("USER_PERMISSION_REVOKED"),
        ("ITEM", "NEW_ACCOUNTS_AVAILABLE") => body["error"] = Value::Null,
        _ => {}
    }
    body
}

/// Sends a webhook about the Item to its webhook URL in the background. Plaid sends
/// SYNC_UPDATES_AVAILABLE only once `/transactions/sync` was called for the Item.
pub async fn fire(sim: &Simulator, item_id: &str, webhook_type: &str, webhook_code: &str) {
    fire_about(sim, item_id, webhook_type, webhook_code, None, 1, None).await
}

/// [`fire`] about one account (USER_ACCOUNT_REVOKED), delivered `copies` times: identical
/// bodies, as Plaid's redeliveries and repeated events are. `extra` fields replace the
/// body's (a future or broken shape).
pub async fn fire_about(
    sim: &Simulator,
    item_id: &str,
    webhook_type: &str,
    webhook_code: &str,
    account_id: Option<&str>,
    copies: u32,
    extra: Option<&Value>,
) {
    let (url, payload) = {
        let mut state = sim.state.lock().await;
        let Some(item) = state.items.get_mut(item_id) else {
            return;
        };
        if webhook_code == "SYNC_UPDATES_AVAILABLE" && !item.sync_called {
            tracing::info!(item_id, "not sending SYNC_UPDATES_AVAILABLE: the item was never synced");
            return;
        }
        item.last_webhook = Some((Utc::now(), webhook_code.to_string()));
        let Some(url) = item.webhook.clone() else {
            tracing::info!(item_id, webhook_code, "item has no webhook URL; nothing sent");
            return;
        };
        let mut payload = body(item_id, webhook_type, webhook_code, Some(&url), item.error.as_deref(), account_id);
        if let (Some(fields), Some(target)) = (extra.and_then(Value::as_object), payload.as_object_mut()) {
            target.extend(fields.clone());
        }
        (url, payload)
    };
    for _ in 0..copies.max(1) {
        let (sim, url, payload) = (sim.clone(), url.clone(), payload.clone());
        tokio::spawn(async move { deliver(&sim, &url, &payload).await });
    }
}

/// POSTs with a `Plaid-Verification` JWT; retries non-200 answers four times, doubling the
/// delay each time.
pub async fn deliver(sim: &Simulator, url: &str, payload: &Value) {
    let body = serde_json::to_vec(payload).expect("webhook serialises");
    let code = payload["webhook_code"].as_str().unwrap_or("?").to_string();
    let mut delay = sim.config.webhook_retry_delay;
    for attempt in 1..=5 {
        let jwt = sim.signer.sign(&body, Utc::now().timestamp());
        let result = sim
            .http
            .post(url)
            .header("Content-Type", "application/json")
            .header("Plaid-Verification", jwt)
            .body(body.clone())
            .send()
            .await;
        match result {
            Ok(r) if r.status().is_success() => {
                tracing::info!(url, code, attempt, "webhook delivered");
                return;
            }
            Ok(r) => tracing::warn!(url, code, attempt, status = r.status().as_u16(), "webhook refused; will retry"),
            Err(e) => {
                tracing::warn!(url, code, attempt, error = %e, "webhook delivery failed; will retry")
            }
        }
        if attempt < 5 {
            tokio::time::sleep(delay).await;
            delay *= 2;
        }
    }
    tracing::error!(url, code, "webhook given up after 5 attempts");
}
