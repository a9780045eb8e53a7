//! Live updates: the page listens to `/api/v1/banking/events` (Server-Sent Events) and
//! swaps in its server-rendered regions again when something the user sees changed.

use cashflow_api::events::EventHeader;
use leptos::prelude::*;

/// What one event means for the page: (reload data?, syncing now?).
pub fn effect_of(event_json: &str) -> (bool, Option<bool>) {
    match serde_json::from_str::<EventHeader>(event_json) {
        Ok(header) => (header.kind.changes_data(), header.kind.syncing()),
        Err(_) => (false, None),
    }
}

/// Listens to the event stream while the page is open and swaps in the page's regions when
/// data changed. With `status`, says whether updates are live and when a sync runs.
#[island]
pub fn LiveUpdates(status: bool) -> impl IntoView {
    let syncing = RwSignal::new(false);
    let connected = RwSignal::new(false);
    Effect::new(move |_| listen(syncing, connected));
    status.then(|| {
        view! {
            <p class="muted live" aria-live="polite" data-live=move || connected.get().to_string()>
                {move || match (connected.get(), syncing.get()) {
                    (_, true) => "Syncing with your bank…",
                    (true, false) => "Live: balances update as your bank reports them.",
                    (false, false) => "",
                }}
            </p>
        }
    })
}

/// Opens the event stream for the life of the calling island (browser only): refreshes the
/// page's regions when data changed and sets `syncing` while a sync runs.
fn listen(syncing: RwSignal<bool>, connected: RwSignal<bool>) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{prelude::*, JsCast};
        let Ok(source) = web_sys::EventSource::new("/api/v1/banking/events") else {
            return;
        };
        let on_event = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let data = e.data().as_string().unwrap_or_default();
            let (reload, now_syncing) = effect_of(&data);
            if let Some(s) = now_syncing {
                syncing.try_set(s);
            }
            if reload {
                super::swap::refresh();
            }
        });
        let _ = source.add_event_listener_with_callback("banking", on_event.as_ref().unchecked_ref());
        let on_open = Closure::<dyn FnMut()>::new(move || {
            connected.try_set(true);
        });
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        let on_error = Closure::<dyn FnMut()>::new(move || {
            connected.try_set(false);
        });
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let kept = StoredValue::new_local(Some((source, on_event, on_open, on_error)));
        on_cleanup(move || {
            kept.update_value(|k| {
                if let Some((source, ..)) = k.take() {
                    source.close();
                }
            })
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (syncing, connected);
}

#[cfg(test)]
mod tests {
    use super::effect_of;

    #[test]
    fn events_map_to_reloads() {
        assert_eq!(effect_of(r#"{"type":"sync_started","item_id":"i"}"#), (false, Some(true)));
        assert_eq!(effect_of(r#"{"type":"sync_finished","item_id":"i","counts":{}}"#), (true, Some(false)));
        assert_eq!(effect_of(r#"{"type":"balances_changed","item_id":"i"}"#), (true, None));
        assert_eq!(effect_of("not json"), (false, None));
    }
}
