use cashflow_api::ErrorCode;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::auth::Login;

/// The sign-in page, rendered on the server: a real `<form method="post">` (the server answers
/// with a redirect, to the page asked for or back here with the error in the address).
#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/cash-flow".into());
    let error = move || {
        let code = query.read().get("error")?;
        Some(
            match ErrorCode::parse(&code) {
                Some(ErrorCode::TooManyAttempts) => "Too many failed sign-ins. Try again in a few minutes.",
                Some(ErrorCode::Busy) => "Too many sign-ins at once. Please try again in a moment.",
                _ => "Wrong username or password.",
            }
            .to_string(),
        )
    };
    view! {
        <main class="auth">
            <section class="card auth-card">
                <h1>"Cash Flow"</h1>
                <p class="muted">"Sign in to see your banks, balances and cash flow."</p>
                <ActionForm action=login attr:class="stack" attr:aria-label="Sign in">
                    <label for="username">"Username"</label>
                    <input id="username" name="username" autocomplete="username" required autofocus/>
                    <label for="password">"Password"</label>
                    <div class="password-row">
                        <input id="password" name="password" type="password" autocomplete="current-password" required/>
                        <ShowPassword/>
                    </div>
                    <input type="hidden" name="next" value=next/>
                    {move || error().map(|message| view! { <p role="alert" class="error">{message}</p> })}
                    <button type="submit" class="primary">"Sign in"</button>
                </ActionForm>
            </section>
        </main>
    }
}

/// Shows the typed password in clear (and hides it again).
#[island]
fn ShowPassword() -> impl IntoView {
    let shown = RwSignal::new(false);
    let toggle = move |_| {
        shown.update(|s| *s = !*s);
        #[cfg(feature = "hydrate")]
        if let Some(input) = document().get_element_by_id("password") {
            let _ = input.set_attribute("type", if shown.get_untracked() { "text" } else { "password" });
        }
    };
    view! {
        <button type="button" class="ghost" aria-pressed=move || shown.get().to_string() on:click=toggle>
            {move || if shown.get() { "Hide" } else { "Show" }}
        </button>
    }
}
