//! The transactions workbench: the filter (read from the page's URL, so a filtered view can
//! be bookmarked, reloaded and works before the WebAssembly has loaded), per-category totals
//! of the filtered transactions, one page of them with a category each that the trader can
//! change, paging, and the CSV export of the same view.

use leptos::prelude::*;
use leptos_router::{hooks::use_query_map, params::ParamsMap};

use super::{
    call::Call,
    dashboard::{for_bank_users, Loaded},
    format::{money, signed_amount},
    frame::PageLinks,
    live_events::LiveUpdates,
    swap,
    transactions::{account_label, account_label_of, Description},
};
use crate::banking::{get_accounts, set_transaction_category, totals_for, transactions_page};
use cashflow_api::{
    banking::{
        category_label, AccountsView, Category, CategoryTotalView, TransactionSort, TransactionView, TransactionsQuery,
    },
    users::UserInfo,
    AppError,
};

/// Transactions per page.
pub const PAGE: u32 = 50;

/// A filter and the page of it shown, as the URL says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct View {
    /// Which transactions, in which order.
    pub query: TransactionsQuery,
    /// How many of them the page skips.
    pub offset: u32,
}

impl View {
    /// Reads the URL's query: empty fields do not narrow, and values that mean nothing
    /// (`pending=maybe`, an unknown sort, a negative offset) are left out.
    pub fn from_url(map: &ParamsMap) -> Self {
        let text = |name: &str| map.get(name).filter(|v| !v.trim().is_empty());
        let query = TransactionsQuery {
            q: text("q"),
            item_id: text("item_id"),
            account_id: text("account_id"),
            category: text("category"),
            pending: text("pending").and_then(|v| v.parse().ok()),
            from: text("from"),
            to: text("to"),
            sort: text("sort").and_then(|v| v.parse().ok()),
        };
        Self { query, offset: text("offset").and_then(|v| v.parse().ok()).unwrap_or(0) }
    }

    /// The page's address for this filter at `offset`.
    fn href(&self, offset: u32) -> String {
        let query = self.query.to_query_string();
        match (query.is_empty(), offset) {
            (true, 0) => "/transactions".into(),
            (true, n) => format!("/transactions?offset={n}"),
            (false, 0) => format!("/transactions?{query}"),
            (false, n) => format!("/transactions?{query}&offset={n}"),
        }
    }

    /// The same filter narrowed to one category, from the first page.
    fn in_category(&self, category: Option<&str>) -> String {
        let query = TransactionsQuery { category: category.map(str::to_string), ..self.query.clone() };
        Self { query, offset: 0 }.href(0)
    }
}

/// What the workbench loads, created once at the top of the page (outside any `Suspense`,
/// so the server and the browser number the resources alike).
#[derive(Clone, Copy)]
pub struct WorkbenchData {
    view: Memo<View>,
    accounts: Loaded<AccountsView>,
    rows: Loaded<Vec<TransactionView>>,
    totals: Loaded<Vec<CategoryTotalView>>,
}

impl WorkbenchData {
    /// Creates the resources; each waits for `user` and asks only for someone who may see
    /// bank data.
    pub fn new(user: Loaded<Option<UserInfo>>) -> Self {
        let url = use_query_map();
        let view = Memo::new(move |_| url.with(View::from_url));
        Self {
            view,
            accounts: Resource::new(|| (), move |_| for_bank_users(user, get_accounts())),
            rows: Resource::new(
                move || view.get(),
                move |v| for_bank_users(user, transactions_page(v.query, PAGE + 1, v.offset)),
            ),
            totals: Resource::new(move || view.get().query, move |query| for_bank_users(user, totals_for(query))),
        }
    }
}

/// The workbench for a trader or admin (rendered on the server; the category menus are
/// islands, and the transactions and totals are swapped in again after a change).
#[component]
pub fn Workbench(data: WorkbenchData) -> impl IntoView {
    let WorkbenchData { view, accounts, rows, totals } = data;
    let accounts_now = move || accounts.get().and_then(Result::ok).unwrap_or_default();
    view! {
        <LiveUpdates status=false/>
        <Transition fallback=|| view! { <p class="muted">"Loading your banks…"</p> }>
            {move || view! { <Filters view=view.get() banks=accounts_now()/> }}
        </Transition>
        <div class="workbench">
            <section aria-label="Transactions" class="card" id="workbench-rows" data-swap="">
                <div class="card-title">
                    <h2>"Transactions"</h2>
                    <a href=move || format!("/api/v1/banking/transactions.csv?{}", view.get().query.to_query_string()) download="">
                        "Export CSV"
                    </a>
                </div>
                <Transition fallback=|| view! { <p class="muted">"Loading transactions…"</p> }>
                    {move || rows.get().map(|result| match result {
                        Err(e) => view! { <p class="error" role="alert">{e.error.message}</p> }.into_any(),
                        Ok(mut page) => {
                            let more = page.len() > PAGE as usize;
                            page.truncate(PAGE as usize);
                            let current = view.get();
                            view! {
                                <Rows rows=page banks=accounts_now()/>
                                <Pager view=current more/>
                            }
                            .into_any()
                        }
                    })}
                </Transition>
            </section>
            <section aria-label="By category" class="card" id="workbench-totals" data-swap="">
                <h2>"By category"</h2>
                <Transition fallback=|| view! { <p class="muted">"Adding up…"</p> }>
                    {move || totals.get().map(|result| match result {
                        Err(e) => view! { <p class="error" role="alert">{e.error.message}</p> }.into_any(),
                        Ok(totals) => view! { <Totals totals view=view.get()/> }.into_any(),
                    })}
                </Transition>
            </section>
        </div>
    }
}

/// The filter form: a plain GET form to this page, so it works without WebAssembly.
#[component]
fn Filters(view: View, banks: AccountsView) -> impl IntoView {
    let q = view.query;
    let accounts: Vec<_> = banks.items.iter().flat_map(|i| i.accounts.clone()).collect();
    let chosen = |value: &Option<String>, option: &str| value.as_deref() == Some(option);
    let pending = q.pending.map(|p| p.to_string()).unwrap_or_default();
    let sort = q.sort.unwrap_or_default();
    view! {
        <form method="get" action="/transactions" class="card filters" aria-label="Filter transactions">
            <label>"Search" <input type="search" name="q" maxlength="100" placeholder="Description or merchant" value=q.q.clone()/></label>
            <label>"Bank"
                <select name="item_id">
                    <option value="">"All banks"</option>
                    {banks.items.iter().map(|i| view! {
                        <option value=i.item_id.clone() selected=chosen(&q.item_id, &i.item_id)>{i.institution_name.clone()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"Account"
                <select name="account_id">
                    <option value="">"All accounts"</option>
                    {accounts.iter().map(|a| view! {
                        <option value=a.account_id.clone() selected=chosen(&q.account_id, &a.account_id)>
                            {account_label(a)}
                        </option>
                    }).collect_view()}
                </select>
            </label>
            <label>"Category"
                <select name="category">
                    <option value="">"All categories"</option>
                    {Category::ALL.iter().map(|c| view! {
                        <option value=c.as_str() selected=chosen(&q.category, c.as_str())>{category_label(c.as_str())}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"Status"
                <select name="pending">
                    <option value="" selected=pending.is_empty()>"Pending and posted"</option>
                    <option value="true" selected=pending == "true">"Pending only"</option>
                    <option value="false" selected=pending == "false">"Posted only"</option>
                </select>
            </label>
            <label>"From" <input type="date" name="from" value=q.from.clone()/></label>
            <label>"To" <input type="date" name="to" value=q.to.clone()/></label>
            <label>"Sort"
                <select name="sort">
                    {TransactionSort::ALL.iter().map(|s| view! {
                        <option value=s.as_str() selected=*s == sort>{s.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <div class="row filter-actions">
                <button type="submit" class="primary">"Apply"</button>
                <a href="/transactions">"Clear"</a>
            </div>
        </form>
    }
}

/// One page of transactions, each with its category menu.
#[component]
fn Rows(rows: Vec<TransactionView>, banks: AccountsView) -> AnyView {
    if rows.is_empty() {
        return view! { <p class="muted">"No transactions match. Clear the filter to see them all."</p> }.into_any();
    }
    let accounts: Vec<_> = banks.items.iter().flat_map(|i| i.accounts.clone()).collect();
    let rows = rows
        .into_iter()
        .map(|t| {
            let (amount, incoming) = signed_amount(&t.amount, t.currency.as_deref());
            // The trader chose when the category listed is not Plaid's.
            let chosen = (t.category != t.plaid_category).then(|| t.category.clone()).flatten();
            view! {
                <tr data-transaction-id=t.transaction_id.clone()>
                    <td>{t.date.clone()}</td>
                    <td><Description transaction=t.clone() merchant=true/></td>
                    <td class="hide-narrow muted">{account_label_of(&accounts, &t.account_id)}</td>
                    <td>
                        <CategoryMenu
                            transaction_id=t.transaction_id.clone()
                            name=t.name.clone()
                            plaid=t.plaid_category.clone()
                            chosen
                        />
                    </td>
                    <td class="amount" class:in=incoming>{amount}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="tx" aria-label="Filtered transactions">
            <thead>
                <tr>
                    <th>"Date"</th><th>"Description"</th><th class="hide-narrow">"Account"</th>
                    <th>"Category"</th><th class="amount">"Amount"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// A transaction's category: Plaid's (`plaid`), or one the trader chose (`chosen`, kept
/// across syncs).
#[island]
fn CategoryMenu(transaction_id: String, name: String, plaid: Option<String>, chosen: Option<String>) -> impl IntoView {
    let call = Call::<Result<TransactionView, AppError>>::new();
    let id = transaction_id;
    let plaid_label = match &plaid {
        Some(c) => format!("{} (Plaid)", category_label(c)),
        None => "Uncategorised (Plaid)".into(),
    };
    let on_change = move |ev: leptos::ev::Event| {
        let category = event_target_value(&ev).parse::<Category>().ok();
        let id = id.clone();
        call.run(async move {
            let result = set_transaction_category(id, category).await;
            if result.is_ok() {
                swap::refresh();
            }
            result
        });
    };
    view! {
        <select
            class="category"
            aria-label=format!("Category of {name}")
            disabled=move || call.pending()
            on:change=on_change
        >
            <option value="" selected=chosen.is_none()>{plaid_label}</option>
            {Category::ALL.iter().map(|c| view! {
                <option value=c.as_str() selected=chosen.as_deref() == Some(c.as_str())>{category_label(c.as_str())}</option>
            }).collect_view()}
        </select>
        {move || match call.value() {
            Some(Err(e)) => Some(view! { <p class="error" role="alert">{e.error.message}</p> }),
            _ => None,
        }}
    }
}

/// Newer and older pages of the same filter.
#[component]
fn Pager(view: View, more: bool) -> impl IntoView {
    let newer = (view.offset > 0).then(|| view.href(view.offset.saturating_sub(PAGE)));
    let older = more.then(|| view.href(view.offset + PAGE));
    let position = format!("From number {}", view.offset + 1);
    view! { <PageLinks label="Pages of transactions" previous=newer position next=older/> }
}

/// Money in and out per category over the whole filter (not just the page shown).
#[component]
fn Totals(totals: Vec<CategoryTotalView>, view: View) -> AnyView {
    if totals.is_empty() {
        return view! { <p class="muted">"Nothing to add up."</p> }.into_any();
    }
    let rows = totals
        .into_iter()
        .map(|t| {
            let label = t.category.as_deref().map(category_label).unwrap_or_else(|| "Uncategorised".into());
            let currency = t.currency.as_deref();
            view! {
                <tr data-category=t.category.clone().unwrap_or_default()>
                    <td><a href=view.in_category(t.category.as_deref())>{label}</a></td>
                    <td class="amount">{t.count}</td>
                    <td class="amount in">{signed("+", &t.money_in, currency)}</td>
                    <td class="amount">{signed("-", &t.money_out, currency)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="tx" aria-label="Totals by category">
            <thead>
                <tr><th>"Category"</th><th class="amount">"Count"</th><th class="amount">"In"</th><th class="amount">"Out"</th></tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// A total with its sign, or a dash when there is none (no "-$0.00").
fn signed(sign: &str, amount: &str, currency: Option<&str>) -> String {
    match amount.trim_start_matches(['0', '.']).is_empty() {
        true => "—".into(),
        false => format!("{sign}{}", money(amount, currency)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(pairs: &[(&str, &str)]) -> ParamsMap {
        let mut map = ParamsMap::new();
        for (k, v) in pairs {
            map.insert(k.to_string(), v.to_string());
        }
        map
    }

    #[test]
    fn the_url_is_read_leniently_and_written_back_the_same() {
        let view = View::from_url(&url(&[
            ("q", "coffee shop"),
            ("item_id", ""),
            ("pending", "maybe"),
            ("sort", "amount_desc"),
            ("offset", "50"),
        ]));
        assert_eq!(view.query.q.as_deref(), Some("coffee shop"));
        assert_eq!((view.query.item_id.clone(), view.query.pending), (None, None), "empty and meaningless left out");
        assert_eq!(view.query.sort, Some(TransactionSort::AmountDesc));
        assert_eq!(view.href(view.offset + PAGE), "/transactions?q=coffee%20shop&sort=amount_desc&offset=100");
        assert_eq!(view.in_category(Some("TRAVEL")), "/transactions?q=coffee%20shop&category=TRAVEL&sort=amount_desc");
        assert_eq!(View::default().href(0), "/transactions");
    }

    #[test]
    fn a_zero_total_is_a_dash() {
        assert_eq!(signed("-", "0", Some("USD")), "—");
        assert_eq!(signed("-", "0.10", Some("USD")), "-$0.10");
        assert_eq!(signed("+", "2640", Some("USD")), "+$2,640.00");
    }
}
