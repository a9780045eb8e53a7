use leptos::prelude::*;

use cashflow_api::users::UserInfo;

use crate::{
    auth::{current_user, Logout},
    components::dashboard::{CashFlowDashboard, DashboardData},
};

/// `/cash-flow`: the signed-in user's banks, balances, transactions and cash-flow chart.
#[component]
pub fn CashFlowPage() -> impl IntoView {
    let user = Resource::new(|| (), |_| current_user());
    // Every resource of the page is created here, once, so the server and the browser number
    // them alike (see `DashboardData`).
    let data = DashboardData::new(user);
    view! {
        <Transition fallback=|| view! { <main class="page"><p class="muted">"Loading…"</p></main> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) => view! { <Dashboard user data/> }.into_any(),
                    Ok(None) => view! { <SignedOut/> }.into_any(),
                    Err(e) => view! { <main class="page"><p role="alert" class="error">{e.to_string()}</p></main> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SignedOut() -> impl IntoView {
    view! {
        <main class="narrow">
            <p>"Your session has ended. " <a href="/login?next=/cash-flow">"Sign in again"</a></p>
        </main>
    }
}

/// Page header with the user and sign-out.
#[component]
fn Header(user: UserInfo, hide_amounts: RwSignal<bool>) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    view! {
        <header class="topbar">
            <a class="brand" href="/cash-flow">"Cash Flow"</a>
            <div class="topbar-actions">
                <button
                    type="button"
                    class="ghost"
                    aria-pressed=move || hide_amounts.get().to_string()
                    on:click=move |_| hide_amounts.update(|h| *h = !*h)
                >
                    {move || if hide_amounts.get() { "Show amounts" } else { "Hide amounts" }}
                </button>
                <span class="who">{user.username.clone()} <span class="role">{user.role.as_str()}</span></span>
                <a class="ghost" href="/account">"Password"</a>
                <ActionForm action=logout>
                    <button type="submit" class="ghost">"Sign out"</button>
                </ActionForm>
            </div>
        </header>
    }
}

#[component]
fn Dashboard(user: UserInfo, data: DashboardData) -> impl IntoView {
    let hide_amounts = RwSignal::new(false);
    view! {
        <Header user=user.clone() hide_amounts/>
        <main class="page" class:masked=move || hide_amounts.get()>
            <h1>"Cash flow"</h1>
            <CashFlowDashboard user data/>
        </main>
    }
}
