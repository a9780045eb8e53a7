//! The HTML shell and the router.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

use crate::pages::{
    account::AccountPage, admin::AdminPage, cash_flow::CashFlowPage, login::LoginPage, not_found::NotFound,
    transactions::TransactionsPage,
};

/// The document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    content_security_policy(&options);
    provide_meta_context();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <AutoReload options=options.clone()/>
                // The build's file names carry their content's hash when cargo-leptos
                // `hash-files` is on (read from hash.txt beside the server binary).
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The app's routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Cash Flow"/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage/>
                <Route path=path!("/account") view=AccountPage/>
                // In order: the page is sent as it renders, top to bottom, so balances arrive
                // while the chart's data is still being read; it reads without JavaScript, and
                // the regions a refresh fetches again come complete (no streamed fallbacks
                // that only a script would replace).
                <Route path=path!("/cash-flow") view=CashFlowPage ssr=SsrMode::InOrder/>
                <Route path=path!("/transactions") view=TransactionsPage ssr=SsrMode::InOrder/>
                <Route path=path!("/admin") view=AdminPage ssr=SsrMode::InOrder/>
                <Route path=path!("/") view=LoginPage/>
            </Routes>
        </Router>
    }
}

/// Sets this page's Content-Security-Policy: scripts run only with this response's nonce
/// (leptos_axum makes one per request and puts it on its own scripts), or when such a script
/// loads them (`'strict-dynamic'`: the Link script, Plaid's or the simulator's); the wasm may
/// compile; the page cannot be framed. In live mode only, Plaid's documented directives for
/// Link are added: its script from the CDN (for browsers without `'strict-dynamic'`), its
/// iframe from `https://cdn.plaid.com/`, and calls to the configured Plaid environment.
/// Under `cargo leptos watch` the live-reload socket is allowed too.
#[cfg(feature = "ssr")]
fn content_security_policy(options: &LeptosOptions) {
    use http::{header::CONTENT_SECURITY_POLICY, HeaderValue};
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let reload = match std::env::var("LEPTOS_WATCH") {
        Ok(_) => format!(" ws://127.0.0.1:{port} ws://localhost:{port}", port = options.reload_port),
        Err(_) => String::new(),
    };
    let plaid_api = use_context::<crate::server::state::AppState>().and_then(|s| s.plaid_api_origin.clone());
    let (link_script, link_connect, frames) = match plaid_api {
        Some(api) => {
            (" https://cdn.plaid.com/link/v2/stable/link-initialize.js", format!(" {api}/"), "https://cdn.plaid.com/")
        }
        None => ("", String::new(), "'none'"),
    };
    let policy = format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'{link_script}; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'{link_connect}{reload}; \
         frame-src {frames}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'; form-action 'self'"
    );
    match HeaderValue::from_str(&policy) {
        Ok(value) => response.insert_header(CONTENT_SECURITY_POLICY, value),
        Err(e) => tracing::error!(error = %e, "could not build the Content-Security-Policy"),
    }
}
