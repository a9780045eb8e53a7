//! OAuth banks, simulated: Link hands the user over to the bank's own sign-in page, the bank
//! sends them back to the Link token's `redirect_uri` with `?oauth_state_id=…`, and Link,
//! re-created there with `receivedRedirectUri`, resumes the same session.
//!
//! * `POST /link/oauth/start` (from the Link modal) opens a hand-over and names its state id.
//! * `GET /link/oauth/authorize?oauth_state_id=…` is the bank's page: Allow or Deny.
//! * `POST /link/oauth/authorize` records the answer and redirects to `redirect_uri`.
//! * `POST /link/oauth/resume` (from Link after the return) says how it went.
//!
//! `/link/complete` then accepts the allowed `oauth_state_id` instead of credentials, once.

use axum::{
    extract::{Query, State},
    http::{header, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
    Form, Json,
};
use chrono::{Duration, Utc};
use rand::Rng;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{
    data::{self, Institution},
    error::SimError,
    link::valid_link_token,
    state::{self, OAuthState},
    Simulator,
};

#[derive(Deserialize)]
pub struct Start {
    link_token: String,
    institution_id: String,
}

/// `POST /link/oauth/start`: `{ oauth_state_id }` for the bank's page.
pub async fn start(State(sim): State<Simulator>, Json(req): Json<Start>) -> Result<Json<Value>, SimError> {
    let mut state = sim.state.lock().await;
    let token = valid_link_token(&state, &req.link_token)?;
    let institution = data::institution(&req.institution_id)
        .filter(|i| i.oauth)
        .ok_or_else(|| SimError::invalid_input("INVALID_INSTITUTION", "not an OAuth institution"))?;
    if token.redirect_uri.is_none() {
        return Err(SimError::invalid_request(
            "INVALID_FIELD",
            "OAuth institutions need a link token created with a redirect_uri",
        )
        .display("This bank can't be connected here yet. Please choose another bank."));
    }
    let id: String = {
        let mut rng = rand::thread_rng();
        (0..32).map(|_| char::from_digit(rng.gen_range(0..16), 16).expect("hex digit")).collect()
    };
    let expires = Utc::now() + Duration::minutes(30);
    state.oauth_states.insert(
        id.clone(),
        OAuthState {
            link_token: req.link_token,
            institution_id: institution.id,
            allowed: None,
            completed: false,
            expires,
        },
    );
    Ok(Json(json!({ "oauth_state_id": id, "institution_id": institution.id })))
}

#[derive(Deserialize)]
pub struct StateQuery {
    oauth_state_id: String,
}

fn bank_page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>\
         <style>body{{font-family:system-ui,sans-serif;background:#eef2f7;margin:0;display:flex;justify-content:center}}\
         main{{background:#fff;margin:3rem 1rem;padding:1.5rem 1.75rem;border-radius:12px;max-width:26rem;\
         box-shadow:0 10px 30px rgba(0,0,0,.12)}}h1{{font-size:1.3rem}}button{{font:inherit;padding:.6rem 1rem;\
         border-radius:8px;border:1px solid #cbd5e1;background:#fff;margin-right:.5rem;cursor:pointer}}\
         .allow{{background:#14532d;color:#fff;border-color:#14532d}}</style></head><body><main>{body}</main></body></html>"
    );
    (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

fn expired_page() -> Response {
    bank_page(
        StatusCode::BAD_REQUEST,
        "Sign-in link expired",
        "<h1>This sign-in link has expired</h1><p>Go back to the app and connect your bank again.</p>",
    )
}

/// The pending hand-over `id`, with its bank.
fn pending<'a>(state: &'a mut state::State, id: &str) -> Option<(&'a mut OAuthState, &'static Institution)> {
    let entry = state.oauth_states.get_mut(id).filter(|s| s.expires > Utc::now() && s.allowed.is_none())?;
    let institution = data::institution(entry.institution_id)?;
    Some((entry, institution))
}

/// `GET /link/oauth/authorize`: the bank's consent page.
pub async fn authorize_page(State(sim): State<Simulator>, Query(q): Query<StateQuery>) -> Response {
    let mut state = sim.state.lock().await;
    let Some((_, institution)) = pending(&mut state, &q.oauth_state_id) else {
        return expired_page();
    };
    let accounts: String =
        institution.accounts.iter().map(|a| format!("<li>{} ••{}</li>", a.name, a.mask)).collect::<Vec<_>>().join("");
    // The state id is ours (hex, checked above), the names are static: nothing here is user input.
    bank_page(
        StatusCode::OK,
        institution.name,
        &format!(
            "<h1>{name}</h1><p>Simulated bank sign-in: you are signed in as <strong>user_good</strong>.</p>\
             <p>Allow the app to see these accounts through Plaid?</p><ul>{accounts}</ul>\
             <form method=\"post\" action=\"authorize\"><input type=\"hidden\" name=\"oauth_state_id\" value=\"{id}\">\
             <button class=\"allow\" name=\"decision\" value=\"allow\">Allow</button>\
             <button name=\"decision\" value=\"deny\">Deny</button></form>",
            name = institution.name,
            id = q.oauth_state_id,
        ),
    )
}

#[derive(Deserialize)]
pub struct Decision {
    oauth_state_id: String,
    decision: String,
}

/// `POST /link/oauth/authorize`: records Allow or Deny and sends the user back to the app.
pub async fn authorize(State(sim): State<Simulator>, Form(form): Form<Decision>) -> Response {
    let mut state = sim.state.lock().await;
    let Some((entry, institution)) = pending(&mut state, &form.oauth_state_id) else {
        return expired_page();
    };
    entry.allowed = Some(form.decision == "allow");
    let link_token = entry.link_token.clone();
    let redirect = state.link_tokens.get(&link_token).and_then(|t| t.redirect_uri.clone());
    tracing::info!(institution = institution.name, allowed = form.decision == "allow", "simulated OAuth answered");
    match redirect {
        Some(uri) => Redirect::to(&format!("{uri}?oauth_state_id={}", form.oauth_state_id)).into_response(),
        None => expired_page(),
    }
}

#[derive(Deserialize)]
pub struct Resume {
    link_token: String,
    received_redirect_uri: String,
}

/// `POST /link/oauth/resume`: `{ institution_id, allowed }` for the hand-over named in the
/// received redirect URI, which must belong to this Link token.
pub async fn resume(State(sim): State<Simulator>, Json(req): Json<Resume>) -> Result<Json<Value>, SimError> {
    let state = sim.state.lock().await;
    let id = state_id_of(&req.received_redirect_uri).unwrap_or_default();
    let entry = state.oauth_states.get(&id).filter(|s| s.link_token == req.link_token && s.expires > Utc::now());
    if entry.is_some_and(|s| s.completed) {
        // As Plaid answers a Link re-created for a redirect that was already used (a reload).
        return Err(SimError::new(
            400,
            "OAUTH_ERROR",
            "OAUTH_STATE_ID_ALREADY_PROCESSED",
            "oauth_state_id was already processed",
        )
        .display("This bank sign-in was already completed."));
    }
    valid_link_token(&state, &req.link_token)?;
    let entry = entry.ok_or_else(|| {
        SimError::invalid_request("INVALID_FIELD", "received_redirect_uri does not name this session's OAuth state")
            .display("The bank sign-in could not be matched to this session. Please start again.")
    })?;
    Ok(Json(json!({
        "oauth_state_id": id,
        "institution_id": entry.institution_id,
        "allowed": entry.allowed == Some(true),
    })))
}

fn state_id_of(uri: &str) -> Option<String> {
    let query = uri.split_once('?')?.1.split('#').next()?;
    query.split('&').find_map(|pair| pair.strip_prefix("oauth_state_id=")).map(str::to_string)
}

/// For `/link/complete`: the bank of an allowed hand-over of this Link token, used up
/// (marked completed, so resuming it again is OAUTH_STATE_ID_ALREADY_PROCESSED).
pub fn take_allowed(
    state: &mut state::State,
    id: &str,
    link_token: &str,
    institution_id: &str,
) -> Result<&'static Institution, SimError> {
    let entry = state.oauth_states.get_mut(id).filter(|s| {
        s.link_token == link_token
            && s.institution_id == institution_id
            && s.allowed == Some(true)
            && !s.completed
            && s.expires > Utc::now()
    });
    let institution = entry.and_then(|s| {
        s.completed = true;
        data::institution(s.institution_id)
    });
    institution.ok_or_else(|| {
        SimError::item("INVALID_CREDENTIALS", "the OAuth sign-in was not completed at the institution")
            .display("Access was not granted at your bank.")
    })
}

#[cfg(test)]
mod tests {
    use super::state_id_of;

    #[test]
    fn finds_the_state_id_in_a_received_redirect_uri() {
        assert_eq!(state_id_of("http://h/cash-flow?oauth_state_id=ab12").as_deref(), Some("ab12"));
        assert_eq!(state_id_of("http://h/x?a=1&oauth_state_id=ab12#frag").as_deref(), Some("ab12"));
        assert_eq!(state_id_of("http://h/cash-flow"), None);
    }
}
