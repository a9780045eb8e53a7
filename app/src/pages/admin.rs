use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use cashflow_api::{
    admin::{AdminSyncView, AuditEntryView, BankHealthView},
    users::{Role, UserInfo},
    AppError,
};

use crate::{
    admin::{audit_trail, bank_health, sync_bank},
    auth::current_user,
    components::{
        bank_card::SyncNotes,
        call::Call,
        dashboard::Loaded,
        format::when,
        frame::{PageLinks, SignedOut, TopBar},
        swap,
    },
};

/// Banks per page of the admin list.
const PAGE: u32 = 200;

/// The page of the list `?page=` asks for, from 1 (anything else, or a page past any
/// possible offset, is the first or the last possible page).
fn page_number(raw: Option<&str>) -> u32 {
    raw.and_then(|p| p.trim().parse::<u32>().ok()).unwrap_or(1).clamp(1, u32::MAX / PAGE)
}

/// `/admin`: every user's banks with their health (status, last sync, Plaid's last error and
/// its request id, webhooks), with Sync and the audit trail per bank, [`PAGE`] banks a page
/// (`?page=N`). Admins only: others are told so, and the API refuses them (403).
#[component]
pub fn AdminPage() -> impl IntoView {
    let user = Resource::new(|| (), |_| current_user());
    let page = use_query_map().with_untracked(|q| page_number(q.get("page").as_deref()));
    // One more than a page: whether there is a next page.
    let banks: Loaded<Vec<BankHealthView>> = Resource::new(
        || (),
        move |_| async move {
            match user.await {
                Ok(Some(u)) if u.role == Role::Admin => bank_health(Some(PAGE + 1), Some((page - 1) * PAGE)).await,
                _ => Err(AppError::forbidden()),
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <main class="page"><p class="muted">"Loading…"</p></main> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) => view! { <Page user banks page/> }.into_any(),
                    Ok(None) => view! { <SignedOut next="/admin"/> }.into_any(),
                    Err(e) => view! { <main class="page"><p role="alert" class="error">{e.to_string()}</p></main> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Page(user: UserInfo, banks: Loaded<Vec<BankHealthView>>, page: u32) -> impl IntoView {
    let is_admin = user.role == Role::Admin;
    view! {
        <TopBar user/>
        <main class="page">
            <h1>"Bank health"</h1>
            {if is_admin {
                view! {
                    <Transition fallback=|| view! { <p class="muted">"Loading every bank…"</p> }>
                        {move || banks.get().map(|b| match b {
                            Ok(list) if list.is_empty() && page == 1 => view! { <p class="muted">"No user has linked a bank yet."</p> }.into_any(),
                            Ok(mut list) => {
                                let more = list.len() > PAGE as usize;
                                list.truncate(PAGE as usize);
                                let shown = list.len() as u32;
                                view! {
                                    {(shown == 0).then(|| view! { <p class="muted">"No banks on this page."</p> })}
                                    {(shown > 0).then(|| view! { <BankTable banks=list/> })}
                                    <Pager page shown more/>
                                }
                                .into_any()
                            }
                            Err(e) => view! { <p class="error" role="alert">{e.error.message}</p> }.into_any(),
                        })}
                    </Transition>
                }
                .into_any()
            } else {
                view! {
                    <section class="card empty" aria-label="No access">
                        <h2>"Only admins can see bank health"</h2>
                        <p class="muted">"This page lists every user's banks. Your role does not include it."</p>
                    </section>
                }
                .into_any()
            }}
        </main>
    }
}

/// Links to the pages before and after this one, and which banks this page shows.
#[component]
fn Pager(page: u32, shown: u32, more: bool) -> impl IntoView {
    let first = (page - 1) * PAGE + 1;
    let position = match shown {
        0 => format!("Page {page}"),
        _ => format!("Banks {first}–{}", first + shown - 1),
    };
    let previous = (page > 1).then(|| format!("/admin?page={}", page - 1));
    let next = more.then(|| format!("/admin?page={}", page + 1));
    view! { <PageLinks label="Pages of banks" previous position next/> }
}

#[component]
fn BankTable(banks: Vec<BankHealthView>) -> impl IntoView {
    view! {
        <div class="card table-scroll">
            <table class="admin-banks" aria-label="Every user's banks">
                <thead>
                    <tr>
                        <th scope="col">"User"</th>
                        <th scope="col">"Bank"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Last sync"</th>
                        <th scope="col">"Last Plaid error"</th>
                        <th scope="col">"Webhooks"</th>
                        <th scope="col">"Act"</th>
                    </tr>
                </thead>
                <tbody id="admin-banks" data-swap="keyed">
                    {banks.into_iter().map(|bank| view! { <BankRow bank/> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn BankRow(bank: BankHealthView) -> impl IntoView {
    let label = format!("{} of {}", bank.institution_name, bank.username);
    let error = bank.last_error_code.clone().map(|code| {
        let request = bank.last_error_request_id.clone().unwrap_or_else(|| "none".into());
        let at = bank.last_error_at.as_deref().map(when).unwrap_or_default();
        view! { <code>{code}</code> <div class="muted small">"request_id " <code>{request}</code></div> <div class="muted small">{at}</div> }
    });
    let webhooks =
        format!("Last received: {}", bank.last_webhook_at.as_deref().map(when).unwrap_or_else(|| "never".into()));
    let failures = (bank.webhook_failures > 0).then(|| {
        let at = bank.webhook_failure_at.as_deref().map(when).unwrap_or_default();
        let why = bank.webhook_failure_reason.clone().unwrap_or_default();
        view! { <div class="error small">{format!("{} failed verification, last {at}: {why}", bank.webhook_failures)}</div> }
    });
    view! {
        <tr id=format!("admin-{}", bank.item_id) data-item-id=bank.item_id.clone() aria-label=label.clone()>
            <td>{bank.username.clone()}</td>
            <td>{bank.institution_name.clone()} <div class="muted small">{format!("{} account(s)", bank.accounts)}</div></td>
            <td>
                <span class=format!("badge {}", bank.status.as_str()) data-status=bank.status.as_str()>{bank.status.as_str()}</span>
                {bank.status_detail.clone().map(|d| view! { <div class="muted small">{d}</div> })}
            </td>
            <td>
                {bank.last_sync_at.as_deref().map(when).unwrap_or_else(|| "never".into())}
                {bank.last_sync_error.clone().map(|e| view! { <div class="error small">{e}</div> })}
            </td>
            <td>{error.map(|e| e.into_any()).unwrap_or_else(|| "none".into_any())}</td>
            <td>{webhooks}{failures}</td>
            <td>
                <AdminActions item_id=bank.item_id.clone() label=label.clone()/>
                <div class="small" role="status" data-note-for=bank.item_id.clone()></div>
            </td>
        </tr>
    }
}

/// Sync and the audit trail of one bank (the trail opens below the buttons).
#[island]
fn AdminActions(item_id: String, label: String) -> impl IntoView {
    let sync: Call<Result<AdminSyncView, AppError>> = Call::new();
    let trail: Call<Result<Vec<AuditEntryView>, AppError>> = Call::new();
    let shown = RwSignal::new(false);
    let (sync_id, trail_id) = (item_id.clone(), item_id);
    let audit_label = StoredValue::new(label);
    view! {
        <div class="row">
            <button type="button" on:click=move |_| {
                // Kept when the answer comes, even if the refresh replaced this row meanwhile.
                let id = sync_id.clone();
                sync.run(async move {
                    let result = sync_bank(id.clone()).await;
                    if let Ok(done) = &result {
                        SyncNotes::keep(&id, vec![sync_summary(done)]);
                        swap::refresh();
                    }
                    result
                })
            } disabled=move || sync.pending()>
                {move || if sync.pending() { "Syncing…" } else { "Sync" }}
            </button>
            <button type="button" class="ghost" aria-expanded=move || shown.get().to_string() on:click=move |_| {
                shown.update(|s| *s = !*s);
                if shown.get_untracked() {
                    trail.run(audit_trail(trail_id.clone()));
                }
            }>"Audit trail"</button>
        </div>
        {move || sync.value().and_then(|r| r.err()).map(|e| view! { <p class="error small" role="alert">{e.error.message}</p> })}
        <Show when=move || shown.get()>
            <div class="audit-row">
                {move || match trail.value() {
                    None => view! { <p class="muted">"Loading the audit trail…"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="error" role="alert">{e.error.message}</p> }.into_any(),
                    Some(Ok(entries)) => view! { <AuditList entries label=audit_label.get_value()/> }.into_any(),
                }}
            </div>
        </Show>
    }
}

#[component]
fn AuditList(entries: Vec<AuditEntryView>, label: String) -> impl IntoView {
    view! {
        <table class="audit" aria-label=format!("Audit trail of {label}")>
            <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th><th scope="col">"Details"</th></tr></thead>
            <tbody>
                {entries.into_iter().map(|e| view! {
                    <tr>
                        <td>{when(&e.at)}</td>
                        <td>{e.actor}</td>
                        <td>{e.action}</td>
                        <td>{e.detail.unwrap_or_default()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// What an admin's Sync did, in a line.
fn sync_summary(done: &AdminSyncView) -> String {
    if done.ran {
        format!("Synced: {} added, {} modified, {} removed.", done.added, done.modified, done.removed)
    } else {
        "A sync was running; it runs once more.".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_asked_for_is_a_number_from_one_whose_offset_fits() {
        assert_eq!(page_number(None), 1);
        assert_eq!(page_number(Some("3")), 3);
        assert_eq!(page_number(Some(" 2 ")), 2);
        for nonsense in ["0", "-1", "two", "", "1.5"] {
            assert_eq!(page_number(Some(nonsense)), 1, "{nonsense}");
        }
        let last = page_number(Some("4294967295"));
        assert!((last - 1).checked_mul(PAGE).is_some(), "the offset of page {last} fits");
    }
}
