//! `PlaidLinkWidget`: Plaid Link bound through wasm-bindgen. The same Rust code drives
//! Plaid's script (live) and the simulator's look-alike; only the script URL differs.
//!
//! Lifecycle: the script is loaded once per page (an existing tag is reused); a handler is
//! created only when the script is loaded and a Link token exists; its callbacks live as long
//! as the handler and are released on cleanup, after `exit({force: true})` and `destroy()`.
//! A fresh token is fetched after each use; a click after the token expired (or Link
//! answering `INVALID_LINK_TOKEN`) fetches a new one and opens Link with it. Why Link closed
//! is reported to the server's log with Plaid's `link_session_id` and `request_id`.

mod link_js;
mod oauth;

use cashflow_api::{
    banking::{ItemStatus, LinkExitView, LinkMetadataView},
    AppError, ErrorCode,
};
use leptos::prelude::*;

use super::{bank_card::SyncNotes, dashboard::LINK_TOKEN_ID, swap};
use crate::banking::{complete_update, create_link_token, exchange_public_token, report_link_exit};

/// What Link reported when it closed.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkOutcome {
    /// `onSuccess(public_token, metadata)`.
    Success {
        /// One-time public token.
        public_token: String,
        /// Institution and accounts.
        metadata: LinkMetadataView,
    },
    /// `onExit(error, metadata)`.
    Exit {
        /// Plaid's `error_code`, when Link closed on an error.
        error_code: Option<String>,
        /// Plaid's message for the user.
        message: Option<String>,
        /// The ids and status for the server's log.
        report: LinkExitView,
    },
}

/// Where the widget is in its flow (the server renders `Loading`; the rest happen in the browser).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Asking for a Link token and loading Link's script.
    Loading,
    /// Link is ready: Connect Bank opens it.
    Ready,
    /// Link's window is open.
    Open,
    /// Link succeeded: exchanging the public token (or checking the repaired bank).
    Exchanging,
    /// Link cannot be used (no token, no script); the notice says why.
    Unavailable,
}

/// What happens to the widget, moving it from one phase to the next ([`Phase::after`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// A new Link session is being prepared (first render, after each use, token renewal).
    Prepare,
    /// The session is ready; `opened` when it was opened at once (OAuth return, renewed token).
    Prepared { opened: bool },
    /// The token or the script could not be had.
    Fail,
    /// The user opened Link.
    Open,
    /// Link closed without linking.
    Close,
    /// Link reported success.
    Link,
}

impl Phase {
    /// The phase's name in the page (`data-phase`).
    fn name(self) -> &'static str {
        match self {
            Phase::Loading => "loading",
            Phase::Ready => "ready",
            Phase::Open => "open",
            Phase::Exchanging => "exchanging",
            Phase::Unavailable => "unavailable",
        }
    }

    /// The phase after `step`. A step that does not apply where the widget is (a click while
    /// loading, a late close while exchanging) leaves the phase as it is.
    fn after(self, step: Step) -> Phase {
        match (self, step) {
            (_, Step::Prepare) => Phase::Loading,
            (Phase::Loading, Step::Fail) => Phase::Unavailable,
            (Phase::Loading, Step::Prepared { opened: true }) => Phase::Open,
            (Phase::Loading, Step::Prepared { opened: false }) => Phase::Ready,
            (Phase::Ready, Step::Open) => Phase::Open,
            (Phase::Open, Step::Close) => Phase::Ready,
            (Phase::Ready | Phase::Open, Step::Link) => Phase::Exchanging,
            (phase, _) => phase,
        }
    }
}

/// A message that outlives the phase.
#[derive(Debug, Clone, PartialEq)]
enum Notice {
    Success(String),
    Duplicate { message: String, existing_item_id: Option<String> },
    Error(String),
}

/// Local-storage key of the token kept for the OAuth return.
const OAUTH_TOKEN_KEY: &str = "cashflow.plaid_link_token";

/// What the widget says when an OAuth bank sent the user back to a browser that holds no
/// Link session (another browser or device, or storage cleared).
const ORPHAN_OAUTH_RETURN: &str = "Your bank sent you back here, but this browser has no record of the connection \
     you started, so it could not be finished. Press Connect Bank to start again.";

/// The "Connect Bank" button (or, with `item_id`, "Re-authenticate" in update mode).
#[component]
pub fn PlaidLinkWidget(
    /// Link script URL: Plaid's CDN in live mode, the simulator's in simulation mode.
    script_url: String,
    /// Update mode for this Item instead of linking a new bank.
    #[prop(optional)]
    item_id: Option<String>,
    /// The button's text in update mode (default "Re-authenticate").
    #[prop(optional)]
    label: Option<&'static str>,
) -> AnyView {
    let phase = RwSignal::new(Phase::Loading);
    let notice = RwSignal::new(None::<Notice>);
    let generation = RwSignal::new(0u32);
    // Whether the current session was re-created to resume after an OAuth bank's redirect,
    // and the Item it is for (update mode), which for a resumed session may differ from ours.
    let resumed = StoredValue::new(false);
    let target = StoredValue::new(item_id.clone());
    let update_mode = item_id.is_some();
    let label = if update_mode { label.unwrap_or("Re-authenticate") } else { "Connect Bank" };
    // Open Link as soon as the next session is ready (the click found the token expired).
    let open_when_ready = StoredValue::new(false);
    // A click retries an expired token once, never in a loop.
    let retried = StoredValue::new(false);
    let session = link_js::session_slot();
    let expires_at = StoredValue::new(0.0_f64);

    let handle_outcome = move |outcome: LinkOutcome| {
        let item_id = target.get_value();
        // Link closed on this page, so no bank redirect will need the token.
        oauth::forget_token(OAUTH_TOKEN_KEY);
        match outcome {
            LinkOutcome::Success { public_token, metadata } => {
                phase.update(|p| *p = p.after(Step::Link));
                leptos::task::spawn_local(async move {
                    let result = match item_id.clone() {
                        Some(id) => complete_update(id).await.and_then(|item| match item.status {
                            ItemStatus::Good => Ok(format!("{} is reconnected.", item.institution_name)),
                            _ => Err(AppError::new(
                                ErrorCode::PlaidError,
                                format!("{} still reports a problem. Please try again.", item.institution_name),
                            )),
                        }),
                        None => exchange_public_token(public_token, metadata).await.map(|item| {
                            format!("{} connected: {} account(s) added.", item.institution_name, item.accounts.len())
                        }),
                    };
                    match result {
                        // A repaired bank is announced on the page (this widget may be gone
                        // with its card's old state once the page refreshes).
                        Ok(message) => {
                            match &item_id {
                                Some(_) => SyncNotes::keep("page", vec![message]),
                                None => {
                                    notice.try_set(Some(Notice::Success(message)));
                                }
                            }
                            swap::refresh();
                        }
                        Err(e) if e.error.code == ErrorCode::DuplicateItem => {
                            notice.try_set(Some(Notice::Duplicate {
                                message: e.error.message.clone(),
                                existing_item_id: e.error.existing_item_id.clone(),
                            }));
                        }
                        Err(e) => {
                            notice.try_set(Some(Notice::Error(e.error.message)));
                        }
                    }
                    // A Link token is good for one session: prepare the next one.
                    generation.try_update(|g| *g += 1);
                });
            }
            LinkOutcome::Exit { error_code, message, report } => {
                leptos::task::spawn_local(async move {
                    let _ = report_link_exit(report).await;
                });
                let invalid_token = error_code.as_deref() == Some("INVALID_LINK_TOKEN");
                if invalid_token && !retried.get_value() {
                    // The token expired while the page was open: get a new one and open Link.
                    retried.set_value(true);
                    open_when_ready.set_value(true);
                    generation.update(|g| *g += 1);
                    return;
                }
                if !invalid_token {
                    if let Some(message) = message.or(error_code) {
                        notice.set(Some(Notice::Error(message)));
                    }
                }
                // A session resumed after an OAuth return is spent once it closes, and a
                // dead token is no use: prepare a new session for the next click.
                if invalid_token || resumed.get_value() {
                    generation.update(|g| *g += 1);
                } else {
                    phase.update(|p| *p = p.after(Step::Close));
                }
            }
        }
    };

    // Prepare a token and a handler (browser only: effects do not run on the server).
    {
        let item_id = item_id.clone();
        let script_url = script_url.clone();
        Effect::new(move |_| {
            generation.track();
            let (item_id, script_url, handle_outcome) = (item_id.clone(), script_url.clone(), handle_outcome);
            session.update_value(|s| *s = None);
            phase.update(|p| *p = p.after(Step::Prepare));
            // The script downloads while the token is asked for (one round trip less on a
            // slow network before Connect Bank can open Link).
            if let Err(e) = link_js::start_loading(&script_url) {
                leptos::logging::warn!("Plaid Link script: {e}");
            }
            leptos::task::spawn_local(async move {
                // The "Connect Bank" widget, always on the dashboard, resumes every OAuth
                // return, including one that started in a bank's update-mode widget.
                let oauth = match item_id {
                    None => oauth::oauth_return(OAUTH_TOKEN_KEY),
                    Some(_) => oauth::OAuthReturn::None,
                };
                let oauth = match oauth {
                    oauth::OAuthReturn::Resume(back) => Some(back),
                    oauth::OAuthReturn::Orphan => {
                        notice.try_set(Some(Notice::Error(ORPHAN_OAUTH_RETURN.into())));
                        None
                    }
                    oauth::OAuthReturn::None => None,
                };
                let token = match &oauth {
                    Some(back) => back.token.clone(),
                    // The dashboard's first token comes with the page; later ones are asked for.
                    None => match match item_id.is_none().then(|| link_js::take_page_token(LINK_TOKEN_ID)).flatten() {
                        Some(given) => Ok(given),
                        None => create_link_token(item_id.clone()).await,
                    } {
                        Ok(t) => {
                            expires_at.try_set_value(link_js::parse_time(&t.expiration));
                            t.link_token
                        }
                        Err(e) => {
                            notice.try_set(Some(Notice::Error(e.error.message)));
                            phase.try_update(|p| *p = p.after(Step::Fail));
                            return;
                        }
                    },
                };
                if let Err(e) = link_js::load_script(&script_url).await {
                    notice.try_set(Some(Notice::Error(e)));
                    phase.try_update(|p| *p = p.after(Step::Fail));
                    return;
                }
                let redirect = oauth.as_ref().map(|back| back.href.clone());
                match link_js::Session::new(&token, redirect, handle_outcome) {
                    Ok(created) => {
                        resumed.try_set_value(oauth.is_some());
                        target.try_set_value(match &oauth {
                            Some(back) => back.item_id.clone(),
                            None => item_id.clone(),
                        });
                        // The widget may be gone by now (its bank card re-rendered): try_ only.
                        if oauth.is_some() || open_when_ready.try_get_value().unwrap_or(false) {
                            open_when_ready.try_set_value(false);
                            if oauth.is_none() {
                                oauth::remember_token(
                                    OAUTH_TOKEN_KEY,
                                    target.try_get_value().flatten().as_deref(),
                                    created.token(),
                                );
                            }
                            created.open();
                            phase.try_update(|p| *p = p.after(Step::Prepared { opened: true }));
                        } else {
                            phase.try_update(|p| *p = p.after(Step::Prepared { opened: false }));
                        }
                        session.try_update_value(|s| *s = Some(created));
                    }
                    Err(e) => {
                        notice.try_set(Some(Notice::Error(e)));
                        phase.try_update(|p| *p = p.after(Step::Fail));
                    }
                }
            });
        });
        on_cleanup(move || session.update_value(|s| *s = None));
    }
    let open = move |_| {
        notice.set(None);
        retried.set_value(false);
        // A token about to expire (update-mode tokens live 30 minutes) is replaced first.
        if expires_at.get_value() > 0.0 && link_js::now_ms() > expires_at.get_value() - 60_000.0 {
            open_when_ready.set_value(true);
            generation.update(|g| *g += 1);
            return;
        }
        session.with_value(|s| {
            if let Some(s) = s {
                // An OAuth bank leaves the page; the return re-creates Link with this token.
                oauth::remember_token(OAUTH_TOKEN_KEY, target.get_value().as_deref(), s.token());
                s.open();
                phase.update(|p| *p = p.after(Step::Open));
            }
        });
    };

    let status = move || match phase.get() {
        Phase::Loading => Some("Preparing a secure connection…"),
        Phase::Open => Some("Complete the steps in the Plaid window."),
        Phase::Exchanging => Some(if update_mode { "Checking the connection…" } else { "Linking your accounts…" }),
        Phase::Ready | Phase::Unavailable => None,
    };
    let script_for_duplicate = script_url.clone();
    view! {
        <div class="link-widget" data-phase=move || phase.get().name()>
            <button
                type="button"
                class=if update_mode { "" } else { "primary" }
                on:click=open
                disabled=move || phase.get() != Phase::Ready
                aria-busy=move || (phase.get() == Phase::Loading || phase.get() == Phase::Exchanging).to_string()
            >
                {label}
            </button>
            <span class="muted" role="status">{status}</span>
            {move || notice.get().map(|n| match n {
                Notice::Success(message) => view! { <p class="notice" role="status">{message}</p> }.into_any(),
                Notice::Error(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                Notice::Duplicate { message, existing_item_id } => view! {
                    <div class="warning" role="alert">
                        <p>{message}</p>
                        {existing_item_id.map(|id| view! {
                            <PlaidLinkWidget script_url=script_for_duplicate.clone() item_id=id/>
                        })}
                    </div>
                }.into_any(),
            })}
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::{Phase, Step};

    #[test]
    fn link_opens_only_when_ready_and_a_late_step_changes_nothing() {
        let ready = Phase::Loading.after(Step::Prepared { opened: false });
        assert_eq!(ready, Phase::Ready);
        assert_eq!(ready.after(Step::Open).after(Step::Close), Phase::Ready);
        assert_eq!(ready.after(Step::Open).after(Step::Link), Phase::Exchanging);
        // An OAuth return opens the resumed session at once.
        assert_eq!(Phase::Loading.after(Step::Prepared { opened: true }), Phase::Open);
        // A click while the session is prepared, or Link closing while exchanging, is ignored.
        assert_eq!(Phase::Loading.after(Step::Open), Phase::Loading);
        assert_eq!(Phase::Exchanging.after(Step::Close), Phase::Exchanging);
        // Only preparing can fail, and a failed widget prepares again on the next round.
        assert_eq!(Phase::Loading.after(Step::Fail), Phase::Unavailable);
        assert_eq!(Phase::Ready.after(Step::Fail), Phase::Ready);
        assert_eq!(Phase::Unavailable.after(Step::Prepare), Phase::Loading);
        assert_eq!(Phase::Exchanging.after(Step::Prepare), Phase::Loading);
    }
}
