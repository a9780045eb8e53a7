//! Server side of the banking feature: role check, calls into `banking-core`, mapping to the
//! browser's types, and the routes that are not server functions (REST paths with ids, the
//! event stream, the Plaid webhook).

use std::{convert::Infallible, time::Duration};

use axum::{
    body::Bytes,
    extract::{DefaultBodyLimit, Path, State},
    http::{HeaderMap, Method, StatusCode},
    response::sse::{Event as SseEvent, KeepAlive, Sse},
    routing::{delete, get, post, MethodRouter},
    Json, Router,
};
use banking_core::{
    model::{Account, AccountPreferences, Item, ItemWithAccounts, Role, Transaction, TransactionFilter, UserId},
    reports, LinkMetadata,
};
use chrono::{DateTime, NaiveDate, Utc};
use futures::Stream;
use leptos::prelude::*;
use rust_decimal::Decimal;
use tokio::sync::broadcast::error::RecvError;

use super::*;
use crate::{
    auth::ssr::{require, AuthSession},
    server::{auth_backend::check_role, auth_backend::SessionUser, middleware::WEBHOOK_PATH, state::AppState},
};

/// Roles that may see and change banking data.
pub const TRADERS: &[Role] = &[Role::Trader, Role::Admin];

/// Largest webhook body accepted (Plaid's are a few hundred bytes).
const WEBHOOK_BODY_LIMIT: usize = 64 * 1024;

/// For server functions: the app state and the signed-in trader or admin (401/403 otherwise).
pub async fn trader() -> Result<(AppState, SessionUser), AppError> {
    let user = require(TRADERS).await?;
    let state = use_context::<AppState>().ok_or_else(AppError::internal)?;
    Ok((state, user))
}

fn money(d: Option<Decimal>) -> Option<String> {
    d.map(|d| d.round_dp(2).to_string())
}

fn time(secs: i64) -> String {
    DateTime::<Utc>::from_timestamp(secs, 0).unwrap_or_default().to_rfc3339()
}

fn account_view(a: &Account, preferences: Option<&AccountPreferences>) -> AccountView {
    let preferences = preferences.cloned().unwrap_or_default();
    AccountView {
        account_id: a.account_id.clone(),
        name: a.name.clone(),
        mask: a.mask.clone(),
        account_type: a.account_type.clone(),
        subtype: a.subtype.clone(),
        available: money(a.available),
        current: money(a.current),
        currency: a.currency.clone(),
        as_of: time(a.fetched_at),
        balance_source: a.balance_source,
        balance_as_of: a.balance_as_of.map(time),
        nickname: preferences.nickname,
        hidden: preferences.hidden,
        in_total_cash: preferences.in_total_cash,
    }
}

/// The user's account preferences by account id.
type Preferences = std::collections::HashMap<String, AccountPreferences>;

fn item_view(item: &Item, accounts: &[Account], preferences: &Preferences) -> ItemView {
    ItemView {
        item_id: item.item_id.clone(),
        institution_name: item.institution_name.clone(),
        status: item.status,
        status_detail: item.status_detail.clone(),
        status_message: item.status_message.clone(),
        status_deadline: item.status_deadline.map(time),
        needs_update: item.needs_update,
        last_sync_at: item.last_sync_at.map(time),
        last_sync_error: item.last_sync_error.clone(),
        primary_color: item.primary_color.clone(),
        logo_url: item
            .institution_id
            .as_deref()
            .filter(|id| item.has_logo && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .map(|id| format!("/api/v1/banking/institutions/{id}/logo")),
        accounts: accounts.iter().map(|a| account_view(a, preferences.get(&a.account_id))).collect(),
    }
}

fn with_accounts(i: &ItemWithAccounts, preferences: &Preferences) -> ItemView {
    item_view(&i.item, &i.accounts, preferences)
}

fn transaction_view(t: &Transaction) -> TransactionView {
    TransactionView {
        transaction_id: t.transaction_id.clone(),
        account_id: t.account_id.clone(),
        item_id: t.item_id.clone(),
        date: t.date.to_string(),
        name: t.name.clone(),
        merchant_name: t.merchant_name.clone(),
        amount: t.amount.round_dp(2).to_string(),
        currency: t.currency.clone(),
        category: t.effective_category().map(str::to_string),
        plaid_category: t.category.clone(),
        pending: t.pending,
    }
}

/// Whether this request is a page fetched again by its own refresh
/// ([`crate::components::swap::REFRESH_HEADER`]).
pub async fn is_refresh() -> bool {
    leptos_axum::extract::<http::HeaderMap>()
        .await
        .is_ok_and(|headers| headers.contains_key(crate::components::swap::REFRESH_HEADER))
}

/// Takes one of the user's Link tokens for this minute (`LINK_TOKENS_PER_MINUTE`: each is a
/// Plaid call, so no client can make them without end); when they are used up, a clear
/// `rate_limited` error, with `Retry-After` on the response if `answer` (a request for a
/// token itself, not a page that brings one).
fn take_link_token_allowance(state: &AppState, user: UserId, answer: bool) -> Result<(), AppError> {
    let Err(wait) = state.link_tokens.take(user) else {
        return Ok(());
    };
    tracing::warn!(user, "Link token allowance used up");
    metrics::counter!("cashflow_rate_limit_refusals_total", "limit" => "link-token").increment(1);
    let secs = wait.as_secs().max(1);
    if let Some(response) = answer.then(use_context::<leptos_axum::ResponseOptions>).flatten() {
        response.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
    }
    Err(AppError::new(
        cashflow_api::ErrorCode::RateLimited,
        format!("Bank connections were started many times in a short while. Please try again in {secs} seconds."),
    ))
}

/// Link token, new or update mode, within the user's allowance
/// (counted by `take_link_token_allowance`, the one place that does).
pub async fn create_link_token(
    state: &AppState,
    user: UserId,
    item_id: Option<&str>,
    answer: bool,
) -> Result<LinkTokenView, AppError> {
    take_link_token_allowance(state, user, answer)?;
    let token = match item_id.filter(|i| !i.is_empty()) {
        Some(item) => state.banking.create_update_link_token(user, item).await?,
        None => state.banking.create_link_token(user).await?,
    };
    Ok(LinkTokenView { link_token: token.link_token, expiration: token.expiration.to_rfc3339() })
}

/// Exchange and store.
pub async fn exchange(
    state: &AppState,
    user: UserId,
    public_token: &str,
    metadata: &LinkMetadataView,
) -> Result<ItemView, AppError> {
    let metadata = LinkMetadata {
        institution_id: metadata.institution.as_ref().map(|i| i.institution_id.clone()),
        institution_name: metadata.institution.as_ref().map(|i| i.name.clone()),
        account_masks: metadata.accounts.iter().filter_map(|a| a.mask.clone()).collect(),
    };
    let item = state.banking.exchange_public_token(user, public_token, &metadata).await?;
    Ok(with_accounts(&item, &state.banking.account_preferences(user).await?))
}

/// Banks, accounts, balances.
pub async fn accounts(state: &AppState, user: UserId) -> Result<AccountsView, AppError> {
    let (items, preferences) = state.banking.accounts_and_preferences(user).await?;
    let counted = |a: &&Account| preferences.get(&a.account_id).is_none_or(|p| p.in_total_cash);
    let all: Vec<Account> = items.iter().flat_map(|i| i.accounts.iter().filter(counted).cloned()).collect();
    Ok(AccountsView {
        items: items.iter().map(|i| with_accounts(i, &preferences)).collect(),
        total_cash: reports::cash_by_currency(&all)
            .into_iter()
            .map(|(currency, amount)| CurrencyAmountView { currency, amount: amount.round_dp(2).to_string() })
            .collect(),
    })
}

/// The Link script of this mode.
pub fn link_settings(state: &AppState) -> LinkSettingsView {
    LinkSettingsView {
        link_script_url: if state.simulation {
            "/sim/link/link-initialize.js".into()
        } else {
            "https://cdn.plaid.com/link/v2/stable/link-initialize.js".into()
        },
    }
}

/// The store's filter for an API query, at most `limit` rows: empty fields do not narrow;
/// a date that is not `YYYY-MM-DD`, or a search or category too long, is a 400 naming its
/// parameter.
pub fn transaction_filter(query: TransactionsQuery, limit: u32) -> Result<TransactionFilter, AppError> {
    let invalid = |message: String| AppError::new(cashflow_api::ErrorCode::InvalidInput, message);
    let date = |v: Option<String>, name: &str| -> Result<Option<NaiveDate>, AppError> {
        v.filter(|s| !s.is_empty())
            .map(|s| s.parse().map_err(|_| invalid(format!("`{name}` must be a date like 2026-11-24"))))
            .transpose()
    };
    let text = |v: Option<String>, name: &str, max: usize| -> Result<Option<String>, AppError> {
        match v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()) {
            Some(s) if s.chars().count() > max => Err(invalid(format!("`{name}` is at most {max} characters"))),
            other => Ok(other),
        }
    };
    Ok(TransactionFilter {
        text: text(query.q, "q", 100)?,
        item_id: query.item_id.filter(|s| !s.is_empty()),
        account_id: query.account_id.filter(|s| !s.is_empty()),
        category: text(query.category, "category", 64)?,
        pending: query.pending,
        from: date(query.from, "from")?,
        to: date(query.to, "to")?,
        limit,
        offset: 0,
        sort: query.sort.unwrap_or_default(),
    })
}

/// Per-category totals over the filtered transactions, largest first.
pub async fn category_totals(
    state: &AppState,
    user: UserId,
    filter: &TransactionFilter,
) -> Result<Vec<CategoryTotalView>, AppError> {
    let exact = |d: Decimal| d.normalize().to_string();
    Ok(state
        .banking
        .category_totals(user, filter)
        .await?
        .into_iter()
        .map(|t| CategoryTotalView {
            category: t.category,
            currency: t.currency,
            count: t.count,
            money_in: exact(t.money_in),
            money_out: exact(t.money_out),
        })
        .collect())
}

/// Files one of the user's transactions under a category of theirs (`None`: Plaid's).
pub async fn set_transaction_category(
    state: &AppState,
    user: UserId,
    transaction_id: &str,
    category: Option<Category>,
) -> Result<TransactionView, AppError> {
    Ok(transaction_view(&state.banking.set_transaction_category(user, transaction_id, category).await?))
}

/// One page of transactions.
pub async fn transactions(
    state: &AppState,
    user: UserId,
    filter: &TransactionFilter,
) -> Result<Vec<TransactionView>, AppError> {
    Ok(state.banking.transactions(user, filter).await?.iter().map(transaction_view).collect())
}

/// Weekly cash flow over the last 13 weeks.
pub async fn cash_flow(state: &AppState, user: UserId) -> Result<Vec<WeekFlowView>, AppError> {
    let today = Utc::now().date_naive();
    // Simulated or delayed data can be dated after our "today": include it.
    let latest = state
        .banking
        .transactions(user, &TransactionFilter { limit: 1, ..Default::default() })
        .await?
        .first()
        .map(|t| t.date.max(today))
        .unwrap_or(today);
    Ok(state
        .banking
        .weekly_cash_flow(user, 13, latest)
        .await?
        .into_iter()
        .map(|w| WeekFlowView {
            currency: w.currency,
            week_start: w.week_start.to_string(),
            money_in: w.money_in.round_dp(2).to_string(),
            money_out: w.money_out.round_dp(2).to_string(),
        })
        .collect())
}

/// Link closed without linking: log Plaid's ids (never a token) so support can trace it.
pub fn log_link_exit(user: UserId, exit: &LinkExitView) {
    let field = |v: &Option<String>| v.as_deref().map(|s| s.chars().take(128).collect::<String>()).unwrap_or_default();
    let (code, kind, status) = (field(&exit.error_code), field(&exit.error_type), field(&exit.status));
    let (session, request, institution) =
        (field(&exit.link_session_id), field(&exit.request_id), field(&exit.institution_id));
    if exit.error_code.is_some() {
        tracing::warn!(user, error_code = %code, error_type = %kind, status = %status, link_session_id = %session,
            request_id = %request, institution_id = %institution, "Link closed on an error");
    } else {
        tracing::info!(user, status = %status, link_session_id = %session, request_id = %request,
            institution_id = %institution, "Link closed by the user");
    }
}

/// "Sync now": real-time balances with fallback, and new transactions asked of the bank.
pub async fn refresh(state: &AppState, user: UserId, item_id: &str) -> Result<RefreshView, AppError> {
    let synced = state.banking.sync_now(user, item_id).await?;
    let preferences = state.banking.account_preferences(user).await?;
    Ok(RefreshView {
        item: with_accounts(&synced.balances.item, &preferences),
        stale_reason: synced.balances.stale_reason,
        transactions_reason: synced.transactions_reason,
    })
}

/// Total cash per day over the last `days` days (400 outside [`CASH_HISTORY_DAYS`]).
pub async fn cash_history(state: &AppState, user: UserId, days: u32) -> Result<CashHistoryView, AppError> {
    if !CASH_HISTORY_DAYS.contains(&days) {
        return Err(AppError::new(
            cashflow_api::ErrorCode::InvalidInput,
            format!("`days` must be from {} to {}", CASH_HISTORY_DAYS.start(), CASH_HISTORY_DAYS.end()),
        ));
    }
    let mut series: Vec<CashSeriesView> = Vec::new();
    for point in state.banking.cash_history(user, days, Utc::now().date_naive()).await? {
        let view = CashPointView { date: point.day.to_string(), amount: point.amount.round_dp(2).to_string() };
        match series.last_mut().filter(|s| s.currency == point.currency) {
            Some(line) => line.points.push(view),
            None => series.push(CashSeriesView { currency: point.currency, points: vec![view] }),
        }
    }
    Ok(CashHistoryView { days, series })
}

/// Credit still available per currency, and every card and loan with its next payment,
/// overdue ones first, then by due date.
pub async fn liabilities(state: &AppState, user: UserId) -> Result<LiabilitiesView, AppError> {
    let (items, preferences) = state.banking.accounts_and_preferences(user).await?;
    let terms = state.banking.liabilities(user).await?;
    let mut available = std::collections::BTreeMap::<String, Decimal>::new();
    let mut listed = Vec::new();
    for item in &items {
        for account in &item.accounts {
            let credit_left = (account.account_type == "credit")
                .then(|| account.available.or_else(|| Some(account.limit? - account.current.unwrap_or_default())))
                .flatten();
            if let Some(left) = credit_left {
                *available.entry(account.currency.clone().unwrap_or_default()).or_default() += left;
            }
            let Some(terms) = terms.iter().find(|l| l.account_id == account.account_id) else { continue };
            let view = account_view(account, preferences.get(&account.account_id));
            listed.push(LiabilityView {
                account_id: account.account_id.clone(),
                item_id: item.item.item_id.clone(),
                institution_name: item.item.institution_name.clone(),
                account_name: view.display_name().to_string(),
                mask: account.mask.clone(),
                kind: terms.kind,
                currency: account.currency.clone(),
                balance: money(account.current),
                limit: money(account.limit),
                available_credit: money(credit_left),
                apr: terms.apr.map(|d| d.normalize().to_string()),
                is_overdue: terms.is_overdue.unwrap_or(false),
                minimum_payment: money(terms.minimum_payment),
                next_payment_due_date: terms.next_payment_due.map(|d| d.to_string()),
                last_payment_amount: money(terms.last_payment_amount),
                last_payment_date: terms.last_payment_date.map(|d| d.to_string()),
                last_statement_balance: money(terms.last_statement_balance),
            });
        }
    }
    listed.sort_by(|a, b| {
        (!a.is_overdue, a.next_payment_due_date.is_none(), &a.next_payment_due_date).cmp(&(
            !b.is_overdue,
            b.next_payment_due_date.is_none(),
            &b.next_payment_due_date,
        ))
    });
    Ok(LiabilitiesView {
        available_credit: available
            .into_iter()
            .map(|(currency, amount)| CurrencyAmountView { currency, amount: amount.round_dp(2).to_string() })
            .collect(),
        liabilities: listed,
    })
}

/// Investment accounts with their positions (cash apart) and the latest 50 investment
/// transactions.
pub async fn investments(state: &AppState, user: UserId) -> Result<InvestmentsView, AppError> {
    let (items, preferences) = state.banking.accounts_and_preferences(user).await?;
    let (holdings, transactions) = state.banking.investments(user, 50).await?;
    let exact = |d: Decimal| d.normalize().to_string();
    let mut accounts = Vec::new();
    for item in &items {
        for account in item.accounts.iter().filter(|a| holdings.iter().any(|h| h.account_id == a.account_id)) {
            let held: Vec<_> = holdings.iter().filter(|h| h.account_id == account.account_id).collect();
            let cash: Decimal = held.iter().filter(|h| h.is_cash).map(|h| h.value).sum();
            let positions: Decimal = held.iter().filter(|h| !h.is_cash).map(|h| h.value).sum();
            let view = account_view(account, preferences.get(&account.account_id));
            accounts.push(InvestmentAccountView {
                account_id: account.account_id.clone(),
                item_id: item.item.item_id.clone(),
                institution_name: item.item.institution_name.clone(),
                account_name: view.display_name().to_string(),
                mask: account.mask.clone(),
                currency: account.currency.clone(),
                cash: cash.round_dp(2).to_string(),
                positions_value: positions.round_dp(2).to_string(),
                total: (cash + positions).round_dp(2).to_string(),
                holdings: held
                    .iter()
                    .filter(|h| !h.is_cash)
                    .map(|h| HoldingView {
                        security_id: h.security_id.clone(),
                        ticker: h.ticker.clone(),
                        name: h.name.clone(),
                        security_type: h.security_type.clone(),
                        quantity: exact(h.quantity),
                        price: h.price.round_dp(2).to_string(),
                        price_as_of: h.price_as_of.map(|d| d.to_string()),
                        value: h.value.round_dp(2).to_string(),
                        cost_basis: money(h.cost_basis),
                        gain: money(h.cost_basis.map(|cost| h.value - cost)),
                    })
                    .collect(),
            });
        }
    }
    Ok(InvestmentsView {
        accounts,
        transactions: transactions
            .iter()
            .map(|t| InvestmentTransactionView {
                investment_transaction_id: t.investment_transaction_id.clone(),
                account_id: t.account_id.clone(),
                date: t.date.to_string(),
                name: t.name.clone(),
                kind: t.kind.clone(),
                subtype: t.subtype.clone(),
                ticker: t.ticker.clone(),
                quantity: exact(t.quantity),
                price: t.price.round_dp(2).to_string(),
                amount: t.amount.round_dp(2).to_string(),
                fees: money(t.fees),
                currency: t.currency.clone(),
            })
            .collect(),
    })
}

/// Remove a bank.
pub async fn remove(state: &AppState, user: UserId, item_id: &str) -> Result<(), AppError> {
    Ok(state.banking.remove_item(user, item_id).await?)
}

/// Update mode finished.
pub async fn complete_update(state: &AppState, user: UserId, item_id: &str) -> Result<ItemView, AppError> {
    let item = state.banking.complete_update_mode(user, item_id).await?;
    let accounts: Vec<Account> =
        state.banking.store().accounts(user).await?.into_iter().filter(|a| a.item_id == item_id).collect();
    Ok(item_view(&item, &accounts, &state.banking.account_preferences(user).await?))
}

/// Keeps a trader's choices for one account and answers the banks as they now show.
pub async fn set_account_preferences(
    state: &AppState,
    user: UserId,
    account_id: &str,
    nickname: Option<&str>,
    hidden: bool,
    in_total_cash: bool,
) -> Result<AccountsView, AppError> {
    let preferences = AccountPreferences::new(nickname, hidden, in_total_cash)?;
    state.banking.set_account_preferences(user, account_id, &preferences).await?;
    accounts(state, user).await
}

pub(super) fn rest_user(auth: &AuthSession) -> Result<SessionUser, AppError> {
    check_role(auth.user.as_ref(), TRADERS)
}

async fn refresh_by_path(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(id): Path<String>,
) -> Result<Json<RefreshView>, AppError> {
    let user = rest_user(&auth)?;
    Ok(Json(refresh(&state, user.id, &id).await?))
}

/// `GET /api/v1/banking/institutions/{id}/logo`: the institution's logo as Plaid sent it (a
/// PNG, checked when it was cached); 404 when none is cached.
async fn institution_logo(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(id): Path<String>,
) -> Result<axum::response::Response, AppError> {
    use axum::{http::header, response::IntoResponse};
    rest_user(&auth)?;
    let png =
        state.banking.institution_logo(&id).await?.ok_or_else(|| {
            AppError::new(cashflow_api::ErrorCode::NotFound, "No logo is known for that institution.")
        })?;
    Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "private, max-age=86400")], png).into_response())
}

async fn delete_by_path(
    State(state): State<AppState>,
    auth: AuthSession,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let user = rest_user(&auth)?;
    remove(&state, user.id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/banking/events`: the signed-in user's events as Server-Sent Events. Ends
/// when the user signs out, the server shuts down, or nothing was sent for the idle time
/// (the browser reconnects, and the session is checked again). Streams are capped per user
/// and in all: over the cap, 429.
async fn events(
    State(state): State<AppState>,
    auth: AuthSession,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, AppError> {
    let user = rest_user(&auth)?.id;
    let Some(slot) = state.streams.take(user) else {
        tracing::warn!(user, "live-event stream refused: at the cap");
        return Err(AppError::new(
            cashflow_api::ErrorCode::TooManyStreams,
            "Too many live connections are open. Close some tabs and reload.",
        ));
    };
    let idle = state.streams.limits().idle;
    let open = OpenStream {
        events: state.banking.events().subscribe(),
        signed_out: state.signed_out.subscribe(),
        stop: state.shutdown.clone(),
        idle_until: tokio::time::Instant::now() + idle,
        _slot: slot,
    };
    let stream = futures::stream::unfold(open, move |mut open| async move {
        let event = open.next(user).await?;
        open.idle_until = tokio::time::Instant::now() + idle;
        let data = serde_json::to_string(&event).unwrap_or_default();
        Some((Ok(SseEvent::default().event("banking").data(data)), open))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// One open event stream: what it listens to, and its slot (given back when it ends).
struct OpenStream {
    events: tokio::sync::broadcast::Receiver<banking_core::events::UserEvent>,
    signed_out: tokio::sync::broadcast::Receiver<i64>,
    stop: tokio::sync::watch::Receiver<bool>,
    idle_until: tokio::time::Instant,
    _slot: crate::server::streams::StreamSlot,
}

impl OpenStream {
    /// The next event for `user`, or `None` when the stream should end.
    async fn next(&mut self, user: i64) -> Option<banking_core::events::Event> {
        loop {
            if *self.stop.borrow() {
                return None;
            }
            tokio::select! {
                received = self.events.recv() => match received {
                    Ok(e) if e.is_for(user) => return Some(e.event),
                    Ok(_) => continue,
                    // Missed events: tell the page to reload what it shows.
                    Err(RecvError::Lagged(_)) => return Some(banking_core::events::Event::Resync),
                    Err(RecvError::Closed) => return None,
                },
                ended = self.signed_out.recv() => match ended {
                    Ok(id) if id == user => return None,
                    Ok(_) | Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return None,
                },
                _ = self.stop.changed() => return None,
                _ = tokio::time::sleep_until(self.idle_until) => return None,
            }
        }
    }
}

/// `POST /api/v1/banking/plaid/webhook`: no session. The raw body is verified before
/// anything is parsed or stored; a verified webhook is recorded, acknowledged, and acted on
/// in the background. One that cannot be verified for want of Plaid's key service, or cannot
/// be recorded (database down), gets 503, so Plaid delivers it again instead of it being lost.
async fn webhook(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = headers.get("plaid-verification").and_then(|v| v.to_str().ok());
    let verified = state.verifier.verify(header, &body).await;
    let (kind, verification) = match &verified {
        Ok(payload) => (payload.kind(), "verified"),
        Err(plaid_client::Error::Webhook(_)) => ("unknown/unknown".to_string(), "refused"),
        Err(_) => ("unknown/unknown".to_string(), "unavailable"),
    };
    let (webhook_type, webhook_code) = kind.split_once('/').unwrap_or((kind.as_str(), ""));
    metrics::counter!("cashflow_webhooks_received_total", "type" => webhook_type.to_string(),
        "code" => webhook_code.to_string(), "verification" => verification)
    .increment(1);
    match verified {
        Ok(payload) => {
            let recorded = match state.banking.record_webhook(&payload, &body).await {
                Ok(recorded) => recorded,
                Err(e) => {
                    tracing::error!(error = %e, kind = %payload.kind(), "could not record a webhook; Plaid will retry");
                    return StatusCode::SERVICE_UNAVAILABLE;
                }
            };
            let banking = state.banking.clone();
            tokio::spawn(async move {
                if let Err(e) = banking.act_on_webhook(&payload, &recorded).await {
                    tracing::warn!(error = %e, kind = %payload.kind(), "webhook handling failed");
                }
            });
            StatusCode::OK
        }
        Err(plaid_client::Error::Webhook(rejection)) => {
            tracing::warn!(%rejection, "webhook refused");
            state.banking.note_refused_webhook(&body, &rejection.to_string()).await;
            StatusCode::UNAUTHORIZED
        }
        Err(e) => {
            tracing::error!(error = %e, "could not verify a webhook: Plaid's key service is unavailable; Plaid will retry");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

/// The banking routes that are not server functions, as (path, method, handler): the router
/// is built from this list, and a test checks each is in the OpenAPI document.
pub fn rest_routes() -> Vec<(&'static str, Method, MethodRouter<AppState>)> {
    vec![
        ("/api/v1/banking/items/{id}/refresh", Method::POST, post(refresh_by_path)),
        ("/api/v1/banking/items/{id}", Method::DELETE, delete(delete_by_path)),
        ("/api/v1/banking/events", Method::GET, get(events)),
        ("/api/v1/banking/institutions/{id}/logo", Method::GET, get(institution_logo)),
        ("/api/v1/banking/transactions.csv", Method::GET, get(super::export::transactions_csv)),
        (WEBHOOK_PATH, Method::POST, post(webhook).layer(DefaultBodyLimit::max(WEBHOOK_BODY_LIMIT))),
    ]
}

/// The router of [`rest_routes`].
pub fn routes() -> Router<AppState> {
    rest_routes().into_iter().fold(Router::new(), |router, (path, _, handler)| router.route(path, handler))
}
