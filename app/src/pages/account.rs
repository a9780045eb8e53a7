use leptos::prelude::*;

use crate::auth::ChangePassword;

/// `/account`: the signed-in user changes their own password. A real form, so it works before
/// the WebAssembly has loaded; once hydrated it reports the outcome in place.
#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let outcome = move || match change.value().get() {
        Some(Ok(())) => Some(
            view! {
                <p role="status" class="notice">"Password changed. You were signed out everywhere else."</p>
            }
            .into_any(),
        ),
        Some(Err(e)) => Some(view! { <p role="alert" class="error">{e.error.message}</p> }.into_any()),
        None => None,
    };
    view! {
        <header class="topbar">
            <a class="brand" href="/cash-flow">"Cash Flow"</a>
        </header>
        <main class="narrow">
            <section class="card">
                <h1>"Change password"</h1>
                <ActionForm action=change attr:class="stack" attr:aria-label="Change password">
                    <label for="current">"Current password"</label>
                    <input id="current" name="current" type="password" autocomplete="current-password" required/>
                    <label for="new">"New password (at least 10 characters)"</label>
                    <input id="new" name="new" type="password" autocomplete="new-password" minlength="10" required/>
                    <label for="confirm">"New password, again"</label>
                    <input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="10" required/>
                    {outcome}
                    <button type="submit" class="primary" disabled=move || change.pending().get()>
                        {move || if change.pending().get() { "Changing…" } else { "Change password" }}
                    </button>
                </ActionForm>
                <p><a href="/cash-flow">"Back to cash flow"</a></p>
            </section>
        </main>
    }
}
