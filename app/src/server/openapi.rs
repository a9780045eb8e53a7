//! The banking API's OpenAPI 3.1 document, served at `GET /api/v1/openapi.json`.
//!
//! Every schema is generated from the `cashflow-api` types the handlers and server functions
//! use (`utoipa::ToSchema`), so the document cannot describe a field the code does not have.
//! Each operation below names its path, its request and response types and the statuses it
//! can answer with; [`SessionErrors`] adds what every signed-in route answers alike.
//! `app/tests/banking_api.rs` checks every API route is here, and `scripts/schemathesis.sh`
//! (in the test command) checks the running server against the document.

// The operation functions below exist for their `#[utoipa::path]`; nothing calls them.
#![allow(dead_code)]

use std::sync::LazyLock;

use cashflow_api::{admin::*, banking::*, events::EventHeader, AppError, ErrorBody, ErrorCode};
use utoipa::{
    openapi::{
        security::{ApiKey, ApiKeyValue, SecurityScheme},
        ContentBuilder, Ref, ResponseBuilder,
    },
    Modify, OpenApi,
};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Cash Flow banking API",
        version = "1.0.0",
        description = "JSON API of the Cash Flow app. Every route but the Plaid webhook needs a session cookie \
            (sign in at POST /api/auth/login): role trader or admin for /api/v1/banking, admin for /api/v1/admin; \
            other roles get 403, signed-out callers 401. \
            Errors are {\"error\": {\"code\", \"message\", \"request_id\"}}. State-changing requests from other \
            origins are refused (403 cross_site), except the Plaid webhook. Money is exact decimal text; Plaid's \
            sign convention holds for transactions (positive = money out)."
    ),
    paths(
        create_link_token,
        exchange_public_token,
        update_complete,
        link_exit,
        link_settings,
        accounts,
        transactions,
        category_totals,
        set_transaction_category,
        cash_flow,
        cash_history,
        liabilities,
        investments,
        account_preferences,
        refresh_item,
        remove_item,
        refresh_by_path,
        delete_by_path,
        institution_logo,
        events,
        transactions_csv,
        webhook,
        admin_banks,
        admin_audit,
        admin_sync
    ),
    components(schemas(AppError, ErrorBody, ErrorCode, EventHeader)),
    modifiers(&SessionErrors)
)]
pub struct ApiDoc;

/// `GET /api/v1/admin/banks`.
#[utoipa::path(get, path = "/api/v1/admin/banks", tag = "admin",
    params(
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "At most this many banks (default 200)"),
        ("offset" = Option<u32>, Query, description = "Banks to skip"),
    ),
    responses((status = 200, description = "Every user's banks with their health, by username; admins only (403 otherwise)", body = Vec<BankHealthView>)),
    security(("session" = [])))]
fn admin_banks() {}

/// `GET /api/v1/admin/audit`.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin",
    params(("item_id" = String, Query, description = "The bank's Plaid Item id")),
    responses((status = 200, description = "The bank's audit trail, newest first (at most 200); admins only", body = Vec<AuditEntryView>)),
    security(("session" = [])))]
fn admin_audit() {}

/// `POST /api/v1/admin/sync`.
#[utoipa::path(post, path = "/api/v1/admin/sync", tag = "admin",
    request_body = ItemRequest,
    responses(
        (status = 200, description = "Synced now (recorded in the bank's audit trail); admins only", body = AdminSyncView),
        (status = 404, description = "No such bank (`not_found`)", body = AppError),
    ),
    security(("session" = [])))]
fn admin_sync() {}

/// The document as served (built once).
pub static DOCUMENT: LazyLock<String> =
    LazyLock::new(|| ApiDoc::openapi().to_json().expect("the OpenAPI document serialises"));

/// The event stream's types, for their JSON Schema.
#[derive(OpenApi)]
#[openapi(components(schemas(
    cashflow_api::stream::StreamEvent,
    cashflow_api::stream::Change,
    cashflow_api::stream::StreamTransaction,
    cashflow_api::stream::StreamAccount,
    cashflow_api::stream::StreamHolding,
    cashflow_api::stream::StreamInvestmentTransaction,
    cashflow_api::stream::StreamLiability,
    ItemStatus,
    BalanceSource,
    cashflow_api::banking::LiabilityKind
)))]
struct EventsDoc;

/// The JSON Schema (2020-12) of the event stream's messages, generated from the
/// `cashflow_api::stream` types: `docs/events.schema.json` (a test keeps the file in step).
pub fn events_schema() -> String {
    let components = EventsDoc::openapi().components.expect("the event types are components");
    let defs = serde_json::to_value(&components.schemas).expect("schemas serialise");
    let schema = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://cashflow.example/schemas/events.schema.json",
        "title": "Cash Flow banking event (NATS JetStream stream BANKING, subject banking.<user_id>.<type>)",
        "$ref": "#/$defs/StreamEvent",
        "$defs": defs,
    });
    let text = serde_json::to_string_pretty(&schema).expect("the schema serialises");
    text.replace("#/components/schemas/", "#/$defs/")
}

/// Adds the session cookie scheme, and to every operation that needs a session the statuses
/// the session and origin checks answer with (401 signed out, 403 wrong role or cross-site);
/// to every operation with a body, 400 (unreadable) and 413 (over 64 KiB).
struct SessionErrors;

impl Modify for SessionErrors {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("cashflow_session"))),
        );
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(Ref::from_schema_name("AppError"))).build(),
                )
                .build()
        };
        for item in doc.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.post, &mut item.delete];
            for operation in operations.into_iter().flatten() {
                let responses = &mut operation.responses.responses;
                if operation.security.is_some() {
                    responses.entry("401".into()).or_insert_with(|| error("Not signed in (`unauthorized`)").into());
                    responses.entry("403".into()).or_insert_with(|| {
                        error("Signed in without the trader or admin role (`forbidden`), or sent from another site (`cross_site`)")
                            .into()
                    });
                }
                if operation.request_body.is_some() {
                    responses
                        .entry("400".into())
                        .or_insert_with(|| error("The body is not the JSON described (`invalid_input`)").into());
                    responses.entry("413".into()).or_insert_with(|| error("The body is over 64 KiB").into());
                }
            }
        }
    }
}

/// `POST /api/v1/banking/plaid/create-link-token`.
#[utoipa::path(post, path = "/api/v1/banking/plaid/create-link-token", tag = "link",
    request_body = CreateLinkTokenRequest,
    responses(
        (status = 200, description = "A Link token for `Plaid.create`", body = LinkTokenView),
        (status = 404, description = "Update mode for a bank the user has not linked (`not_found`)", body = AppError),
        (status = 429, description = "Too many Link tokens asked for at once (`busy`), or this user's `LINK_TOKENS_PER_MINUTE` used up (`rate_limited`, with `Retry-After`)", body = AppError),
        (status = 502, description = "Plaid refused (`plaid_error`)", body = AppError),
        (status = 503, description = "Plaid cannot be reached (`plaid_unavailable`)", body = AppError),
    ),
    security(("session" = [])))]
fn create_link_token() {}

/// `POST /api/v1/banking/plaid/exchange-public-token`.
#[utoipa::path(post, path = "/api/v1/banking/plaid/exchange-public-token", tag = "link",
    request_body = ExchangePublicTokenRequest,
    responses(
        (status = 200, description = "The bank just linked, with its accounts", body = ItemView),
        (status = 400, description = "A malformed or expired public token (`invalid_input`); nothing stored", body = AppError),
        (status = 409, description = "This bank is already linked (`duplicate_item`, with `existing_item_id`)", body = AppError),
        (status = 429, description = "Too many links at once (`busy`)", body = AppError),
        (status = 502, description = "Plaid refused (`plaid_error`)", body = AppError),
        (status = 503, description = "Plaid cannot be reached (`plaid_unavailable`)", body = AppError),
    ),
    security(("session" = [])))]
fn exchange_public_token() {}

/// `POST /api/v1/banking/plaid/update-complete`.
#[utoipa::path(post, path = "/api/v1/banking/plaid/update-complete", tag = "link",
    request_body = ItemRequest,
    responses(
        (status = 200, description = "The bank after update mode, syncing again", body = ItemView),
        (status = 404, description = "No such bank of this user (`not_found`)", body = AppError),
        (status = 502, description = "Plaid refused (`plaid_error`)", body = AppError),
        (status = 503, description = "Plaid cannot be reached (`plaid_unavailable`)", body = AppError),
    ),
    security(("session" = [])))]
fn update_complete() {}

/// `POST /api/v1/banking/plaid/link-exit`.
#[utoipa::path(post, path = "/api/v1/banking/plaid/link-exit", tag = "link",
    request_body = LinkExitRequest,
    responses((status = 200, description = "Logged (Plaid's ids only)", body = ())),
    security(("session" = [])))]
fn link_exit() {}

/// `GET /api/v1/banking/link-settings`.
#[utoipa::path(get, path = "/api/v1/banking/link-settings", tag = "link",
    responses((status = 200, description = "Where the browser loads Link from", body = LinkSettingsView)),
    security(("session" = [])))]
fn link_settings() {}

/// `GET /api/v1/banking/accounts`.
#[utoipa::path(get, path = "/api/v1/banking/accounts", tag = "banking",
    responses((status = 200, description = "Linked banks, their accounts and balances, and total cash per currency", body = AccountsView)),
    security(("session" = [])))]
fn accounts() {}

/// `GET /api/v1/banking/transactions`.
#[utoipa::path(get, path = "/api/v1/banking/transactions", tag = "banking",
    params(TransactionsQuery, PageQuery),
    responses(
        (status = 200, description = "One page of the transactions that pass the filter, in its order (newest first \
            by default)", body = Vec<TransactionView>),
        (status = 400, description = "A date that is not YYYY-MM-DD, a search over 100 or a category over 64 \
            characters (`invalid_input`)", body = AppError),
    ),
    security(("session" = [])))]
fn transactions() {}

/// `GET /api/v1/banking/transactions/categories`.
#[utoipa::path(get, path = "/api/v1/banking/transactions/categories", tag = "banking",
    params(TransactionsQuery),
    responses(
        (status = 200, description = "Money in and out per category (the trader's, else Plaid's) and currency over \
            every transaction that passes the filter, largest first; exact decimals", body = Vec<CategoryTotalView>),
        (status = 400, description = "A date that is not YYYY-MM-DD, a search over 100 or a category over 64 \
            characters (`invalid_input`)", body = AppError),
    ),
    security(("session" = [])))]
fn category_totals() {}

/// `POST /api/v1/banking/transactions/category`.
#[utoipa::path(post, path = "/api/v1/banking/transactions/category", tag = "banking",
    request_body = RecategoriseRequest,
    responses(
        (status = 200, description = "Filed under the category (kept across syncs, and when a pending transaction \
            posts); the transaction as now listed", body = TransactionView),
        (status = 404, description = "No such transaction of this user (`not_found`)", body = AppError),
    ),
    security(("session" = [])))]
fn set_transaction_category() {}

/// `GET /api/v1/banking/cash-flow`.
#[utoipa::path(get, path = "/api/v1/banking/cash-flow", tag = "banking",
    responses((status = 200, description = "Money in and out per week and currency, the last 13 weeks", body = Vec<WeekFlowView>)),
    security(("session" = [])))]
fn cash_flow() {}

/// `GET /api/v1/banking/liabilities`.
#[utoipa::path(get, path = "/api/v1/banking/liabilities", tag = "banking",
    responses((status = 200, description = "Credit still available per currency, and every card and loan with its APR \
        and next payment due (overdue first, then soonest), from Plaid's /liabilities/get", body = LiabilitiesView)),
    security(("session" = [])))]
fn liabilities() {}

/// `GET /api/v1/banking/investments`.
#[utoipa::path(get, path = "/api/v1/banking/investments", tag = "banking",
    responses((status = 200, description = "Investment accounts with brokerage cash apart from their positions \
        (value, cost basis, gain), and the latest 50 investment transactions, from Plaid's /investments/*", body = InvestmentsView)),
    security(("session" = [])))]
fn investments() {}

/// `GET /api/v1/banking/cash-history`.
#[utoipa::path(get, path = "/api/v1/banking/cash-history", tag = "banking",
    params(("days" = Option<u32>, Query, minimum = 1, maximum = 366,
        description = "Days up to today (UTC) the history covers; 30 when absent")),
    responses(
        (status = 200, description = "Total cash per day and currency, from the balances kept each day", body = CashHistoryView),
        (status = 400, description = "`days` outside 1-366 (`invalid_input`)", body = AppError),
    ),
    security(("session" = [])))]
fn cash_history() {}

/// `POST /api/v1/banking/accounts/preferences`.
#[utoipa::path(post, path = "/api/v1/banking/accounts/preferences", tag = "banking",
    request_body = AccountPreferencesRequest,
    responses(
        (status = 200, description = "Kept (across syncs and re-links); the banks as they now show", body = AccountsView),
        (status = 400, description = "A nickname over 60 characters or with a line break (`invalid_input`)", body = AppError),
        (status = 404, description = "No such account of this user (`not_found`)", body = AppError),
    ),
    security(("session" = [])))]
fn account_preferences() {}

/// `POST /api/v1/banking/items/refresh` (the widget's form of the path below).
#[utoipa::path(post, path = "/api/v1/banking/items/refresh", tag = "banking",
    request_body = ItemRequest,
    responses(
        (status = 200, description = "Sync now: balances asked of the bank now (or the last known with why), \
            and new transactions asked of the bank (or why not)", body = RefreshView),
        (status = 404, description = "No such bank of this user (`not_found`)", body = AppError),
        (status = 429, description = "Refreshed moments ago (`rate_limited`)", body = AppError),
    ),
    security(("session" = [])))]
fn refresh_item() {}

/// `POST /api/v1/banking/items/remove` (the widget's form of the path below).
#[utoipa::path(post, path = "/api/v1/banking/items/remove", tag = "banking",
    request_body = ItemRequest,
    responses(
        (status = 200, description = "Removed at Plaid and here, with its accounts and transactions", body = ()),
        (status = 404, description = "No such bank of this user (`not_found`)", body = AppError),
    ),
    security(("session" = [])))]
fn remove_item() {}

/// `POST /api/v1/banking/items/{id}/refresh`.
#[utoipa::path(post, path = "/api/v1/banking/items/{id}/refresh", tag = "banking",
    params(("id" = String, Path, description = "The bank's Plaid Item id")),
    responses(
        (status = 200, description = "Sync now: balances asked of the bank now (or the last known with why), \
            and new transactions asked of the bank (or why not)", body = RefreshView),
        (status = 404, description = "No such bank of this user (`not_found`)", body = AppError),
        (status = 429, description = "Refreshed moments ago (`rate_limited`)", body = AppError),
    ),
    security(("session" = [])))]
fn refresh_by_path() {}

/// `DELETE /api/v1/banking/items/{id}`.
#[utoipa::path(delete, path = "/api/v1/banking/items/{id}", tag = "banking",
    params(("id" = String, Path, description = "The bank's Plaid Item id")),
    responses(
        (status = 204, description = "Removed at Plaid and here, with its accounts and transactions"),
        (status = 404, description = "No such bank of this user (`not_found`)", body = AppError),
    ),
    security(("session" = [])))]
fn delete_by_path() {}

/// `GET /api/v1/banking/institutions/{id}/logo`.
#[utoipa::path(get, path = "/api/v1/banking/institutions/{id}/logo", tag = "banking",
    params(("id" = String, Path, description = "Plaid's institution id (a bank's `logo_url` names it)")),
    responses(
        (status = 200, description = "The institution's logo, as Plaid sent it", content_type = "image/png", body = Vec<u8>),
        (status = 404, description = "No logo known for that institution (`not_found`)", body = AppError),
    ),
    security(("session" = [])))]
fn institution_logo() {}

/// `GET /api/v1/banking/transactions.csv`.
#[utoipa::path(get, path = "/api/v1/banking/transactions.csv", tag = "banking",
    params(TransactionsQuery),
    responses(
        (status = 200, description = "Every transaction that passes the filter, in its order, as CSV (RFC 4180, \
            UTF-8, CRLF): date, authorized_date, description, merchant, category (the trader's, else Plaid's), \
            account, account_id, amount (exact, positive = money out), currency, pending, transaction_id",
            content_type = "text/csv", body = String),
        (status = 400, description = "A date that is not YYYY-MM-DD, a search or category too long, or more than \
            100,000 transactions (`invalid_input`)", body = AppError),
    ),
    security(("session" = [])))]
fn transactions_csv() {}

/// `GET /api/v1/banking/events`.
#[utoipa::path(get, path = "/api/v1/banking/events", tag = "banking",
    responses(
        (status = 200, description = "Server-Sent Events named `banking`; each one's data is JSON with a `type` and \
            that kind's fields (`item_id`, and `status`, `counts` or `message` for some). Ends on sign-out, shutdown \
            or when idle; the browser reconnects.", content_type = "text/event-stream", body = EventHeader),
        (status = 429, description = "Too many live connections open (`too_many_streams`)", body = AppError),
    ),
    security(("session" = [])))]
fn events() {}

/// `POST /api/v1/banking/plaid/webhook`.
#[utoipa::path(post, path = "/api/v1/banking/plaid/webhook", tag = "plaid",
    params(("Plaid-Verification" = String, Header, description = "Plaid's JWT over the body's SHA-256")),
    request_body(content = Object, description = "Plaid's webhook JSON, verified before it is read"),
    responses(
        (status = 200, description = "Verified and recorded"),
        (status = 401, description = "Not signed by Plaid"),
        (status = 413, description = "Over 64 KiB"),
        (status = 429, description = "Too many webhooks from this address"),
        (status = 503, description = "Cannot be verified or recorded now; Plaid delivers it again"),
    ))]
fn webhook() {}

#[cfg(test)]
mod tests {
    #[test]
    fn the_checked_in_event_schema_is_the_generated_one() {
        let file = include_str!("../../../docs/events.schema.json");
        assert_eq!(
            file.trim_end(),
            super::events_schema(),
            "docs/events.schema.json is stale: regenerate it with \
             `cargo run -p app --features ssr -- events schema > docs/events.schema.json`"
        );
    }
}
