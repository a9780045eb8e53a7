//! `CashFlowDashboard`: banks, live balances, total cash, the charts and recent transactions.
//!
//! Rendered on the server only. The interactive parts are islands (Connect Bank, each card's
//! actions and account settings, the charts' range, "Show more", the live-update listener);
//! after a change the page's regions marked `data-swap` are fetched again and swapped in
//! ([`super::swap`]). The banks are compared card by card, so a card whose data did not
//! change keeps its state (an open form or Link window, a note).
//!
//! The chart's range and how many transactions are shown are in the page's address (`days`,
//! `shown`), so a reload keeps them and the server renders them.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::{
    bank_card::BankCard,
    chart::{CashFlowChart, CashHistoryChart},
    credit::CreditSummary,
    format::money,
    investments::InvestmentsSummary,
    live_events::LiveUpdates,
    plaid_link::PlaidLinkWidget,
    swap,
    transactions::TransactionList,
};
use crate::banking::{
    cash_flow, cash_history, get_accounts, investments, liabilities, link_settings, link_token_for_page,
    transactions_page,
};
use cashflow_api::{
    banking::{
        AccountView, AccountsView, CashHistoryView, CurrencyAmountView, InvestmentsView, LiabilitiesView,
        LinkSettingsView, LinkTokenView, TransactionView, WeekFlowView,
    },
    users::UserInfo,
    AppError,
};

/// A server read the page waits for.
pub type Loaded<T> = Resource<Result<T, AppError>>;

/// What the dashboard loads.
#[derive(Clone, Copy)]
pub struct DashboardData {
    settings: Loaded<LinkSettingsView>,
    accounts: Loaded<AccountsView>,
    transactions: Loaded<Vec<TransactionView>>,
    flows: Loaded<Vec<WeekFlowView>>,
    history: Loaded<CashHistoryView>,
    credit: Loaded<LiabilitiesView>,
    investments: Loaded<InvestmentsView>,
    link_token: Loaded<Option<LinkTokenView>>,
    /// Days the cash-over-time chart covers.
    history_days: u32,
    /// Recent transactions shown.
    shown: u32,
}

impl DashboardData {
    /// Creates the resources; call once, outside any `Suspense`. Each waits for `user` and
    /// asks the server only for someone who may see bank data (a viewer's page makes no
    /// banking calls).
    pub fn new(user: Loaded<Option<UserInfo>>) -> Self {
        let query = use_query_map();
        let number = |name: &str| query.with_untracked(|q| q.get(name).and_then(|v| v.parse::<u32>().ok()));
        let history_days = number("days").filter(|d| HISTORY_RANGES.contains(d)).unwrap_or(HISTORY_RANGES[0]);
        let shown = number("shown").unwrap_or(PAGE).clamp(PAGE, MAX_SHOWN);
        Self {
            settings: Resource::new(|| (), move |_| for_bank_users(user, link_settings())),
            accounts: Resource::new(|| (), move |_| for_bank_users(user, get_accounts())),
            transactions: Resource::new(
                || (),
                move |_| for_bank_users(user, transactions_page(Default::default(), shown + 1, 0)),
            ),
            flows: Resource::new(|| (), move |_| for_bank_users(user, cash_flow())),
            history: Resource::new(|| (), move |_| for_bank_users(user, cash_history(Some(history_days)))),
            credit: Resource::new(|| (), move |_| for_bank_users(user, liabilities())),
            investments: Resource::new(|| (), move |_| for_bank_users(user, investments())),
            link_token: Resource::new(|| (), move |_| for_bank_users(user, link_token_for_page())),
            history_days,
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
    let DashboardData { accounts, credit, link_token, .. } = data;
    let items = move || accounts.get().and_then(Result::ok).map(|d| d.items).unwrap_or_default();
    let all_accounts = move || items().into_iter().flat_map(|i| i.accounts).collect::<Vec<_>>();
    let card_script = StoredValue::new(script_url.clone());
    view! {
        <LiveUpdates status=true/>
        <div class="notice" role="status" data-note-for="page"></div>
        <Transition fallback=|| view! { <p class="muted">"Loading your banks…"</p> }>
            <section class="summary" aria-label="Summary">
                <div class="card">
                    <div class="muted">"Total cash"</div>
                    <div class="figure" data-testid="total-cash" id="total-cash" data-swap="">
                        {move || accounts.get().and_then(Result::ok).map(|d| amounts_by_currency(&d.total_cash))}
                    </div>
                    <small class="muted">"Current balances of checking and savings"</small>
                </div>
                <div class="card">
                    <div class="muted">"Connected banks"</div>
                    <div class="figure" id="bank-count" data-swap="">{move || items().len()}</div>
                    <ConnectBank script_url=script_url.clone()/>
                </div>
                <div class="slot" id="credit-slot" data-swap="">
                    {move || credit.get().and_then(Result::ok).map(|credit| view! { <CreditSummary credit/> })}
                </div>
            </section>
            <div class="slot" id="empty-slot" data-swap="">
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
            </div>
            // Banks and balances come first in the page, so the server sends them as soon as
            // the accounts are read; the charts and the transactions follow, each in its own
            // Transition, and never hold them back (the stylesheet places them side by side).
            <div class="grid" id="dashboard-grid" data-swap="keyed" hidden=move || items().is_empty()>
                <section aria-label="Banks" class="banks" id="banks" data-swap="keyed">
                    <For each=items key=|item| item.item_id.clone() let:item>
                        <BankCard item script_url=card_script.get_value()/>
                    </For>
                </section>
                <Activity data all_accounts=all_accounts()/>
            </div>
        </Transition>
        // Last in the page, so asking Plaid for it never holds back what comes before.
        <Transition fallback=|| ()>
            {move || link_token.get().and_then(Result::ok).flatten().map(|t| view! {
                <div hidden id=LINK_TOKEN_ID data-token=t.link_token data-expiration=t.expiration></div>
            })}
        </Transition>
    }
}

/// The dashboard's second column: cash over time, investments, the weekly cash flow and the
/// recent transactions (its own component, so its rendering is boxed apart from the banks').
#[component]
fn Activity(data: DashboardData, all_accounts: Vec<AccountView>) -> AnyView {
    let DashboardData { transactions, flows, history, investments, history_days, shown, .. } = data;
    view! {
    <div class="activity" id="activity" data-swap="keyed">
        <section aria-label="Cash over time" class="card" style="margin-bottom: 1rem" id="history">
            <div class="card-title">
                <h2>"Cash over time"</h2>
                <HistoryRange days=history_days/>
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
        <div class="slot" id="investments-slot">
            <Transition fallback=|| ()>
                {move || investments.get().and_then(Result::ok).map(|investments| view! { <InvestmentsSummary investments/> })}
            </Transition>
        </div>
        <section aria-label="Cash flow" class="card" id="flows">
            <Transition fallback=|| view! { <p class="muted">"Loading the cash-flow chart…"</p> }>
                {move || flows.get().map(|weeks| per_currency(weeks.unwrap_or_default())
                    .into_iter()
                    .map(|(currency, weeks)| view! { <CashFlowChart currency weeks/> })
                    .collect_view())}
            </Transition>
        </section>
        <section aria-label="Transactions" class="card" style="margin-top: 1rem" id="recent">
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
                    let more = rows.len() > shown as usize && shown < MAX_SHOWN;
                    rows.truncate(shown as usize);
                    view! {
                        <TransactionList transactions=rows accounts=all_accounts.clone()/>
                        {more.then(|| view! { <ShowMore shown/> })}
                    }
                })}
            </Transition>
        </section>
    </div>
    }
    .into_any()
}

/// The element that carries the page's Link token (read once by the Connect Bank widget).
pub const LINK_TOKEN_ID: &str = "page-link-token";

/// "Connect Bank": Plaid Link for a new bank. Link's script is fetched from the start, beside
/// the WebAssembly (a preload, with the page's nonce), so the widget finds it in the cache.
#[component]
fn ConnectBank(script_url: String) -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    view! {
        <link rel="preload" href=script_url.clone() r#as="script" nonce=nonce/>
        <ConnectBankWidget script_url/>
    }
}

/// The widget itself, the island.
#[island]
fn ConnectBankWidget(script_url: String) -> impl IntoView {
    view! { <PlaidLinkWidget script_url/> }
}

/// The days the cash-over-time chart covers (30/90/365): the server draws the chosen range.
#[island]
fn HistoryRange(days: u32) -> impl IntoView {
    view! {
        <div class="chart-range" role="group" aria-label="Days shown">
            {HISTORY_RANGES.map(|range| view! {
                <button type="button" class="ghost" aria-pressed=(days == range).to_string()
                    on:click=move |_| swap::set_param_and_refresh("days", &range.to_string())>{format!("{range} days")}</button>
            })}
        </div>
    }
}

/// Shows the next page of recent transactions (the server renders them).
#[island]
fn ShowMore(shown: u32) -> impl IntoView {
    let asked = RwSignal::new(false);
    view! {
        <button type="button" class="ghost" disabled=move || asked.get() on:click=move |_| {
            asked.set(true);
            swap::set_param_and_refresh("shown", &(shown + PAGE).min(MAX_SHOWN).to_string());
        }>"Show more"</button>
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

/// The most recent transactions the dashboard lists (the workbench pages through the rest).
const MAX_SHOWN: u32 = 500;
