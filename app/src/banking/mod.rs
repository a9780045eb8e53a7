//! The banking feature: the server functions behind `/api/v1/banking/*` (one implementation
//! for the JSON API and the widget; their types are in [`cashflow_api::banking`]), and the
//! server-only glue in [`ssr`].

use cashflow_api::{banking::*, AppError};
use leptos::prelude::*;
use server_fn::codec::{GetUrl, Json};

#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub mod ssr;

/// `POST /api/v1/banking/plaid/create-link-token`: a Link token; with `item_id`, one in
/// update mode for that bank.
#[server(prefix = "/api/v1/banking/plaid", endpoint = "create-link-token", input = Json, output = Json)]
pub async fn create_link_token(#[server(default)] item_id: Option<String>) -> Result<LinkTokenView, AppError> {
    let (state, user) = ssr::trader().await?;
    ssr::create_link_token(&state, user.id, item_id.as_deref(), true).await.map_err(crate::auth::ssr::fail)
}

/// A Link token for the dashboard's Connect Bank, made while the page renders so that the
/// widget need not ask for one once it has loaded (a round trip less on a slow network).
/// `None` when the page is fetched again by a refresh (its widget stays as it is), and when
/// Plaid refused or took over a second, or the user's Link tokens for this minute are used up
/// (the widget then asks itself and shows why).
pub async fn link_token_for_page() -> Result<Option<LinkTokenView>, AppError> {
    #[cfg(feature = "ssr")]
    {
        if ssr::is_refresh().await {
            return Ok(None);
        }
        // Waited for at most a second: the page's scripts run once its HTML ends, so a slow
        // or failing Plaid (with its retries) must not hold the whole page's buttons back.
        let (state, user) = ssr::trader().await?;
        let made =
            tokio::time::timeout(PAGE_LINK_TOKEN_WAIT, ssr::create_link_token(&state, user.id, None, false)).await;
        Ok(made.ok().and_then(Result::ok))
    }
    #[cfg(not(feature = "ssr"))]
    Ok(None)
}

/// How long a page waits for its Link token before it goes without (the widget then asks).
#[cfg(feature = "ssr")]
const PAGE_LINK_TOKEN_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// `POST /api/v1/banking/plaid/exchange-public-token`: links the bank Link returned.
#[server(prefix = "/api/v1/banking/plaid", endpoint = "exchange-public-token", input = Json, output = Json)]
pub async fn exchange_public_token(
    public_token: String,
    #[server(default)] metadata: LinkMetadataView,
) -> Result<ItemView, AppError> {
    let (state, user) = ssr::trader().await?;
    ssr::exchange(&state, user.id, &public_token, &metadata).await.map_err(crate::auth::ssr::fail)
}

/// `GET /api/v1/banking/accounts`: banks, accounts and balances.
#[server(prefix = "/api/v1/banking", endpoint = "accounts", input = GetUrl, output = Json)]
pub async fn get_accounts() -> Result<AccountsView, AppError> {
    let (state, user) = ssr::trader().await?;
    ssr::accounts(&state, user.id).await.map_err(crate::auth::ssr::fail)
}

/// `GET /api/v1/banking/link-settings`: where the Link script comes from.
#[server(prefix = "/api/v1/banking", endpoint = "link-settings", input = GetUrl, output = Json)]
pub async fn link_settings() -> Result<LinkSettingsView, AppError> {
    let (state, _) = ssr::trader().await?;
    Ok(ssr::link_settings(&state))
}

/// `GET /api/v1/banking/transactions`: one page of the transactions that pass the filter
/// (text, bank, account, category, pending, dates; see [`TransactionsQuery`]), in its order.
#[server(prefix = "/api/v1/banking", endpoint = "transactions", input = GetUrl, output = Json)]
#[allow(clippy::too_many_arguments)] // the query's parameters, one argument each
pub async fn list_transactions(
    q: Option<String>,
    item_id: Option<String>,
    account_id: Option<String>,
    category: Option<String>,
    pending: Option<bool>,
    from: Option<String>,
    to: Option<String>,
    sort: Option<TransactionSort>,
    limit: Option<u32>,
    offset: Option<u32>,
) -> Result<Vec<TransactionView>, AppError> {
    let (state, user) = ssr::trader().await?;
    let query = TransactionsQuery { q, item_id, account_id, category, pending, from, to, sort };
    let page = ssr::transaction_filter(query, limit.unwrap_or(50).clamp(1, 500)).map_err(crate::auth::ssr::fail)?;
    let filter = banking_core::model::TransactionFilter { offset: offset.unwrap_or(0), ..page };
    ssr::transactions(&state, user.id, &filter).await.map_err(crate::auth::ssr::fail)
}

/// One page of [`list_transactions`] for a query (the browser's way to call it).
pub async fn transactions_page(
    query: TransactionsQuery,
    limit: u32,
    offset: u32,
) -> Result<Vec<TransactionView>, AppError> {
    let TransactionsQuery { q, item_id, account_id, category, pending, from, to, sort } = query;
    list_transactions(q, item_id, account_id, category, pending, from, to, sort, Some(limit), Some(offset)).await
}

/// `GET /api/v1/banking/transactions/categories`: money in and out per category and
/// currency over every transaction that passes the filter, largest first.
#[server(prefix = "/api/v1/banking/transactions", endpoint = "categories", input = GetUrl, output = Json)]
pub async fn category_totals(
    q: Option<String>,
    item_id: Option<String>,
    account_id: Option<String>,
    category: Option<String>,
    pending: Option<bool>,
    from: Option<String>,
    to: Option<String>,
) -> Result<Vec<CategoryTotalView>, AppError> {
    let (state, user) = ssr::trader().await?;
    let query = TransactionsQuery { q, item_id, account_id, category, pending, from, to, sort: None };
    let filter = ssr::transaction_filter(query, 1).map_err(crate::auth::ssr::fail)?;
    ssr::category_totals(&state, user.id, &filter).await.map_err(crate::auth::ssr::fail)
}

/// [`category_totals`] for a query (the browser's way to call it).
pub async fn totals_for(query: TransactionsQuery) -> Result<Vec<CategoryTotalView>, AppError> {
    let TransactionsQuery { q, item_id, account_id, category, pending, from, to, .. } = query;
    category_totals(q, item_id, account_id, category, pending, from, to).await
}

/// `POST /api/v1/banking/transactions/category`: files one of the trader's transactions under
/// one of Plaid's primary categories (absent: back to Plaid's own), kept across syncs; answers
/// it as now listed.
#[server(prefix = "/api/v1/banking/transactions", endpoint = "category", input = Json, output = Json)]
pub async fn set_transaction_category(
    transaction_id: String,
    #[server(default)] category: Option<Category>,
) -> Result<TransactionView, AppError> {
    let (state, user) = ssr::trader().await?;
    ssr::set_transaction_category(&state, user.id, &transaction_id, category).await.map_err(crate::auth::ssr::fail)
}

/// `GET /api/v1/banking/cash-flow`: money in vs out per week over the synced history.
#[server(prefix = "/api/v1/banking", endpoint = "cash-flow", input = GetUrl, output = Json)]
pub async fn cash_flow() -> Result<Vec<WeekFlowView>, AppError> {
    let (state, user) = ssr::trader().await?;
    ssr::cash_flow(&state, user.id).await.map_err(crate::auth::ssr::fail)
}

/// `GET /api/v1/banking/cash-history?days=N`: total cash per day over the last N days
/// (1-366, default 30; the dashboard offers 30, 90 and 365).
#[server(prefix = "/api/v1/banking", endpoint = "cash-history", input = GetUrl, output = Json)]
pub async fn cash_history(#[server(default)] days: Option<u32>) -> Result<CashHistoryView, AppError> {
    let (state, user) = ssr::trader().await?;
    ssr::cash_history(&state, user.id, days.unwrap_or(30)).await.map_err(crate::auth::ssr::fail)
}

/// `GET /api/v1/banking/liabilities`: the credit still available on the trader's cards, and
/// every card and loan with its APR and next payment due (overdue first, then soonest).
#[server(prefix = "/api/v1/banking", endpoint = "liabilities", input = GetUrl, output = Json)]
pub async fn liabilities() -> Result<LiabilitiesView, AppError> {
    let (state, user) = ssr::trader().await?;
    ssr::liabilities(&state, user.id).await.map_err(crate::auth::ssr::fail)
}

/// `GET /api/v1/banking/investments`: the trader's investment accounts with their positions
/// (brokerage cash apart) and their latest 50 investment transactions.
#[server(prefix = "/api/v1/banking", endpoint = "investments", input = GetUrl, output = Json)]
pub async fn investments() -> Result<InvestmentsView, AppError> {
    let (state, user) = ssr::trader().await?;
    ssr::investments(&state, user.id).await.map_err(crate::auth::ssr::fail)
}

/// "Sync now" for one bank: real-time balances, and new transactions asked of the bank
/// (also `POST /api/v1/banking/items/{id}/refresh`).
#[server(prefix = "/api/v1/banking/items", endpoint = "refresh", input = Json, output = Json)]
pub async fn refresh_item(item_id: String) -> Result<RefreshView, AppError> {
    let (state, user) = ssr::trader().await?;
    ssr::refresh(&state, user.id, &item_id).await.map_err(crate::auth::ssr::fail)
}

/// Removes one bank (also `DELETE /api/v1/banking/items/{id}`).
#[server(prefix = "/api/v1/banking/items", endpoint = "remove", input = Json, output = Json)]
pub async fn remove_item(item_id: String) -> Result<(), AppError> {
    let (state, user) = ssr::trader().await?;
    ssr::remove(&state, user.id, &item_id).await.map_err(crate::auth::ssr::fail)
}

/// `POST /api/v1/banking/accounts/preferences`: a nickname, hidden or not, counted in total
/// cash or not, for one of the trader's accounts; answers the banks as they now show.
#[server(prefix = "/api/v1/banking/accounts", endpoint = "preferences", input = Json, output = Json)]
pub async fn set_account_preferences(
    account_id: String,
    #[server(default)] nickname: Option<String>,
    hidden: bool,
    in_total_cash: bool,
) -> Result<AccountsView, AppError> {
    let (state, user) = ssr::trader().await?;
    ssr::set_account_preferences(&state, user.id, &account_id, nickname.as_deref(), hidden, in_total_cash)
        .await
        .map_err(crate::auth::ssr::fail)
}

/// `POST /api/v1/banking/plaid/link-exit`: logs why Link closed without linking.
#[server(prefix = "/api/v1/banking/plaid", endpoint = "link-exit", input = Json, output = Json)]
pub async fn report_link_exit(exit: LinkExitView) -> Result<(), AppError> {
    let (_, user) = ssr::trader().await?;
    ssr::log_link_exit(user.id, &exit);
    Ok(())
}

/// After Link succeeded in update mode: re-check the bank with Plaid and clear its flag.
#[server(prefix = "/api/v1/banking/plaid", endpoint = "update-complete", input = Json, output = Json)]
pub async fn complete_update(item_id: String) -> Result<ItemView, AppError> {
    let (state, user) = ssr::trader().await?;
    ssr::complete_update(&state, user.id, &item_id).await.map_err(crate::auth::ssr::fail)
}
