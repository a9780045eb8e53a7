use cashflow_api::ErrorCode;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::auth::Login;

/// The sign-in page. The form is a real `<form method="post">`, so it works before the
/// WebAssembly has loaded; once hydrated it submits with fetch and shows errors in place.
#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/cash-flow".into());
    let error = move || {
        if let Some(Err(e)) = login.value().get() {
            return Some(e.error.message);
        }
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
    let show_password = RwSignal::new(false);
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
                        <input
                            id="password"
                            name="password"
                            type=move || if show_password.get() { "text" } else { "password" }
                            autocomplete="current-password"
                            required
                        />
                        <button
                            type="button"
                            class="ghost"
                            aria-pressed=move || show_password.get().to_string()
                            on:click=move |_| show_password.update(|s| *s = !*s)
                        >
                            {move || if show_password.get() { "Hide" } else { "Show" }}
                        </button>
                    </div>
                    <input type="hidden" name="next" prop:value=next/>
                    {move || error().map(|message| view! { <p role="alert" class="error">{message}</p> })}
                    <button type="submit" class="primary" disabled=move || login.pending().get()>
                        {move || if login.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
            </section>
        </main>
    }
}
