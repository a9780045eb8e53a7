//! What every signed-in page shares: the top bar (navigation, hide amounts, the user, sign
//! out), the notice shown when the session has ended, and the links between pages of a list.

use leptos::prelude::*;

use crate::auth::Logout;
use cashflow_api::users::UserInfo;

/// The top bar. "Hide amounts" blurs every amount on the page while set.
#[component]
pub fn TopBar(user: UserInfo) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    view! {
        <header class="topbar">
            <nav class="row" aria-label="Pages">
                <a class="brand" href="/cash-flow">"Cash Flow"</a>
                {user.can_manage_banks().then(|| view! { <a href="/transactions">"Transactions"</a> })}
                {(user.role == cashflow_api::users::Role::Admin).then(|| view! { <a href="/admin">"Bank health"</a> })}
            </nav>
            <div class="topbar-actions">
                <HideAmounts/>
                <span class="who">{user.username.clone()} <span class="role">{user.role.as_str()}</span></span>
                <a class="ghost" href="/account">"Password"</a>
                <ActionForm action=logout>
                    <button type="submit" class="ghost">"Sign out"</button>
                </ActionForm>
            </div>
        </header>
    }
}

/// Blurs (and unblurs) every amount of the page's `main` element, for a trader sharing a
/// screen. The page's content is server-rendered, so the class is set on the element itself.
#[island]
fn HideAmounts() -> impl IntoView {
    let hidden = RwSignal::new(false);
    let toggle = move |_| {
        hidden.update(|h| *h = !*h);
        #[cfg(feature = "hydrate")]
        if let Some(main) = document().query_selector("main").ok().flatten() {
            let _ = main.class_list().toggle_with_force("masked", hidden.get_untracked());
        }
    };
    view! {
        <button type="button" class="ghost" aria-pressed=move || hidden.get().to_string() on:click=toggle>
            {move || if hidden.get() { "Show amounts" } else { "Hide amounts" }}
        </button>
    }
}

/// The session has ended: a way back to `next` through the sign-in page.
#[component]
pub fn SignedOut(next: &'static str) -> impl IntoView {
    view! {
        <main class="narrow">
            <p>"Your session has ended. " <a href=format!("/login?next={next}")>"Sign in again"</a></p>
        </main>
    }
}

/// The links to the previous and next pages of a list (plain links: they work before the
/// page is interactive), with where this page stands between them.
#[component]
pub fn PageLinks(
    /// What the list is, for screen readers ("Pages of …").
    label: &'static str,
    /// The previous page's address, when there is one.
    previous: Option<String>,
    /// Where this page stands ("Banks 1–200").
    position: String,
    /// The next page's address, when there is one.
    next: Option<String>,
) -> impl IntoView {
    view! {
        <nav class="row pager" aria-label=label>
            {previous.map(|href| view! { <a href=href>"← Previous"</a> })}
            <span class="muted">{position}</span>
            {next.map(|href| view! { <a href=href>"Next →"</a> })}
        </nav>
    }
}
