use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::auth::{ChangePassword, PasswordRefusal};

/// `/account`: the signed-in user changes their own password. Rendered on the server: the form
/// is a plain form post, answered with a redirect back here that says how it went.
#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let query = use_query_map();
    let outcome = query.with_untracked(|q| {
        if q.get("changed").is_some() {
            return Some(
                view! { <p role="status" class="notice">"Password changed. You were signed out everywhere else."</p> }
                    .into_any(),
            );
        }
        let refusal = PasswordRefusal::parse(&q.get("error")?).unwrap_or(PasswordRefusal::Failed);
        Some(view! { <p role="alert" class="error">{refusal.message()}</p> }.into_any())
    });
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
                    <button type="submit" class="primary">"Change password"</button>
                </ActionForm>
                <p><a href="/cash-flow">"Back to cash flow"</a></p>
            </section>
        </main>
    }
}
