use leptos::prelude::*;

use cashflow_api::users::UserInfo;

use crate::{
    auth::current_user,
    components::{
        frame::{SignedOut, TopBar},
        workbench::{Workbench, WorkbenchData},
    },
};

/// `/transactions`: the transactions workbench (search, filters, sort, per-category totals,
/// re-categorising, CSV export of the filtered view).
#[component]
pub fn TransactionsPage() -> impl IntoView {
    let user = Resource::new(|| (), |_| current_user());
    // Created once, outside the Transition, so the server and the browser number them alike.
    let data = WorkbenchData::new(user);
    view! {
        <Transition fallback=|| view! { <main class="page"><p class="muted">"Loading…"</p></main> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) => view! { <Page user data/> }.into_any(),
                    Ok(None) => view! { <SignedOut next="/transactions"/> }.into_any(),
                    Err(e) => view! { <main class="page"><p role="alert" class="error">{e.to_string()}</p></main> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Page(user: UserInfo, data: WorkbenchData) -> impl IntoView {
    let may_see = user.can_manage_banks();
    view! {
        <TopBar user/>
        <main class="page">
            <h1>"Transactions"</h1>
            {if may_see {
                view! { <Workbench data/> }.into_any()
            } else {
                view! {
                    <section class="card empty" aria-label="No access">
                        <h2>"Bank data is not available to viewers"</h2>
                        <p class="muted">"Your role can sign in but cannot see bank transactions. Ask an admin for trader access."</p>
                    </section>
                }
                .into_any()
            }}
        </main>
    }
}
