//! Investments: each brokerage account's cash apart from its positions (value, gain), and the
//! latest investment activity (buys, sells, dividends, fees, transfers).

use leptos::prelude::*;

use super::format::{money, signed_amount};
use cashflow_api::banking::{InvestmentAccountView, InvestmentTransactionView, InvestmentsView};

/// Investment transactions listed at most.
const SHOWN: usize = 8;

/// The investments card; nothing when the trader has no investment account.
#[component]
pub fn InvestmentsSummary(investments: InvestmentsView) -> impl IntoView {
    (!investments.accounts.is_empty()).then(|| {
        let accounts =
            investments.accounts.into_iter().map(|account| view! { <InvestmentAccount account/> }).collect_view();
        let activity = investments
            .transactions
            .into_iter()
            .take(SHOWN)
            .map(|t| view! { <Activity transaction=t/> })
            .collect_view();
        view! {
            <section aria-label="Investments" class="card" style="margin-bottom: 1rem">
                <h2>"Investments"</h2>
                {accounts}
                <table class="investments" aria-label="Recent investment activity">
                    <thead><tr><th scope="col">"Date"</th><th scope="col">"Activity"</th><th scope="col">"Amount"</th></tr></thead>
                    <tbody>{activity}</tbody>
                </table>
            </section>
        }
    })
}

#[component]
fn InvestmentAccount(account: InvestmentAccountView) -> impl IntoView {
    let code = account.currency.clone();
    let label = format!("{} ••{}", account.account_name, account.mask.clone().unwrap_or_default());
    let (name, caption) = (label.clone(), format!("Positions of {label}"));
    let rows = account
        .holdings
        .into_iter()
        .map(|h| {
            let gain = h.gain.as_deref().map(|g| money(g, code.as_deref())).unwrap_or_else(|| "—".into());
            view! {
                <tr>
                    <td><strong>{h.ticker.clone().unwrap_or_default()}</strong></td>
                    <td class="muted small">{h.name.clone().unwrap_or_default()}</td>
                    <td>{h.quantity}</td>
                    <td>{money(&h.price, code.as_deref())}</td>
                    <td>{money(&h.value, code.as_deref())}</td>
                    <td>{gain}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="investment-account" aria-label=label data-account-id=account.account_id.clone()>
            <div class="row">
                <strong>{name}</strong>
                <span class="figure" data-testid="investment-total">{money(&account.total, code.as_deref())}</span>
            </div>
            <div class="muted small">
                "Cash " <span data-testid="brokerage-cash">{money(&account.cash, code.as_deref())}</span>
                " · positions " {money(&account.positions_value, code.as_deref())}
            </div>
            <table class="investments" aria-label=caption>
                <thead>
                    <tr>
                        <th scope="col">"Ticker"</th><th scope="col">"Name"</th><th scope="col">"Quantity"</th>
                        <th scope="col">"Price"</th><th scope="col">"Value"</th><th scope="col">"Gain"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn Activity(transaction: InvestmentTransactionView) -> impl IntoView {
    let t = transaction;
    let (amount, incoming) = signed_amount(&t.amount, t.currency.as_deref());
    let kind = if t.subtype == t.kind { t.kind.clone() } else { format!("{} · {}", t.kind, t.subtype) };
    view! {
        <tr>
            <td>{t.date}</td>
            <td>{t.name} <div class="muted small">{kind}</div></td>
            <td class=if incoming { "amount in" } else { "amount" }>{amount}</td>
        </tr>
    }
}
