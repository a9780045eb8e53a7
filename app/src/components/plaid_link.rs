//! `PlaidLinkWidget`: Plaid Link bound through wasm-bindgen. The same Rust code drives
//! Plaid's script (live) and the simulator's look-alike; only the script URL differs.
//!
//! Lifecycle: the script is loaded once per page (an existing tag is reused); a handler is
//! created only when the script is loaded and a Link token exists; its callbacks live as long
//! as the handler and are released on cleanup, after `exit({force: true})` and `destroy()`.
//! A fresh token is fetched after each use; a click after the token expired (or Link
//! answering `INVALID_LINK_TOKEN`) fetches a new one and opens Link with it. Why Link closed
//! is reported to the server's log with Plaid's `link_session_id` and `request_id`.

use leptos::prelude::*;

use crate::banking::{complete_update, exchange_public_token};
use cashflow_api::{banking::ItemStatus, AppError, ErrorCode};

#[cfg(feature = "hydrate")]
use crate::banking::{create_link_token, report_link_exit};
use cashflow_api::banking::{LinkExitView, LinkMetadataView};

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

/// Where the widget is in its flow (some phases are only reached in the browser).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Loading,
    Ready,
    Open,
    Exchanging,
    Unavailable,
}

/// A message that outlives the phase.
#[derive(Debug, Clone, PartialEq)]
enum Notice {
    Success(String),
    Duplicate { message: String, existing_item_id: Option<String> },
    Error(String),
}

/// Local-storage key of the token kept for the OAuth return.
#[cfg(feature = "hydrate")]
const OAUTH_TOKEN_KEY: &str = "cashflow.plaid_link_token";

/// What the widget says when an OAuth bank sent the user back to a browser that holds no
/// Link session (another browser or device, or storage cleared).
#[cfg(feature = "hydrate")]
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
    /// Called after a bank was linked or re-authenticated.
    on_changed: Callback<()>,
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
    #[cfg(feature = "hydrate")]
    let session = StoredValue::new_local(None::<browser::Session>);
    #[cfg(feature = "hydrate")]
    let expires_at = StoredValue::new(0.0_f64);

    let handle_outcome = move |outcome: LinkOutcome| {
        let item_id = target.get_value();
        // Link closed on this page, so no bank redirect will need the token.
        #[cfg(feature = "hydrate")]
        browser::forget_token(OAUTH_TOKEN_KEY);
        match outcome {
            LinkOutcome::Success { public_token, metadata } => {
                phase.set(Phase::Exchanging);
                leptos::task::spawn_local(async move {
                    let result = match item_id {
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
                        Ok(message) => {
                            notice.try_set(Some(Notice::Success(message)));
                            on_changed.run(());
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
                #[cfg(feature = "hydrate")]
                leptos::task::spawn_local(async move {
                    let _ = report_link_exit(report).await;
                });
                #[cfg(not(feature = "hydrate"))]
                let _ = report;
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
                    phase.set(Phase::Ready);
                }
            }
        }
    };

    // Prepare a token and a handler (browser only; effects do not run on the server).
    #[cfg(feature = "hydrate")]
    {
        let item_id = item_id.clone();
        let script_url = script_url.clone();
        Effect::new(move |_| {
            generation.track();
            let (item_id, script_url, handle_outcome) = (item_id.clone(), script_url.clone(), handle_outcome);
            session.update_value(|s| *s = None);
            phase.set(Phase::Loading);
            // The script downloads while the token is asked for (one round trip less on a
            // slow network before Connect Bank can open Link).
            if let Err(e) = browser::start_loading(&script_url) {
                leptos::logging::warn!("Plaid Link script: {e}");
            }
            leptos::task::spawn_local(async move {
                // The "Connect Bank" widget, always on the dashboard, resumes every OAuth
                // return, including one that started in a bank's update-mode widget.
                let oauth = match item_id {
                    None => browser::oauth_return(OAUTH_TOKEN_KEY),
                    Some(_) => browser::OAuthReturn::None,
                };
                let oauth = match oauth {
                    browser::OAuthReturn::Resume(back) => Some(back),
                    browser::OAuthReturn::Orphan => {
                        notice.try_set(Some(Notice::Error(ORPHAN_OAUTH_RETURN.into())));
                        None
                    }
                    browser::OAuthReturn::None => None,
                };
                let token = match &oauth {
                    Some(back) => back.token.clone(),
                    None => match create_link_token(item_id.clone()).await {
                        Ok(t) => {
                            expires_at.try_set_value(browser::parse_time(&t.expiration));
                            t.link_token
                        }
                        Err(e) => {
                            notice.try_set(Some(Notice::Error(e.error.message)));
                            phase.try_set(Phase::Unavailable);
                            return;
                        }
                    },
                };
                if let Err(e) = browser::load_script(&script_url).await {
                    notice.try_set(Some(Notice::Error(e)));
                    phase.try_set(Phase::Unavailable);
                    return;
                }
                let redirect = oauth.as_ref().map(|back| back.href.clone());
                match browser::Session::new(&token, redirect, handle_outcome) {
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
                                browser::remember_token(
                                    OAUTH_TOKEN_KEY,
                                    target.try_get_value().flatten().as_deref(),
                                    created.token(),
                                );
                            }
                            created.open();
                            phase.try_set(Phase::Open);
                        } else {
                            phase.try_set(Phase::Ready);
                        }
                        session.try_update_value(|s| *s = Some(created));
                    }
                    Err(e) => {
                        notice.try_set(Some(Notice::Error(e)));
                        phase.try_set(Phase::Unavailable);
                    }
                }
            });
        });
        on_cleanup(move || session.update_value(|s| *s = None));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (&handle_outcome, &script_url, generation, open_when_ready);

    let open = move |_| {
        notice.set(None);
        retried.set_value(false);
        // A token about to expire (update-mode tokens live 30 minutes) is replaced first.
        #[cfg(feature = "hydrate")]
        if expires_at.get_value() > 0.0 && js_sys::Date::now() > expires_at.get_value() - 60_000.0 {
            open_when_ready.set_value(true);
            generation.update(|g| *g += 1);
            return;
        }
        #[cfg(feature = "hydrate")]
        session.with_value(|s| {
            if let Some(s) = s {
                // An OAuth bank leaves the page; the return re-creates Link with this token.
                browser::remember_token(OAUTH_TOKEN_KEY, target.get_value().as_deref(), s.token());
                s.open();
                phase.set(Phase::Open);
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
        <div class="link-widget" data-phase=move || format!("{:?}", phase.get()).to_lowercase()>
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
                            <PlaidLinkWidget script_url=script_for_duplicate.clone() item_id=id on_changed=on_changed/>
                        })}
                    </div>
                }.into_any(),
            })}
        </div>
    }
    .into_any()
}

/// The browser side: wasm-bindgen bindings to `window.Plaid` and the script loader.
#[cfg(feature = "hydrate")]
mod browser {
    use std::{cell::Cell, rc::Rc};

    use wasm_bindgen::{prelude::*, JsCast};
    use wasm_bindgen_futures::JsFuture;

    use super::LinkOutcome;
    use cashflow_api::banking::LinkExitView;

    /// An RFC 3339 time as milliseconds since the epoch (0 when unreadable).
    pub fn parse_time(rfc3339: &str) -> f64 {
        let parsed = js_sys::Date::parse(rfc3339);
        if parsed.is_nan() {
            0.0
        } else {
            parsed
        }
    }

    #[wasm_bindgen]
    extern "C" {
        type Handler;

        #[wasm_bindgen(catch, js_namespace = Plaid, js_name = create)]
        fn plaid_create(config: &JsValue) -> Result<Handler, JsValue>;

        #[wasm_bindgen(method)]
        fn open(this: &Handler);

        #[wasm_bindgen(method)]
        fn exit(this: &Handler, options: &JsValue);

        #[wasm_bindgen(method)]
        fn destroy(this: &Handler);
    }

    const SCRIPT_ID: &str = "plaid-link-initialize";

    fn plaid_loaded() -> bool {
        js_sys::Reflect::get(&js_sys::global(), &"Plaid".into()).is_ok_and(|p| !p.is_undefined())
    }

    async fn sleep(ms: i32) {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            let _ = web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        });
        let _ = JsFuture::from(promise).await;
    }

    /// Adds the script tag once per page (an existing one is reused), so the script
    /// downloads while other work, such as asking for a Link token, goes on.
    pub fn start_loading(url: &str) -> Result<web_sys::Element, String> {
        let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
        if let Some(existing) = document.get_element_by_id(SCRIPT_ID) {
            return Ok(existing);
        }
        let script: web_sys::HtmlScriptElement =
            document.create_element("script").map_err(|_| "cannot create script")?.unchecked_into();
        script.set_id(SCRIPT_ID);
        script.set_src(url);
        script.set_async(true);
        let failed = script.clone();
        let on_error = Closure::once_into_js(move || {
            let _ = failed.set_attribute("data-failed", "true");
        });
        script.set_onerror(Some(on_error.unchecked_ref()));
        document.head().ok_or("no head")?.append_child(&script).map_err(|_| "cannot add script")?;
        Ok(script.into())
    }

    /// Adds the script tag once per page and waits until `window.Plaid` exists.
    pub async fn load_script(url: &str) -> Result<(), String> {
        if plaid_loaded() {
            return Ok(());
        }
        let script = start_loading(url)?;
        for _ in 0..300 {
            if plaid_loaded() {
                return Ok(());
            }
            if script.get_attribute("data-failed").is_some() {
                break;
            }
            sleep(50).await;
        }
        Err("Plaid Link could not be loaded. Check your connection and reload the page.".into())
    }

    fn json(value: &JsValue) -> serde_json::Value {
        js_sys::JSON::stringify(value)
            .ok()
            .and_then(|s| s.as_string())
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or(serde_json::Value::Null)
    }

    /// A Link handler and the callbacks it calls; dropping it exits and destroys Link.
    pub struct Session {
        handler: Handler,
        token: String,
        alive: Rc<Cell<bool>>,
        _on_success: Closure<dyn FnMut(JsValue, JsValue)>,
        _on_exit: Closure<dyn FnMut(JsValue, JsValue)>,
    }

    impl Session {
        /// `Plaid.create({token, onSuccess, onExit, receivedRedirectUri})`.
        pub fn new(
            token: &str,
            received_redirect_uri: Option<String>,
            report: impl Fn(LinkOutcome) + Clone + 'static,
        ) -> Result<Self, String> {
            let alive = Rc::new(Cell::new(true));
            let (live, success_report) = (alive.clone(), report.clone());
            let on_success = Closure::<dyn FnMut(JsValue, JsValue)>::new(move |token: JsValue, metadata: JsValue| {
                if live.get() {
                    let metadata = serde_json::from_value(json(&metadata)).unwrap_or_default();
                    success_report(LinkOutcome::Success {
                        public_token: token.as_string().unwrap_or_default(),
                        metadata,
                    });
                }
            });
            let live = alive.clone();
            let on_exit = Closure::<dyn FnMut(JsValue, JsValue)>::new(move |error: JsValue, metadata: JsValue| {
                if live.get() {
                    let (error, metadata) = (json(&error), json(&metadata));
                    let text = |v: &serde_json::Value, k: &str| v.get(k).and_then(|v| v.as_str()).map(str::to_string);
                    let exit = LinkExitView {
                        error_code: text(&error, "error_code"),
                        error_type: text(&error, "error_type"),
                        status: text(&metadata, "status"),
                        link_session_id: text(&metadata, "link_session_id"),
                        request_id: text(&metadata, "request_id"),
                        institution_id: metadata.get("institution").and_then(|i| text(i, "institution_id")),
                    };
                    report(LinkOutcome::Exit {
                        error_code: text(&error, "error_code"),
                        message: text(&error, "display_message").or(text(&error, "error_message")),
                        report: exit,
                    });
                }
            });
            let config = js_sys::Object::new();
            let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&config, &k.into(), v).map(|_| ());
            set("token", &token.into()).map_err(|_| "bad config")?;
            set("onSuccess", on_success.as_ref()).map_err(|_| "bad config")?;
            set("onExit", on_exit.as_ref()).map_err(|_| "bad config")?;
            if let Some(uri) = received_redirect_uri {
                set("receivedRedirectUri", &uri.into()).map_err(|_| "bad config")?;
            }
            let handler = plaid_create(&config).map_err(|_| "Plaid Link could not start.".to_string())?;
            Ok(Self { handler, token: token.to_string(), alive, _on_success: on_success, _on_exit: on_exit })
        }

        /// The Link token this session was created with.
        pub fn token(&self) -> &str {
            &self.token
        }

        /// Opens Link.
        pub fn open(&self) {
            self.handler.open();
        }
    }

    impl Drop for Session {
        fn drop(&mut self) {
            self.alive.set(false);
            let options = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&options, &"force".into(), &true.into());
            self.handler.exit(&options);
            self.handler.destroy();
        }
    }

    /// Keeps the token of the Link session being opened, with the Item it is for (empty for
    /// a new bank), so the OAuth return can re-create Link with the same token in the same
    /// widget.
    pub fn remember_token(key: &str, item_id: Option<&str>, token: &str) {
        if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = storage.set_item(key, &format!("{}\n{token}", item_id.unwrap_or_default()));
        }
    }

    /// Forgets the kept token.
    pub fn forget_token(key: &str) {
        if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = storage.remove_item(key);
        }
    }

    /// What the page's address says about an OAuth bank's redirect.
    pub enum OAuthReturn {
        /// No redirect: an ordinary visit.
        None,
        /// A redirect with the session to resume.
        Resume(OAuthResume),
        /// A redirect this browser kept no session for.
        Orphan,
    }

    /// A Link session to resume after a bank's OAuth redirect.
    pub struct OAuthResume {
        /// The token Link was opened with.
        pub token: String,
        /// The Item it was opened for (update mode), or `None` for a new bank.
        pub item_id: Option<String>,
        /// The full URL, for `receivedRedirectUri`.
        pub href: String,
    }

    /// When the page was reopened by the bank's OAuth redirect (`?oauth_state_id=`): what to
    /// resume, if a token was kept. Used once: the kept token is forgotten and the query is
    /// taken off the address bar (also when there is nothing to resume), so a reload or a
    /// later token refresh starts afresh.
    pub fn oauth_return(key: &str) -> OAuthReturn {
        let Some(window) = web_sys::window() else { return OAuthReturn::None };
        let Some(url) = window.location().href().ok().and_then(|href| web_sys::Url::new(&href).ok()) else {
            return OAuthReturn::None;
        };
        if url.search_params().get("oauth_state_id").is_none() {
            return OAuthReturn::None;
        }
        let href = url.href();
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url.pathname()));
        }
        let stored = window.local_storage().ok().flatten().and_then(|s| s.get_item(key).ok().flatten());
        forget_token(key);
        match stored.as_deref().and_then(|s| s.split_once('\n')) {
            Some((owner, token)) => OAuthReturn::Resume(OAuthResume {
                token: token.to_string(),
                item_id: (!owner.is_empty()).then(|| owner.to_string()),
                href,
            }),
            None => OAuthReturn::Orphan,
        }
    }
}
