use leptos::prelude::*;

use cashflow_api::users::UserInfo;

use crate::{
    auth::current_user,
    components::{
        dashboard::{CashFlowDashboard, DashboardData},
        frame::{SignedOut, TopBar},
    },
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
                    Ok(None) => view! { <SignedOut next="/cash-flow"/> }.into_any(),
                    Err(e) => view! { <main class="page"><p role="alert" class="error">{e.to_string()}</p></main> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Dashboard(user: UserInfo, data: DashboardData) -> impl IntoView {
    view! {
        <TopBar user=user.clone()/>
        <main class="page">
            <h1>"Cash flow"</h1>
            <CashFlowDashboard user data/>
        </main>
    }
}
