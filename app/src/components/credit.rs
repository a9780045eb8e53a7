//! Credit and payments due: the credit still available on the trader's cards, and each card's
//! or loan's next payment with its APR (overdue ones first).

use leptos::prelude::*;

use super::{dashboard::amounts_by_currency, format::money};
use cashflow_api::banking::{LiabilitiesView, LiabilityKind, LiabilityView};

/// Payments listed at most.
const SHOWN: usize = 5;

/// The summary card; nothing when the trader has no card or loan.
#[component]
pub fn CreditSummary(credit: LiabilitiesView) -> impl IntoView {
    (!credit.liabilities.is_empty()).then(|| {
        let payments =
            credit.liabilities.into_iter().take(SHOWN).map(|l| view! { <Payment liability=l/> }).collect_view();
        view! {
            <section class="card" aria-label="Credit and payments due">
                <div class="muted">"Available credit"</div>
                <div class="figure" data-testid="available-credit">{amounts_by_currency(&credit.available_credit)}</div>
                <ul class="payments" aria-label="Next payments due">{payments}</ul>
            </section>
        }
    })
}

#[component]
fn Payment(liability: LiabilityView) -> impl IntoView {
    let l = liability;
    let code = l.currency.clone();
    let amount = |v: &Option<String>| v.as_deref().map(|a| money(a, code.as_deref()));
    let kind = match l.kind {
        LiabilityKind::Credit => "Card",
        LiabilityKind::Mortgage => "Mortgage",
        LiabilityKind::Student => "Student loan",
    };
    let due = match (amount(&l.minimum_payment), &l.next_payment_due_date) {
        (Some(min), Some(date)) => format!("{min} due {date}"),
        (None, Some(date)) => format!("Payment due {date}"),
        (Some(min), None) => format!("{min} due"),
        (None, None) => "No payment due".to_string(),
    };
    let terms = [
        l.apr.as_ref().map(|a| format!("APR {a}%")),
        amount(&l.limit).map(|limit| format!("limit {limit}")),
        amount(&l.available_credit).map(|left| format!("{left} available")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let label = format!("{} ••{}", l.account_name, l.mask.clone().unwrap_or_default());
    let name = label.clone();
    view! {
        <li data-account-id=l.account_id.clone() aria-label=label>
            <div class="row">
                <strong>{name}</strong>
                <span class="muted small">{kind}</span>
                {l.is_overdue.then(|| view! { <span class="badge login_required" data-testid="overdue">"Overdue"</span> })}
            </div>
            <div class="small" data-testid="payment-due">{due}</div>
            <div class="muted small">{terms}</div>
        </li>
    }
}
