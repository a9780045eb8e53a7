//! `CashFlowDashboard`: banks, live balances, total cash, the chart and recent transactions.
//!
//! The data reloads whenever the event stream reports a change. Interactive parts keep their
//! state across reloads: the "Connect Bank" widget is created once, and each bank card is
//! keyed by its content, so a reload only rebuilds the cards whose data changed (an open
//! Link window is never torn down by an unrelated update).
//!
//! The resources live in [`DashboardData`], created once at the top of the page: resources
//! created inside a `Suspense` body are created again each time the body re-renders on the
//! server, so the browser would number them differently and fail to hydrate.

use leptos::prelude::*;

use super::{
    bank_card::{BankCard, SyncNotes},
    chart::{CashFlowChart, CashHistoryChart},
    credit::CreditSummary,
    format::money,
    investments::InvestmentsSummary,
    live_events,
    plaid_link::PlaidLinkWidget,
    transactions::TransactionList,
};
use crate::banking::{
    cash_flow, cash_history, get_accounts, investments, liabilities, link_settings, transactions_page,
};
use cashflow_api::{
    banking::{
        AccountsView, CashHistoryView, CurrencyAmountView, InvestmentsView, ItemView, LiabilitiesView,
        LinkSettingsView, TransactionView, WeekFlowView,
    },
    users::UserInfo,
    AppError,
};

/// A server read the page waits for.
pub type Loaded<T> = Resource<Result<T, AppError>>;

/// What the dashboard loads, reloaded together when `version` changes.
#[derive(Clone, Copy)]
pub struct DashboardData {
    settings: Loaded<LinkSettingsView>,
    accounts: Loaded<AccountsView>,
    transactions: Loaded<Vec<TransactionView>>,
    flows: Loaded<Vec<WeekFlowView>>,
    history: Loaded<CashHistoryView>,
    credit: Loaded<LiabilitiesView>,
    investments: Loaded<InvestmentsView>,
    /// Days the cash-over-time chart covers.
    history_days: RwSignal<u32>,
    version: RwSignal<u32>,
    shown: RwSignal<u32>,
}

impl DashboardData {
    /// Creates the resources; call once, outside any `Suspense`. Each waits for `user` and
    /// asks the server only for someone who may see bank data (a viewer's page makes no
    /// banking calls).
    pub fn new(user: Loaded<Option<UserInfo>>) -> Self {
        let version = RwSignal::new(0u32);
        let shown = RwSignal::new(PAGE);
        let history_days = RwSignal::new(HISTORY_RANGES[0]);
        Self {
            settings: Resource::new(|| (), move |_| for_bank_users(user, link_settings())),
            accounts: Resource::new(move || version.get(), move |_| for_bank_users(user, get_accounts())),
            transactions: Resource::new(
                move || (version.get(), shown.get()),
                move |(_, limit)| for_bank_users(user, transactions_page(Default::default(), limit + 1, 0)),
            ),
            flows: Resource::new(move || version.get(), move |_| for_bank_users(user, cash_flow())),
            history: Resource::new(
                move || (version.get(), history_days.get()),
                move |(_, days)| for_bank_users(user, cash_history(Some(days))),
            ),
            credit: Resource::new(move || version.get(), move |_| for_bank_users(user, liabilities())),
            investments: Resource::new(move || version.get(), move |_| for_bank_users(user, investments())),
            history_days,
            version,
            shown,
        }
    }
}

/// Runs `load` (a server call, lazy until awaited) only once `user` is known to be someone
/// who may see bank data.
pub async fn for_bank_users<T>(
    user: Loaded<Option<UserInfo>>,
    load: impl std::future::Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    match user.await {
        Ok(Some(u)) if u.can_manage_banks() => load.await,
        _ => Err(AppError::forbidden()),
    }
}

/// The signed-in user's dashboard.
#[component]
pub fn CashFlowDashboard(user: UserInfo, data: DashboardData) -> impl IntoView {
    if !user.can_manage_banks() {
        return view! {
            <section class="card empty" aria-label="No access">
                <h2>"Bank data is not available to viewers"</h2>
                <p class="muted">"Your role can sign in but cannot see or connect bank accounts. Ask an admin for trader access."</p>
            </section>
        }
        .into_any();
    }
    let settings = data.settings;
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading your banks…"</p> }>
            {move || settings.get().map(|s| match s {
                Ok(s) => view! { <DashboardBody script_url=s.link_script_url data/> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.error.message}</p> }.into_any(),
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn DashboardBody(script_url: String, data: DashboardData) -> impl IntoView {
    let DashboardData {
        accounts, transactions, flows, history, credit, investments, history_days, version, shown, ..
    } = data;
    // What "Sync now" reported per bank, kept here so that a card rebuilt by the reload it
    // triggers still shows it.
    provide_context(SyncNotes::default());
    let syncing = RwSignal::new(false);
    let connected = RwSignal::new(false);
    let changed = Callback::new(move |_| version.update(|v| *v += 1));
    Effect::new(move |_| live_events::listen(version, syncing, connected));

    let items = move || accounts.get().and_then(Result::ok).map(|d| d.items).unwrap_or_default();
    let all_accounts = move || items().into_iter().flat_map(|i| i.accounts).collect::<Vec<_>>();
    let card_script = StoredValue::new(script_url.clone());
    view! {
        <p class="muted live" aria-live="polite" data-live=move || connected.get().to_string()>
            {move || match (connected.get(), syncing.get()) {
                (_, true) => "Syncing with your bank…",
                (true, false) => "Live: balances update as your bank reports them.",
                (false, false) => "",
            }}
        </p>
        <Transition fallback=|| view! { <p class="muted">"Loading your banks…"</p> }>
            <section class="summary" aria-label="Summary">
                <div class="card">
                    <div class="muted">"Total cash"</div>
                    <div class="figure" data-testid="total-cash">
                        {move || accounts.get().and_then(Result::ok).map(|d| amounts_by_currency(&d.total_cash))}
                    </div>
                    <small class="muted">"Current balances of checking and savings"</small>
                </div>
                <div class="card">
                    <div class="muted">"Connected banks"</div>
                    <div class="figure">{move || items().len()}</div>
                    <PlaidLinkWidget script_url=script_url.clone() on_changed=changed/>
                </div>
                {move || credit.get().and_then(Result::ok).map(|credit| view! { <CreditSummary credit/> })}
            </section>
            {move || accounts.get().map(|result| match result {
                Err(e) => Some(view! { <p class="error" role="alert">{e.error.message}</p> }.into_any()),
                Ok(data) if data.items.is_empty() => Some(view! {
                    <section class="card empty">
                        <h2>"No banks connected yet"</h2>
                        <p class="muted">"Connect a bank to see balances, transactions and where your money goes. It takes about a minute, and you can remove it at any time."</p>
                    </section>
                }.into_any()),
                Ok(_) => None,
            })}
            // Banks and balances come first in the page, so the server sends them as soon as
            // the accounts are read; the chart and the transactions follow, each in its own
            // Transition, and never hold them back (the stylesheet places them side by side).
            // Hidden rather than removed while there is no bank: removing the last bank then
            // tears nothing down while its resources reload.
            <div class="grid" hidden=move || items().is_empty()>
                <section aria-label="Banks" class="banks">
                    <For each=items key=card_key let:item>
                        <BankCard item script_url=card_script.get_value() on_changed=changed/>
                    </For>
                </section>
                <div class="activity">
                    <section aria-label="Cash over time" class="card" style="margin-bottom: 1rem">
                        <div class="card-title">
                            <h2>"Cash over time"</h2>
                            <div class="chart-range" role="group" aria-label="Days shown">
                                {HISTORY_RANGES.map(|days| view! {
                                    <button type="button" class="ghost" aria-pressed=move || (history_days.get() == days).to_string()
                                        on:click=move |_| history_days.set(days)>{format!("{days} days")}</button>
                                })}
                            </div>
                        </div>
                        <Transition fallback=|| view! { <p class="muted">"Loading the balance history…"</p> }>
                            {move || history.get().map(|h| match h {
                                Ok(h) if h.series.is_empty() => view! {
                                    <p class="muted">"Balances are recorded each day from now on; the line starts with the first."</p>
                                }.into_any(),
                                Ok(h) => h.series.into_iter().map(|series| view! { <CashHistoryChart series/> }).collect_view().into_any(),
                                Err(e) => view! { <p class="error" role="alert">{e.error.message}</p> }.into_any(),
                            })}
                        </Transition>
                    </section>
                    <Transition fallback=|| ()>
                        {move || investments.get().and_then(Result::ok).map(|investments| view! { <InvestmentsSummary investments/> })}
                    </Transition>
                    <section aria-label="Cash flow" class="card">
                        <Transition fallback=|| view! { <p class="muted">"Loading the cash-flow chart…"</p> }>
                            {move || flows.get().map(|weeks| per_currency(weeks.unwrap_or_default())
                                .into_iter()
                                .map(|(currency, weeks)| view! { <CashFlowChart currency weeks/> })
                                .collect_view())}
                        </Transition>
                    </section>
                    <section aria-label="Transactions" class="card" style="margin-top: 1rem">
                        <div class="card-title">
                            <h2>"Recent transactions"</h2>
                            <div class="row">
                                <a href="/transactions">"Search and categorise"</a>
                                <a href="/api/v1/banking/transactions.csv" download="">"Export CSV"</a>
                            </div>
                        </div>
                        <Transition fallback=|| view! { <p class="muted">"Loading transactions…"</p> }>
                            {move || transactions.get().map(|t| {
                                let mut rows = t.unwrap_or_default();
                                // One row more than shown tells whether there is more.
                                let more = rows.len() > shown.get_untracked() as usize;
                                rows.truncate(shown.get_untracked() as usize);
                                view! {
                                    <TransactionList transactions=rows accounts=all_accounts()/>
                                    {more.then(|| view! {
                                        <button type="button" class="ghost" on:click=move |_| shown.update(|n| *n += PAGE)>
                                            "Show more"
                                        </button>
                                    })}
                                }
                            })}
                        </Transition>
                    </section>
                </div>
            </div>
        </Transition>
    }
}

/// Amounts per currency, one line each (amounts in different currencies are never added).
pub(super) fn amounts_by_currency(totals: &[CurrencyAmountView]) -> AnyView {
    match totals {
        [] => money("0", Some("USD")).into_any(),
        [one] => money(&one.amount, Some(&one.currency)).into_any(),
        several => several
            .iter()
            .map(|t| view! { <div data-currency=t.currency.clone()>{money(&t.amount, Some(&t.currency))}</div> })
            .collect_view()
            .into_any(),
    }
}

/// The weekly series split by currency, in the order the server sent them.
fn per_currency(weeks: Vec<WeekFlowView>) -> Vec<(String, Vec<WeekFlowView>)> {
    let mut series: Vec<(String, Vec<WeekFlowView>)> = Vec::new();
    for week in weeks {
        match series.iter_mut().find(|(c, _)| *c == week.currency) {
            Some((_, list)) => list.push(week),
            None => series.push((week.currency.clone(), vec![week])),
        }
    }
    series
}

/// The ranges the cash-over-time chart offers, in days (the first is shown first).
const HISTORY_RANGES: [u32; 3] = [30, 90, 365];

/// Transactions shown per "page" of the recent list.
const PAGE: u32 = 25;

/// A card is rebuilt only when what it shows changed.
fn card_key(item: &ItemView) -> String {
    serde_json::to_string(item).unwrap_or_else(|_| item.item_id.clone())
}
