//! Server-rendered regions kept current without hydrating them.
//!
//! Pages are rendered on the server; only small islands run in the browser. After a change (a
//! live event, or a trader's action in an island) [`refresh`] fetches the page's own address
//! again and replaces each element marked `data-swap` whose HTML changed. A region marked
//! `data-swap="keyed"` is compared child by child (by `id`): a bank card that did not change
//! is left as it is. In a part that did change, an island whose HTML is the same as before
//! is kept live (an open form, confirmation or Link window survives a balance update); the
//! others are hydrated, each under its own reactive owner, disposed when it leaves the page.
//!
//! HTML is compared as the browser serialises it, against what the server sent (the first
//! copy is taken before any island ran, see [`remember_page`]), never against the live DOM.
//!
//! Bounded: Leptos keeps a hydrated island's view state for the life of the page (its owner
//! and signals are disposed here, its DOM handles and listeners are not), so after
//! [`MAX_STARTED`] islands started by refreshes the next refresh reloads the page instead.

/// The header a refresh's fetch of the page carries: the server then makes no Link token.
pub const REFRESH_HEADER: &str = "x-cashflow-refresh";

/// Islands a page may start through refreshes before a refresh reloads it instead.
pub const MAX_STARTED: usize = 2_000;

/// Fetches the page again and swaps what changed (browser only). At most one fetch runs; a
/// call while it runs asks for exactly one more after it.
pub fn refresh() {
    #[cfg(feature = "hydrate")]
    imp::refresh();
}

/// Sets `name=value` in the page's address (no navigation, so a reload keeps it) and
/// refreshes the page's regions for it.
pub fn set_param_and_refresh(name: &str, value: &str) {
    #[cfg(feature = "hydrate")]
    imp::set_param(name, value);
    #[cfg(not(feature = "hydrate"))]
    let _ = (name, value);
    refresh();
}

/// Records the page's regions as the server sent them. Called once by the browser entry
/// point, before the islands are hydrated.
#[cfg(feature = "hydrate")]
pub fn remember_page() {
    imp::remember_page();
}

#[cfg(feature = "hydrate")]
mod imp {
    use std::{cell::RefCell, collections::HashMap};

    use leptos::prelude::*;
    use wasm_bindgen::{closure::Closure, JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{Document, DomParser, Element, SupportedType};

    /// JS property of an island element: its HTML as the server sent it.
    const RECEIVED: &str = "__cashflow_html";
    /// JS property of an island element started here: the key of its owner.
    const OWNER: &str = "__cashflow_owner";

    #[derive(Default)]
    struct State {
        /// The root owner the islands of the first render hang from.
        root: Option<Owner>,
        /// Each part's HTML as last received, by id.
        received: HashMap<String, String>,
        /// Owners of the islands started by refreshes.
        owners: HashMap<u32, Owner>,
        next_owner: u32,
        started: usize,
        running: bool,
        again: bool,
    }

    thread_local! {
        static STATE: RefCell<State> = RefCell::new(State::default());
    }

    fn document() -> Option<Document> {
        web_sys::window()?.document()
    }

    fn elements(root: &impl AsRef<web_sys::Node>, selector: &str) -> Vec<Element> {
        let list = match root.as_ref().dyn_ref::<Document>() {
            Some(d) => d.query_selector_all(selector),
            None => match root.as_ref().dyn_ref::<Element>() {
                Some(e) => e.query_selector_all(selector),
                None => return Vec::new(),
            },
        };
        let Ok(list) = list else { return Vec::new() };
        (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<Element>().ok()).collect()
    }

    fn children(el: &Element) -> Vec<Element> {
        let list = el.children();
        (0..list.length()).filter_map(|i| list.item(i)).collect()
    }

    fn keyed(el: &Element) -> bool {
        el.get_attribute("data-swap").as_deref() == Some("keyed")
    }

    fn get(el: &Element, key: &str) -> JsValue {
        js_sys::Reflect::get(el, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    }

    fn set(el: &Element, key: &str, value: &JsValue) {
        let _ = js_sys::Reflect::set(el, &JsValue::from_str(key), value);
    }

    fn remember(el: &Element, overwrite: bool) {
        let id = el.id();
        if id.is_empty() {
            return;
        }
        STATE.with_borrow_mut(|s| {
            if overwrite || !s.received.contains_key(&id) {
                s.received.insert(id, el.outer_html());
            }
        });
        if keyed(el) {
            for child in children(el) {
                remember(&child, overwrite);
            }
        }
    }

    fn remember_islands(root: &impl AsRef<web_sys::Node>) {
        for island in elements(root, "leptos-island") {
            if get(&island, RECEIVED).is_undefined() {
                set(&island, RECEIVED, &JsValue::from_str(&island.outer_html()));
            }
        }
    }

    pub fn remember_page() {
        STATE.with_borrow_mut(|s| s.root = Owner::current());
        let Some(doc) = document() else { return };
        for el in elements(&doc, "[data-swap]") {
            remember(&el, false);
        }
        remember_islands(&doc);
        // A page still streaming in may get islands after the first hydration pass: hydrate
        // those once the document is complete.
        if doc.ready_state() == "loading" {
            let late = Closure::once_into_js(move || {
                let Some(doc) = document() else { return };
                for island in elements(&doc, "leptos-island") {
                    if get(&island, RECEIVED).is_undefined() {
                        set(&island, RECEIVED, &JsValue::from_str(&island.outer_html()));
                        start(&island);
                    }
                }
                for el in elements(&doc, "[data-swap]") {
                    remember(&el, false);
                }
            });
            let _ = doc.add_event_listener_with_callback("DOMContentLoaded", late.unchecked_ref());
        }
    }

    /// Hydrates one island, under an owner of its own, with the function the island script
    /// registered.
    fn start(island: &Element) {
        let Some(window) = web_sys::window() else { return };
        let Ok(hydrate) = js_sys::Reflect::get(&window, &JsValue::from_str("__hydrateIsland")) else { return };
        let Some(hydrate) = hydrate.dyn_ref::<js_sys::Function>() else { return };
        let component = island.get_attribute("data-component").unwrap_or_default();
        let root = STATE.with_borrow(|s| s.root.clone());
        let owner = match &root {
            Some(root) => root.with(Owner::new),
            None => Owner::new(),
        };
        owner.with(|| {
            if let Err(e) = hydrate.call2(&JsValue::NULL, island, &JsValue::from_str(&component)) {
                leptos::logging::warn!("could not start an island: {e:?}");
            }
        });
        let key = STATE.with_borrow_mut(|s| {
            s.next_owner = s.next_owner.wrapping_add(1);
            s.owners.insert(s.next_owner, owner);
            s.started += 1;
            s.next_owner
        });
        set(island, OWNER, &JsValue::from(key));
    }

    /// Disposes an island that left the page (those of the first render stay with the root).
    fn stop(island: &Element) {
        let Some(key) = get(island, OWNER).as_f64() else { return };
        if let Some(owner) = STATE.with_borrow_mut(|s| s.owners.remove(&(key as u32))) {
            owner.cleanup();
        }
    }

    fn unchanged(id: &str, html: &str) -> bool {
        STATE.with_borrow(|s| s.received.get(id).is_some_and(|h| h == html))
    }

    /// Brings `new` (from the fetched page, same id) into the page in place of `old`, or
    /// leaves `old` when nothing changed; returns what is in the page now.
    fn replace(doc: &Document, old: &Element, new: &Element) -> Element {
        let html = new.outer_html();
        let id = old.id();
        if unchanged(&id, &html) {
            return old.clone();
        }
        if !(keyed(old) && keyed(new)) {
            let placed = bring_in(doc, Some(old), new);
            let _ = old.replace_with_with_node_1(&placed);
            return placed;
        }
        let old_children = children(old);
        let next = js_sys::Array::new();
        let mut kept = Vec::new();
        for fresh in children(new) {
            let child_id = fresh.id();
            let existing = old_children.iter().find(|c| !child_id.is_empty() && c.id() == child_id);
            let placed = match existing {
                Some(existing) => replace(doc, existing, &fresh),
                None => bring_in(doc, None, &fresh),
            };
            kept.push(child_id);
            next.push(&placed);
        }
        for gone in old_children.iter().filter(|c| !kept.contains(&c.id())) {
            for island in elements(gone, "leptos-island") {
                stop(&island);
            }
        }
        // Moving nodes loses focus: only reorder when the order changed.
        let now = children(old);
        let same = now.len() as u32 == next.length()
            && now
                .iter()
                .enumerate()
                .all(|(i, c)| next.get(i as u32).dyn_ref::<web_sys::Node>().is_some_and(|n| n.is_same_node(Some(c))));
        if !same {
            old.replace_children_with_node(&next);
        }
        for name in old.get_attribute_names().iter().filter_map(|n| n.as_string()) {
            if !new.has_attribute(&name) {
                let _ = old.remove_attribute(&name);
            }
        }
        for name in new.get_attribute_names().iter().filter_map(|n| n.as_string()) {
            if let Some(value) = new.get_attribute(&name) {
                let _ = old.set_attribute(&name, &value);
            }
        }
        STATE.with_borrow_mut(|s| s.received.insert(id, html));
        old.clone()
    }

    /// Moves a fetched part into this document. Its islands whose HTML equals one of `old`'s
    /// take that live island's place; the rest start once the part is in the page, and the
    /// old islands not taken are disposed.
    fn bring_in(doc: &Document, old: Option<&Element>, fresh: &Element) -> Element {
        let placed = match doc.adopt_node(fresh).map(|n| n.dyn_into::<Element>()) {
            Ok(Ok(el)) => el,
            _ => fresh.clone(),
        };
        remember(&placed, true);
        let old_islands = old.map(|o| elements(o, "leptos-island")).unwrap_or_default();
        let mut taken = vec![false; old_islands.len()];
        let mut to_start = Vec::new();
        for island in elements(&placed, "leptos-island") {
            let html = island.outer_html();
            let live = old_islands
                .iter()
                .enumerate()
                .find(|(i, o)| !taken[*i] && get(o, RECEIVED).as_string().as_deref() == Some(html.as_str()));
            match live {
                Some((i, live)) => {
                    taken[i] = true;
                    let _ = island.replace_with_with_node_1(live);
                }
                None => {
                    set(&island, RECEIVED, &JsValue::from_str(&html));
                    to_start.push(island);
                }
            }
        }
        for (island, _) in old_islands.iter().zip(&taken).filter(|(_, t)| !**t) {
            stop(island);
        }
        // Islands hydrate once the part is in the page (their code may look around them).
        if !to_start.is_empty() {
            leptos::task::spawn_local(async move {
                for island in &to_start {
                    start(island);
                }
            });
        }
        placed
    }

    pub fn set_param(name: &str, value: &str) {
        let Some(window) = web_sys::window() else { return };
        let Ok(href) = window.location().href() else { return };
        let Ok(url) = web_sys::Url::new(&href) else { return };
        url.search_params().set(name, value);
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url.href()));
        }
    }

    pub fn refresh() {
        if STATE.with_borrow(|s| s.started) >= super::MAX_STARTED {
            if let Some(window) = web_sys::window() {
                let _ = window.location().reload();
            }
            return;
        }
        let busy = STATE.with_borrow_mut(|s| {
            if s.running {
                s.again = true;
            }
            std::mem::replace(&mut s.running, true)
        });
        if busy {
            return;
        }
        leptos::task::spawn_local(async {
            loop {
                if let Err(e) = fetch_and_swap().await {
                    leptos::logging::warn!("could not refresh the page: {e}");
                }
                let again = STATE.with_borrow_mut(|s| {
                    let again = std::mem::take(&mut s.again);
                    s.running = again;
                    again
                });
                if !again {
                    break;
                }
            }
        });
    }

    async fn fetch_and_swap() -> Result<(), String> {
        let window = web_sys::window().ok_or("no window")?;
        let doc = window.document().ok_or("no document")?;
        let href = window.location().href().map_err(|e| format!("{e:?}"))?;
        let init = web_sys::RequestInit::new();
        let headers = web_sys::Headers::new().map_err(|e| format!("{e:?}"))?;
        headers.set(super::REFRESH_HEADER, "1").map_err(|e| format!("{e:?}"))?;
        init.set_headers(&headers);
        let response =
            JsFuture::from(window.fetch_with_str_and_init(&href, &init)).await.map_err(|e| format!("{e:?}"))?;
        let response: web_sys::Response = response.dyn_into().map_err(|e| format!("{e:?}"))?;
        if !response.ok() {
            return Err(format!("the page answered {}", response.status()));
        }
        let text =
            JsFuture::from(response.text().map_err(|e| format!("{e:?}"))?).await.map_err(|e| format!("{e:?}"))?;
        let text = text.as_string().unwrap_or_default();
        let parsed = DomParser::new()
            .and_then(|p| p.parse_from_string(&text, SupportedType::TextHtml))
            .map_err(|e| format!("{e:?}"))?;
        for fresh in elements(&parsed, "[data-swap]") {
            // Nested parts are handled with their region.
            if fresh.parent_element().and_then(|p| p.closest("[data-swap]").ok().flatten()).is_some() {
                continue;
            }
            let id = fresh.id();
            if id.is_empty() {
                continue;
            }
            if let Some(old) = doc.get_element_by_id(&id) {
                replace(&doc, &old, &fresh);
            }
        }
        crate::components::bank_card::after_refresh();
        Ok(())
    }
}
