//! Link, simulated in the browser: the script and the endpoints its modal calls.

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
    Json,
};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{data, error::SimError, oauth, state::request_id, webhooks, Simulator};

/// `GET /link/link-initialize.js`: `window.Plaid.create(...)` like Plaid's Link.
pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "application/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")],
        include_str!("../assets/link-initialize.js"),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct SessionRequest {
    link_token: String,
}

/// `POST /link/session`: what the modal shows for a Link token.
pub async fn session(State(sim): State<Simulator>, Json(req): Json<SessionRequest>) -> Result<Json<Value>, SimError> {
    let mut state = sim.state.lock().await;
    let access_token = valid_link_token(&state, &req.link_token)?.access_token.clone();
    let account_selection = valid_link_token(&state, &req.link_token)?.account_selection;
    let update = match &access_token {
        Some(token) => {
            let item = state.item_for_token(token)?;
            // With account selection, Link lists every account at the bank, shared ones ticked.
            let accounts: Vec<Value> = item
                .accounts
                .iter()
                .map(|a| (a, true))
                .chain(item.unshared.iter().map(|a| (a, false)))
                .map(|(a, shared)| json!({ "name": a.template.name, "mask": a.template.mask, "type": a.template.account_type, "subtype": a.template.subtype, "shared": shared }))
                .collect();
            Some(json!({
                "institution_id": item.institution.id, "institution_name": item.institution.name,
                "account_selection": account_selection, "accounts": accounts,
            }))
        }
        None => None,
    };
    let institutions: Vec<Value> = data::INSTITUTIONS
        .iter()
        .map(|i| json!({ "institution_id": i.id, "name": i.name, "oauth": i.oauth, "accounts": i.accounts.iter().map(|a| json!({"name": a.name, "mask": a.mask, "type": a.account_type, "subtype": a.subtype})).collect::<Vec<_>>() }))
        .collect();
    Ok(Json(
        json!({ "institutions": institutions, "update_mode": update, "link_session_id": request_id().to_lowercase() }),
    ))
}

pub(crate) fn valid_link_token<'a>(
    state: &'a crate::state::State,
    token: &str,
) -> Result<&'a crate::state::LinkTokenInfo, SimError> {
    match state.link_tokens.get(token) {
        Some(info) if info.expires > Utc::now() => Ok(info),
        _ => Err(SimError::invalid_input("INVALID_LINK_TOKEN", "link token is invalid or has expired")
            .display("This link has expired. Please try again.")),
    }
}

#[derive(Deserialize)]
pub struct Credentials {
    link_token: String,
    institution_id: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

fn check_credentials(req: &Credentials) -> Result<&'static data::Institution, SimError> {
    let institution = data::institution(&req.institution_id)
        .ok_or_else(|| SimError::invalid_input("INVALID_INSTITUTION", "unknown institution"))?;
    if institution.oauth {
        return Err(SimError::invalid_input("INVALID_INSTITUTION", "this institution signs users in through OAuth")
            .display("Sign in on your bank's website to continue."));
    }
    if req.username != "user_good" || req.password != "pass_good" {
        return Err(SimError::item("INVALID_CREDENTIALS", "the provided credentials were not correct")
            .display("The username or password you entered is not correct. (Sandbox: user_good / pass_good)"));
    }
    Ok(institution)
}

/// `POST /link/credentials`: checks sandbox credentials (`user_good` / `pass_good`).
pub async fn credentials(State(sim): State<Simulator>, Json(req): Json<Credentials>) -> Result<Json<Value>, SimError> {
    valid_link_token(&*sim.state.lock().await, &req.link_token)?;
    let institution = check_credentials(&req)?;
    Ok(Json(json!({ "ok": true, "institution_id": institution.id })))
}

#[derive(Deserialize)]
pub struct Complete {
    #[serde(flatten)]
    credentials: Credentials,
    #[serde(default)]
    account_masks: Vec<String>,
    /// Set instead of username and password when the user signed in at an OAuth bank.
    oauth_state_id: Option<String>,
}

/// `POST /link/complete`: creates the Item (or repairs it in update mode) and returns the
/// public token with Plaid's `onSuccess` metadata.
pub async fn complete(State(sim): State<Simulator>, Json(req): Json<Complete>) -> Result<Json<Value>, SimError> {
    let mut state = sim.state.lock().await;
    let info = valid_link_token(&state, &req.credentials.link_token)?.clone();
    let institution = match &req.oauth_state_id {
        Some(id) => oauth::take_allowed(&mut state, id, &req.credentials.link_token, &req.credentials.institution_id)?,
        None => check_credentials(&req.credentials)?,
    };
    state.link_tokens.remove(&req.credentials.link_token);
    let session_id = request_id().to_lowercase();
    if let Some(token) = info.access_token {
        let item = state.item_for_token(&token)?;
        let was_broken = item.error.is_some();
        item.error = None;
        if info.account_selection {
            // Accounts the user ticked are shared from now on.
            let (picked, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut item.unshared)
                .into_iter()
                .partition(|a| req.account_masks.iter().any(|m| m == a.template.mask));
            item.unshared = rest;
            item.accounts.extend(picked);
        }
        let item_id = item.item_id.clone();
        let accounts = metadata_accounts(&item.accounts_json(), &[]);
        let institution_json = json!({ "name": item.institution.name, "institution_id": item.institution.id });
        let public_token = state.token("public");
        drop(state);
        if was_broken {
            webhooks::fire(&sim, &item_id, "ITEM", "LOGIN_REPAIRED").await;
        }
        return Ok(Json(json!({
            "public_token": public_token,
            "metadata": { "institution": institution_json, "accounts": accounts, "link_session_id": session_id },
        })));
    }
    let (item_id, public_token) =
        state.create_item(institution, &req.account_masks, info.webhook.clone(), sim.config.history_days);
    let item = &state.items[&item_id];
    let accounts = metadata_accounts(&item.accounts_json(), &[]);
    Ok(Json(json!({
        "public_token": public_token,
        "metadata": {
            "institution": { "name": institution.name, "institution_id": institution.id },
            "accounts": accounts,
            "link_session_id": session_id,
        },
    })))
}

fn metadata_accounts(accounts: &[Value], masks: &[String]) -> Vec<Value> {
    accounts
        .iter()
        .filter(|a| masks.is_empty() || masks.iter().any(|m| a["mask"].as_str() == Some(m.as_str())))
        .map(|a| {
            json!({
                "id": a["account_id"], "name": a["name"], "mask": a["mask"], "type": a["type"],
                "subtype": a["subtype"], "verification_status": null, "class_type": null,
            })
        })
        .collect()
}
