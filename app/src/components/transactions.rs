//! Recent transactions, pending ones marked, and how any transactions list shows a
//! description and an account.

use leptos::prelude::*;

use super::format::signed_amount;
use cashflow_api::banking::{AccountView, TransactionView};

/// A table of transactions.
#[component]
pub fn TransactionList(transactions: Vec<TransactionView>, accounts: Vec<AccountView>) -> AnyView {
    if transactions.is_empty() {
        return view! { <p class="muted">"No transactions yet. They appear here as soon as the first sync finishes."</p> }.into_any();
    }
    let rows = transactions
        .iter()
        .map(|t| {
            let (amount, incoming) = signed_amount(&t.amount, t.currency.as_deref());
            view! {
                <tr data-transaction-id=t.transaction_id.clone()>
                    <td>{t.date.clone()}</td>
                    <td><Description transaction=t.clone() merchant=false/></td>
                    <td class="hide-narrow muted">{account_label_of(&accounts, &t.account_id)}</td>
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

/// A transaction's description, marked when pending, with the merchant under it if asked.
#[component]
pub fn Description(transaction: TransactionView, merchant: bool) -> impl IntoView {
    view! {
        {transaction.name}
        {transaction.pending.then(|| view! { <span class="pending">"Pending"</span> })}
        {transaction.merchant_name.filter(|_| merchant).map(|m| view! { <div class="muted small">{m}</div> })}
    }
}

/// An account as lists name it: the trader's nickname or the bank's name, and its last digits.
pub fn account_label(account: &AccountView) -> String {
    format!("{} ••{}", account.display_name(), account.mask.as_deref().unwrap_or_default())
}

/// [`account_label`] of the account `id` among `accounts`; empty when it is not there.
pub fn account_label_of(accounts: &[AccountView], id: &str) -> String {
    accounts.iter().find(|a| a.account_id == id).map(account_label).unwrap_or_default()
}
