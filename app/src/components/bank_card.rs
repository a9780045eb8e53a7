//! One linked bank: status, accounts with balances, Sync now, re-authenticate, remove.
//! The card is rendered on the server; its actions and each account's settings are islands.

use leptos::prelude::*;

use super::{
    call::Call,
    format::{money, when},
    plaid_link::PlaidLinkWidget,
    swap,
};
use crate::banking::{refresh_item, remove_item, set_account_preferences};
use cashflow_api::{
    banking::{AccountView, AccountsView, BalanceSource, ItemStatus, ItemView, RefreshView},
    AppError,
};

/// The badge's CSS class (the status's name) and its text.
fn badge(item: &ItemView) -> (&'static str, String) {
    let text = match item.status {
        ItemStatus::LoginRequired if item.status_detail.as_deref() == Some("ITEM_LOCKED") => {
            "Locked at the bank".into()
        }
        ItemStatus::LoginRequired => "Needs re-authentication".into(),
        ItemStatus::PendingExpiration => match &item.status_deadline {
            Some(d) => format!("Access ends {}", when(d)),
            None => "Access ends soon".into(),
        },
        ItemStatus::Revoked => "Access revoked".into(),
        ItemStatus::Good if item.needs_update => return ("needs_update", "New accounts available".into()),
        ItemStatus::Good => "Connected".into(),
    };
    (item.status.as_str(), text)
}

/// A bank card (rendered on the server; its actions and settings are islands).
#[component]
pub fn BankCard(item: ItemView, script_url: String) -> AnyView {
    let (badge_class, badge_text) = badge(&item);
    let revoked = item.status == ItemStatus::Revoked;
    // Update mode fixes an error state; with only new accounts to share it adds them.
    let needs_login = matches!(item.status, ItemStatus::LoginRequired | ItemStatus::PendingExpiration);
    let needs_link = !revoked && (needs_login || item.needs_update);
    let name = item.institution_name.clone();
    let hidden_count = item.accounts.iter().filter(|a| a.hidden).count();
    let accounts = item.accounts.iter().map(|a| view! { <AccountRow account=a.clone()/> }).collect_view();
    view! {
        <article
            class="card bank"
            aria-label=name.clone()
            id=format!("bank-{}", item.item_id)
            data-item-id=item.item_id.clone()
            style=item.primary_color.clone().map(|c| format!("border-left: 4px solid {c}"))
        >
            <div class="bank-head">
                <h3>
                    {item.logo_url.clone().map(|src| view! { <img class="bank-logo" src=src alt="" width="24" height="24"/> })}
                    {name.clone()}
                </h3>
                <span class=format!("badge {badge_class}") data-status=item.status.as_str()>{badge_text}</span>
            </div>
            {item.status_message.clone().filter(|_| item.status != ItemStatus::Good).map(|m| view! {
                <p class="warning" role="status" data-testid="status-message">{m}</p>
            })}
            {item.needs_update.then(|| (!revoked).then(|| view! {
                <p class="notice" role="status">"Your bank has accounts you have not shared yet. Choose which to add."</p>
            }))}
            {item.last_sync_error.clone().filter(|_| !revoked).map(|e| view! { <p class="error" role="alert">"Last sync failed: " {e}</p> })}
            <ul class="accounts">{accounts}</ul>
            {(hidden_count > 0).then(|| view! { <ShowHidden item_id=item.item_id.clone() count=hidden_count/> })}
            <BankActions item_id=item.item_id.clone() name=name.clone() revoked needs_link needs_login script_url/>
            <div class="notice" role="status" data-testid="sync-note" data-note-for=item.item_id.clone()></div>
        </article>
     }
    .into_any()
}

/// Shows (or leaves out again) the card's hidden accounts. Whether they are shown is kept per
/// bank for the life of the page ([`ShownHidden`]), so a card replaced by a live update keeps
/// showing them.
#[island]
fn ShowHidden(item_id: String, count: usize) -> impl IntoView {
    let shown = RwSignal::new(false);
    // The server renders them left out; a bank shown before this card was replaced says so
    // once hydrated (so the markup matches).
    let id = item_id.clone();
    Effect::new(move |_| {
        if ShownHidden::is_shown(&id) {
            shown.set(true);
        }
    });
    view! {
        <button type="button" class="ghost" aria-pressed=move || shown.get().to_string() on:click=move |_| {
            shown.update(|s| *s = !*s);
            ShownHidden::set(&item_id, shown.get_untracked());
        }>
            {move || match (shown.get(), count) {
                (true, _) => "Leave hidden accounts out".to_string(),
                (false, 1) => "Show 1 hidden account".to_string(),
                (false, n) => format!("Show {n} hidden accounts"),
            }}
        </button>
    }
}

/// The banks whose hidden accounts the trader chose to see on this page: their cards carry
/// the class `show-hidden` (the stylesheet shows hidden accounts only there).
pub struct ShownHidden;

thread_local! {
    static SHOWN_HIDDEN: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl ShownHidden {
    /// Whether `item_id`'s hidden accounts are shown.
    pub fn is_shown(item_id: &str) -> bool {
        SHOWN_HIDDEN.with_borrow(|ids| ids.iter().any(|i| i == item_id))
    }

    /// Shows (or leaves out) `item_id`'s hidden accounts.
    pub fn set(item_id: &str, shown: bool) {
        SHOWN_HIDDEN.with_borrow_mut(|ids| {
            ids.retain(|i| i != item_id);
            if shown {
                ids.push(item_id.to_string());
            }
        });
        Self::paint();
    }

    /// Sets the class on every card as chosen (browser only; after each refresh too).
    pub fn paint() {
        #[cfg(feature = "hydrate")]
        each_element("article.bank[data-item-id]", |card| {
            let shown = Self::is_shown(&card.get_attribute("data-item-id").unwrap_or_default());
            let _ = card.class_list().toggle_with_force("show-hidden", shown);
        });
    }
}

/// Calls `f` with each element of the page that `selector` matches.
#[cfg(feature = "hydrate")]
fn each_element(selector: &str, mut f: impl FnMut(web_sys::Element)) {
    use wasm_bindgen::JsCast;
    let Ok(list) = document().query_selector_all(selector) else { return };
    for i in 0..list.length() {
        if let Some(element) = list.item(i).and_then(|n| n.dyn_into::<web_sys::Element>().ok()) {
            f(element);
        }
    }
}

/// Paints what the page keeps across refreshes into freshly swapped parts: Sync notes and
/// the banks whose hidden accounts are shown.
pub fn after_refresh() {
    SyncNotes::paint();
    ShownHidden::paint();
}

/// A card's actions: re-authenticate or add accounts (Link in update mode) when the bank
/// needs it, Sync now with what it reported, and Remove behind a confirmation.
#[island]
fn BankActions(
    item_id: String,
    name: String,
    revoked: bool,
    needs_link: bool,
    needs_login: bool,
    script_url: String,
) -> impl IntoView {
    let link_label = if needs_login { "Re-authenticate" } else { "Add accounts" };
    let confirming = RwSignal::new(false);
    let refresh = Call::new();
    let remove = Call::new();
    Effect::new(move |_| {
        if matches!(remove.value(), Some(Ok(_))) {
            swap::refresh();
        }
    });
    let (id_refresh, id_remove) = (item_id.clone(), item_id.clone());
    view! {
        <div class="row">
            {needs_link.then(|| view! {
                <PlaidLinkWidget script_url=script_url.clone() item_id=item_id.clone() label=link_label/>
            })}
            {(!revoked).then(|| view! {
                <button type="button" on:click=move |_| {
                    // The note is kept when the answer comes, even if the refresh it triggers
                    // has replaced this card meanwhile (the call outlives the old island).
                    let id = id_refresh.clone();
                    refresh.run(async move {
                        let result = refresh_item(id.clone()).await;
                        if let Ok(synced) = &result {
                            SyncNotes::keep(&id, sync_note(synced));
                            swap::refresh();
                        }
                        result
                    })
                } disabled=move || refresh.pending()
                    title="Fresh balances now, and new transactions asked of the bank">
                    {move || if refresh.pending() { "Syncing…" } else { "Sync now" }}
                </button>
            })}
            <button type="button" class="danger" on:click=move |_| confirming.set(true)>"Remove"</button>
        </div>
        {move || refresh.value().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{e.error.message}</p> })}
        <Show when=move || confirming.get()>
            <div class="warning" role="alertdialog" aria-label="Confirm removal">
                <p>"Remove " {name.clone()} "? Its accounts and transactions are deleted here and Plaid stops sharing its data."</p>
                <div class="row">
                    <button type="button" class="danger" on:click={
                        let id = id_remove.clone();
                        move |_| remove.run(remove_item(id.clone()))
                    } disabled=move || remove.pending()>"Yes, remove"</button>
                    <button type="button" on:click=move |_| confirming.set(false)>"Cancel"</button>
                </div>
                {move || remove.value().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{e.error.message}</p> })}
            </div>
        </Show>
    }
}

/// One account: name (or the trader's nickname), balances and where they came from, and its
/// settings (nickname, hidden, counted in total cash) behind an Edit button.
#[component]
fn AccountRow(account: AccountView) -> impl IntoView {
    let a = account;
    let balance = a.current.as_deref().map(|c| money(c, a.currency.as_deref())).unwrap_or_else(|| "—".into());
    let available = a.available.as_deref().map(|v| format!("{} available", money(v, a.currency.as_deref())));
    let source = match (a.balance_source, &a.balance_as_of) {
        (BalanceSource::Realtime, _) => format!("real-time · as of {}", when(&a.as_of)),
        (_, Some(at)) => format!("bank figure as of {}", when(at)),
        _ => format!("from the last sync · fetched {}", when(&a.as_of)),
    };
    let shown_name = a.display_name().to_string();
    view! {
        <li data-account-id=a.account_id.clone() class:hidden-account=a.hidden>
            <span>
                <strong>{shown_name.clone()}</strong>
                " ••" {a.mask.clone().unwrap_or_default()}
                {a.nickname.is_some().then(|| view! { <small class="muted">" (" {a.name.clone()} ")"</small> })}
                <br/>
                <small class="muted" data-balance-source=a.balance_source.as_str()>
                    {a.subtype.clone().unwrap_or_else(|| a.account_type.clone())} " · " {source}
                </small>
                {(!a.in_total_cash).then(|| view! { <small class="muted">" · not in total cash"</small> })}
                {a.hidden.then(|| view! { <small class="muted">" · hidden"</small> })}
            </span>
            <AccountSettings
                account_id=a.account_id.clone()
                shown_name
                balance
                available
                nickname=a.nickname.clone().unwrap_or_default()
                hidden=a.hidden
                counted=a.in_total_cash
            />
        </li>
    }
}

/// An account's balances with its Edit button, and the settings form it opens.
#[island]
fn AccountSettings(
    account_id: String,
    shown_name: String,
    balance: String,
    available: Option<String>,
    nickname: String,
    hidden: bool,
    counted: bool,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    let nickname = RwSignal::new(nickname);
    let hidden = RwSignal::new(hidden);
    let counted = RwSignal::new(counted);
    let save = Call::<Result<AccountsView, AppError>>::new();
    let account_id = StoredValue::new(account_id);
    Effect::new(move |_| {
        if matches!(save.value(), Some(Ok(_))) {
            editing.set(false);
            swap::refresh();
        }
    });
    let settings_label = format!("Settings of {shown_name}");
    view! {
        <span class="amount">
            <span class="balance" aria-label=format!("{shown_name} balance")>{balance}</span>
            <br/>
            <small class="muted">{available}</small>
            <br/>
            <button type="button" class="ghost small" aria-expanded=move || editing.get().to_string()
                aria-label=settings_label on:click=move |_| editing.update(|e| *e = !*e)>"Edit"</button>
        </span>
        <Show when=move || editing.get()>
            <form class="account-settings" aria-label=format!("{shown_name} settings")
                on:submit=move |ev| {
                    ev.prevent_default();
                    let id = account_id.get_value();
                    save.run(set_account_preferences(id, Some(nickname.get_untracked()), hidden.get_untracked(), counted.get_untracked()));
                }>
                <label>"Nickname "
                    <input type="text" maxlength="60" prop:value=move || nickname.get()
                        on:input=move |ev| nickname.set(event_target_value(&ev))/>
                </label>
                <label>
                    <input type="checkbox" prop:checked=move || counted.get()
                        on:change=move |ev| counted.set(event_target_checked(&ev))/>
                    " Count in total cash"
                </label>
                <label>
                    <input type="checkbox" prop:checked=move || hidden.get()
                        on:change=move |ev| hidden.set(event_target_checked(&ev))/>
                    " Hide from the dashboard"
                </label>
                <div class="row">
                    <button type="submit" disabled=move || save.pending()>"Save"</button>
                    <button type="button" class="ghost" on:click=move |_| editing.set(false)>"Cancel"</button>
                </div>
                {move || save.value().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{e.error.message}</p> })}
            </form>
        </Show>
    }
}

/// What "Sync now" (or an admin's Sync, or Link repairing a bank) last reported, kept for the
/// life of the page and painted into the page's slots marked `data-note-for` (a card's, an
/// admin row's, or `page`) after each report and each refresh: by then the island that made
/// the report may have been replaced with its card.
pub struct SyncNotes;

thread_local! {
    static NOTES: std::cell::RefCell<Vec<(String, Vec<String>)>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl SyncNotes {
    /// Replaces the note for `key` (an Item id, or `page`) and shows it.
    pub fn keep(key: &str, lines: Vec<String>) {
        NOTES.with_borrow_mut(|notes| {
            notes.retain(|(k, _)| k != key);
            notes.push((key.to_string(), lines));
        });
        Self::paint();
    }

    /// Writes every kept note into its slots (browser only).
    pub fn paint() {
        #[cfg(feature = "hydrate")]
        each_element("[data-note-for]", |slot| {
            let key = slot.get_attribute("data-note-for").unwrap_or_default();
            let lines = NOTES.with_borrow(|notes| notes.iter().find(|(k, _)| *k == key).map(|(_, l)| l.clone()));
            let Some(lines) = lines else { return };
            slot.set_text_content(None);
            for line in lines {
                if let Ok(p) = document().create_element("p") {
                    p.set_text_content(Some(&line));
                    let _ = slot.append_child(&p);
                }
            }
        });
    }
}

/// The lines a trader reads after "Sync now": balances fresh or why not, and whether the
/// bank was asked for new transactions.
fn sync_note(synced: &RefreshView) -> Vec<String> {
    let balances = synced.stale_reason.clone().unwrap_or_else(|| "Balances are fresh from your bank.".into());
    let transactions = synced
        .transactions_reason
        .clone()
        .unwrap_or_else(|| "Your bank was asked for new transactions; they appear here as it sends them.".into());
    vec![balances, transactions]
}
