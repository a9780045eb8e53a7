//! `CashFlowDashboard`: banks, live balances, total cash, the chart and recent transactions.

use leptos::prelude::*;

use super::{
    bank_card::BankCard, chart::CashFlowChart, format::money, live_events,
    plaid_link::PlaidLinkWidget, transactions::TransactionList,
};
use crate::{
    auth::UserInfo,
    banking::{cash_flow, get_accounts, list_transactions},
};

/// The signed-in user's dashboard.
#[component]
pub fn CashFlowDashboard(user: UserInfo) -> impl IntoView {
    if !user.can_manage_banks() {
        return view! {
            <section class="card empty" aria-label="No access">
                <h2>"Bank data is not available to viewers"</h2>
                <p class="muted">"Your role can sign in but cannot see or connect bank accounts. Ask an admin for trader access."</p>
            </section>
        }
        .into_any();
    }
    let version = RwSignal::new(0u32);
    let syncing = RwSignal::new(false);
    let connected = RwSignal::new(false);
    let accounts = Resource::new(move || version.get(), |_| get_accounts());
    let transactions = Resource::new(
        move || version.get(),
        |_| list_transactions(None, None, None, Some(25), None),
    );
    let flows = Resource::new(move || version.get(), |_| cash_flow());
    let changed = Callback::new(move |_| version.update(|v| *v += 1));
    Effect::new(move |_| live_events::listen(version, syncing, connected));

    view! {
        <p class="muted live" aria-live="polite" data-live=move || connected.get().to_string()>
            {move || match (connected.get(), syncing.get()) {
                (_, true) => "Syncing with your bank…",
                (true, false) => "Live: balances update as your bank reports them.",
                (false, false) => "",
            }}
        </p>
        <Transition fallback=|| view! { <p class="muted">"Loading your banks…"</p> }>
            <ErrorBoundary fallback=|errors| view! {
                <p class="error" role="alert">
                    {move || errors.get().into_iter().map(|(_, e)| e.to_string()).collect::<Vec<_>>().join(" ")}
                </p>
            }>
                {move || Suspend::new(async move {
                    let data = accounts.await?;
                    let script_url = data.link_script_url.clone();
                    let bank_count = data.items.len();
                    let all_accounts: Vec<_> = data.items.iter().flat_map(|i| i.accounts.clone()).collect();
                    let txns = transactions.await.unwrap_or_default();
                    let weeks = flows.await.unwrap_or_default();
                    let banks = data
                        .items
                        .into_iter()
                        .map(|item| view! { <BankCard item script_url=script_url.clone() on_changed=changed/> })
                        .collect_view();
                    Ok::<_, crate::error::AppError>(view! {
                        <section class="summary" aria-label="Summary">
                            <div class="card">
                                <div class="muted">"Total cash"</div>
                                <div class="figure" data-testid="total-cash">{money(&data.total_cash, Some("USD"))}</div>
                                <small class="muted">"Current balances of checking and savings"</small>
                            </div>
                            <div class="card">
                                <div class="muted">"Connected banks"</div>
                                <div class="figure">{bank_count}</div>
                                <PlaidLinkWidget script_url=script_url.clone() on_changed=changed/>
                            </div>
                        </section>
                        {if bank_count == 0 {
                            view! {
                                <section class="card empty">
                                    <h2>"No banks connected yet"</h2>
                                    <p class="muted">"Connect a bank to see balances, transactions and where your money goes. It takes about a minute, and you can remove it at any time."</p>
                                </section>
                            }.into_any()
                        } else {
                            view! {
                                <div class="grid">
                                    <div>
                                        <section aria-label="Cash flow" class="card">
                                            <CashFlowChart weeks/>
                                        </section>
                                        <section aria-label="Transactions" class="card" style="margin-top: 1rem">
                                            <h2>"Recent transactions"</h2>
                                            <TransactionList transactions=txns accounts=all_accounts/>
                                        </section>
                                    </div>
                                    <section aria-label="Banks">{banks}</section>
                                </div>
                            }.into_any()
                        }}
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
    .into_any()
}
