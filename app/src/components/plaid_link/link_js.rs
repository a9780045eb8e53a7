//! Plaid Link's JavaScript API bound through wasm-bindgen: the script loader (awaiting the
//! tag's `load` or `error` event) and a Link session (`Plaid.create`, `open`, and on drop
//! `exit({force: true})` and `destroy()`). On the server the same API exists as no-ops
//! (effects and Link callbacks never run there), so the component needs no `#[cfg]`.

#[cfg(feature = "hydrate")]
mod browser {
    use std::{cell::Cell, rc::Rc};

    use cashflow_api::banking::{LinkExitView, LinkTokenView};
    use leptos::prelude::{LocalStorage, StoredValue};
    use wasm_bindgen::{prelude::*, JsCast};
    use wasm_bindgen_futures::JsFuture;

    use super::super::LinkOutcome;

    /// Where a widget keeps its Link session: browser-local storage (its callbacks are not `Send`).
    pub type SessionSlot = StoredValue<Option<Session>, LocalStorage>;

    /// An empty slot for a widget's Link session.
    pub fn session_slot() -> SessionSlot {
        StoredValue::new_local(None)
    }

    /// Milliseconds since the epoch, by the browser's clock.
    pub fn now_ms() -> f64 {
        js_sys::Date::now()
    }

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

    /// How long Link's script may take to load before the widget gives up.
    const SCRIPT_TIMEOUT_MS: i32 = 15_000;

    /// Adds the script tag once per page (an existing one is reused), so the script
    /// downloads while other work, such as asking for a Link token, goes on.
    pub fn start_loading(url: &str) -> Result<(), String> {
        script_tag(url).map(|_| ())
    }

    /// The Link token the server put in the page (element `id`), taken once: the element is
    /// removed, so a second session asks for a new token.
    pub fn take_page_token(id: &str) -> Option<LinkTokenView> {
        let element = web_sys::window()?.document()?.get_element_by_id(id)?;
        let token = LinkTokenView {
            link_token: element.get_attribute("data-token")?,
            expiration: element.get_attribute("data-expiration").unwrap_or_default(),
        };
        element.remove();
        Some(token)
    }

    /// The page's Link script tag, added if missing.
    fn script_tag(url: &str) -> Result<web_sys::Element, String> {
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

    /// Adds the script tag once per page and waits for its `load` or `error` event (or the
    /// timeout), then for `window.Plaid`.
    pub async fn load_script(url: &str) -> Result<(), String> {
        if plaid_loaded() {
            return Ok(());
        }
        let script = script_tag(url)?;
        // An earlier error is marked on the tag: its event will not fire again.
        if script.get_attribute("data-failed").is_none() {
            let settled = js_sys::Promise::new(&mut |resolve, reject| {
                let _ = script.add_event_listener_with_callback("load", &resolve);
                let _ = script.add_event_listener_with_callback("error", &reject);
                if let Some(window) = web_sys::window() {
                    let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&reject, SCRIPT_TIMEOUT_MS);
                }
            });
            let _ = JsFuture::from(settled).await;
        }
        match plaid_loaded() {
            true => Ok(()),
            false => Err("Plaid Link could not be loaded. Check your connection and reload the page.".into()),
        }
    }

    /// The plain part of `Plaid.create`'s config (the callbacks are added to it as functions).
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct LinkConfig<'a> {
        token: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        received_redirect_uri: Option<String>,
    }

    /// `onExit`'s error argument (null when the user closed Link).
    #[derive(serde::Deserialize, Default)]
    #[serde(default)]
    struct LinkError {
        error_code: Option<String>,
        error_type: Option<String>,
        display_message: Option<String>,
        error_message: Option<String>,
    }

    /// `onExit`'s metadata argument: what the server's log keeps.
    #[derive(serde::Deserialize, Default)]
    #[serde(default)]
    struct ExitMetadata {
        status: Option<String>,
        link_session_id: Option<String>,
        request_id: Option<String>,
        institution: Option<ExitInstitution>,
    }

    #[derive(serde::Deserialize, Default)]
    #[serde(default)]
    struct ExitInstitution {
        institution_id: Option<String>,
    }

    /// `handler.exit(options)`.
    #[derive(serde::Serialize)]
    struct ExitOptions {
        force: bool,
    }

    /// A JS value read as `T` (the default when it is null, undefined or not of that shape),
    /// through JSON: the page already carries a JSON decoder, so no second one is shipped.
    fn read<T: serde::de::DeserializeOwned + Default>(value: JsValue) -> T {
        js_sys::JSON::stringify(&value)
            .ok()
            .and_then(|text| text.as_string())
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    /// A Rust value as a JS object, through JSON.
    fn to_js<T: serde::Serialize>(value: &T) -> Option<JsValue> {
        js_sys::JSON::parse(&serde_json::to_string(value).ok()?).ok()
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
                    success_report(LinkOutcome::Success {
                        public_token: token.as_string().unwrap_or_default(),
                        metadata: read(metadata),
                    });
                }
            });
            let live = alive.clone();
            let on_exit = Closure::<dyn FnMut(JsValue, JsValue)>::new(move |error: JsValue, metadata: JsValue| {
                if live.get() {
                    let (error, metadata): (LinkError, ExitMetadata) = (read(error), read(metadata));
                    let exit = LinkExitView {
                        error_code: error.error_code.clone(),
                        error_type: error.error_type,
                        status: metadata.status,
                        link_session_id: metadata.link_session_id,
                        request_id: metadata.request_id,
                        institution_id: metadata.institution.and_then(|i| i.institution_id),
                    };
                    report(LinkOutcome::Exit {
                        message: error.display_message.or(error.error_message),
                        error_code: error.error_code,
                        report: exit,
                    });
                }
            });
            let config = to_js(&LinkConfig { token, received_redirect_uri })
                .ok_or_else(|| "Plaid Link could not start.".to_string())?;
            let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&config, &k.into(), v).map(|_| ());
            set("onSuccess", on_success.as_ref()).map_err(|_| "bad config")?;
            set("onExit", on_exit.as_ref()).map_err(|_| "bad config")?;
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
            if let Some(options) = to_js(&ExitOptions { force: true }) {
                self.handler.exit(&options);
            }
            self.handler.destroy();
        }
    }
}

#[cfg(not(feature = "hydrate"))]
mod server {
    use cashflow_api::banking::LinkTokenView;
    use leptos::prelude::StoredValue;

    use super::super::LinkOutcome;

    /// Where a widget keeps its Link session (always empty on the server; thread-safe, as
    /// server rendering may clean up on another thread).
    pub type SessionSlot = StoredValue<Option<Session>>;

    /// An empty slot for a widget's Link session.
    pub fn session_slot() -> SessionSlot {
        StoredValue::new(None)
    }

    /// Milliseconds since the epoch (never asked for on the server).
    pub fn now_ms() -> f64 {
        0.0
    }

    /// Reads nothing on the server.
    pub fn parse_time(_rfc3339: &str) -> f64 {
        0.0
    }

    /// Link's script loads in the browser only.
    pub fn take_page_token(_id: &str) -> Option<LinkTokenView> {
        None
    }

    pub fn start_loading(_url: &str) -> Result<(), String> {
        Ok(())
    }

    /// Link's script loads in the browser only.
    pub async fn load_script(_url: &str) -> Result<(), String> {
        Err("Plaid Link runs in the browser.".into())
    }

    /// A Link session: only ever created in the browser.
    pub struct Session;

    impl Session {
        /// Link runs in the browser only.
        pub fn new(
            _token: &str,
            _received_redirect_uri: Option<String>,
            _report: impl Fn(LinkOutcome) + Clone + 'static,
        ) -> Result<Self, String> {
            Err("Plaid Link runs in the browser.".into())
        }

        /// No token on the server.
        pub fn token(&self) -> &str {
            ""
        }

        /// Nothing to open on the server.
        pub fn open(&self) {}
    }
}

#[cfg(feature = "hydrate")]
pub use browser::*;
#[cfg(not(feature = "hydrate"))]
pub use server::*;
