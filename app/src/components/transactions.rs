//! Recent transactions, pending ones marked.

use leptos::prelude::*;

use super::format::signed_amount;
use cashflow_api::banking::{AccountView, TransactionView};

/// A table of transactions.
#[component]
pub fn TransactionList(transactions: Vec<TransactionView>, accounts: Vec<AccountView>) -> AnyView {
    if transactions.is_empty() {
        return view! { <p class="muted">"No transactions yet. They appear here as soon as the first sync finishes."</p> }.into_any();
    }
    let account_name = move |id: &str| {
        accounts
            .iter()
            .find(|a| a.account_id == id)
            .map(|a| format!("{} ••{}", a.name, a.mask.clone().unwrap_or_default()))
            .unwrap_or_default()
    };
    let rows = transactions
        .iter()
        .map(|t| {
            let (amount, incoming) = signed_amount(&t.amount, t.currency.as_deref());
            view! {
                <tr data-transaction-id=t.transaction_id.clone()>
                    <td>{t.date.clone()}</td>
                    <td>
                        {t.name.clone()}
                        {t.pending.then(|| view! { <span class="pending">"Pending"</span> })}
                    </td>
                    <td class="hide-narrow muted">{account_name(&t.account_id)}</td>
                    <td class="amount" class:in=incoming>{amount}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="tx" aria-label="Recent transactions">
            <thead>
                <tr><th>"Date"</th><th>"Description"</th><th class="hide-narrow">"Account"</th><th class="amount">"Amount"</th></tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
