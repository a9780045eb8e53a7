//! The Cash Flow web app: Leptos pages rendered on the server with small interactive islands
//! hydrated in the browser, the sign-in flow, and (server only) the axum server that wires `banking-core`.
//!
//! Only this crate knows `ssr`/`hydrate`: server-only code lives in [`server`] and in
//! `#[cfg(feature = "ssr")]` blocks next to the server functions.

// Leptos view types nest deeply; component boundaries erase them with `into_any`.
#![recursion_limit = "256"]

pub mod admin;
pub mod app;
pub mod auth;
pub mod banking;
pub mod components;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod server;

/// Browser entry point, called by Leptos' island script before it hydrates the page's
/// islands (the rest of the page is rendered on the server only).
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    components::swap::remember_page();
}
