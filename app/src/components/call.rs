//! A server call started from an event handler, with its pending flag and last result as
//! signals. It replaces `Action::new_local` in components the server renders: that action keeps
//! a non-`Send` value, and when the streaming render dropped it on another thread the server
//! task panicked and the page was cut short. Here nothing but two signals exists until a click.

use std::future::Future;

use leptos::prelude::*;

/// A call's state.
pub struct Call<T: Send + Sync + 'static> {
    pending: RwSignal<bool>,
    value: RwSignal<Option<T>>,
}

impl<T: Send + Sync + 'static> Clone for Call<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Call<T> {}

impl<T: Send + Sync + 'static> Call<T> {
    /// No call made yet.
    pub fn new() -> Self {
        Self { pending: RwSignal::new(false), value: RwSignal::new(None) }
    }

    /// Whether a call is running (tracked).
    pub fn pending(&self) -> bool {
        self.pending.get()
    }

    /// The last call's result (tracked).
    pub fn value(&self) -> Option<T>
    where
        T: Clone,
    {
        self.value.get()
    }

    /// Runs `call` in the browser and keeps its result (the component may be gone by then).
    pub fn run(self, call: impl Future<Output = T> + 'static) {
        self.pending.set(true);
        leptos::task::spawn_local(async move {
            let result = call.await;
            self.value.try_set(Some(result));
            self.pending.try_set(false);
        });
    }
}

impl<T: Send + Sync + 'static> Default for Call<T> {
    fn default() -> Self {
        Self::new()
    }
}
