//! Brokerage accounts: positions (brokerage cash apart) and investment transactions from
//! Plaid's `/investments/holdings/get` and `/investments/transactions/get`, fetched by a sync
//! at most once a day and whenever Plaid's HOLDINGS or INVESTMENTS_TRANSACTIONS webhook says
//! they changed.

use std::collections::HashMap;

use chrono::{Duration, Utc};
use plaid_client::{
    api::{
        InvestmentsHoldingsGetRequest, InvestmentsTransactionsGetRequest, InvestmentsTransactionsGetRequestOptions,
        Security,
    },
    AccessToken,
};

use crate::{
    model::{Holding, InvestmentTransaction, UserId},
    service::BankingService,
    store::{leases::ItemCall, StoredItem},
    Result,
};

/// Investment transactions are fetched for this many days back.
const WINDOW_DAYS: i64 = 90;
/// And this many days ahead (settlement dates).
const AHEAD_DAYS: i64 = 14;
/// One page of investment transactions, and the most pages read per fetch.
const PAGE: u32 = 500;
const MAX_PAGES: u32 = 20;

impl BankingService {
    /// The user's positions (by account, cash first, then largest) and latest `limit`
    /// investment transactions.
    pub async fn investments(&self, user: UserId, limit: u32) -> Result<(Vec<Holding>, Vec<InvestmentTransaction>)> {
        let holdings = self.inner.store.holdings(user).await?;
        let transactions = self.inner.store.investment_transactions(user, limit.clamp(1, 500)).await?;
        Ok((holdings, transactions))
    }

    /// Fetches the Item's positions and its last 90 days of investment transactions when it
    /// has an investment account: with `announced` (Plaid's webhook) always, otherwise when
    /// not fetched within a day (any instance). Plaid saying the Item has none is not an
    /// error; another refusal is noted on the Item and what was kept stays.
    pub(crate) async fn refresh_investments(&self, stored: &StoredItem, announced: bool) -> Result<()> {
        let (user, item_id) = (stored.item.user_id, stored.item.item_id.as_str());
        let now = Utc::now();
        let types = ["investment", "brokerage"];
        if !self.product_fetch_due(stored, &types, ItemCall::Investments, announced, now.timestamp()).await? {
            return Ok(());
        }
        let token = self.token(stored).await?;
        match self.fetch_investments(&token, item_id, now).await {
            Ok((holdings, transactions)) => {
                let (from, store) = (now.date_naive() - Duration::days(WINDOW_DAYS), &self.inner.store);
                store.replace_holdings(user, item_id, &holdings, now.timestamp()).await?;
                store.replace_investment_transactions(user, item_id, from, &transactions).await?;
                let (holdings, transactions) = (holdings.len(), transactions.len());
                tracing::info!(item_id, holdings, transactions, "investments fetched");
                self.product_stored(stored).await;
                Ok(())
            }
            Err(e) => self.product_refused(stored, "investments", e).await,
        }
    }

    /// The Item's positions and its investment transactions of the window, from Plaid.
    async fn fetch_investments(
        &self,
        token: &AccessToken,
        item_id: &str,
        now: chrono::DateTime<Utc>,
    ) -> std::result::Result<(Vec<Holding>, Vec<InvestmentTransaction>), plaid_client::Error> {
        let held = self.inner.plaid.send(&InvestmentsHoldingsGetRequest::new(token)).await?;
        let securities = by_id(&held.securities);
        let holdings: Vec<Holding> = held
            .holdings
            .iter()
            .map(|h| {
                let security = securities.get(h.security_id.as_str());
                Holding {
                    account_id: h.account_id.clone(),
                    item_id: item_id.to_string(),
                    security_id: h.security_id.clone(),
                    ticker: security.and_then(|s| s.ticker_symbol.clone()),
                    name: security.and_then(|s| s.name.clone()),
                    security_type: security.and_then(|s| s.security_type.clone()),
                    is_cash: security.is_some_and(|s| s.is_cash_equivalent == Some(true)),
                    quantity: h.quantity,
                    price: h.institution_price,
                    price_as_of: h.institution_price_as_of,
                    value: h.institution_value,
                    cost_basis: h.cost_basis,
                    currency: h.iso_currency_code.clone().or_else(|| h.unofficial_currency_code.clone()),
                }
            })
            .collect();
        // A trade may be dated by its settlement, after our today: the window reaches ahead.
        let start = now.date_naive() - Duration::days(WINDOW_DAYS);
        let end = now.date_naive() + Duration::days(AHEAD_DAYS);
        let mut transactions = Vec::new();
        for page in 0..MAX_PAGES {
            let request = InvestmentsTransactionsGetRequest {
                access_token: token.clone(),
                start_date: start,
                end_date: end,
                options: Some(InvestmentsTransactionsGetRequestOptions {
                    count: Some(PAGE),
                    offset: Some(page * PAGE),
                    ..Default::default()
                }),
            };
            let response = self.inner.plaid.send(&request).await?;
            let securities = by_id(&response.securities);
            let got = response.investment_transactions.len();
            transactions.extend(response.investment_transactions.iter().map(|t| InvestmentTransaction {
                investment_transaction_id: t.investment_transaction_id.clone(),
                account_id: t.account_id.clone(),
                item_id: item_id.to_string(),
                date: t.date,
                name: t.name.clone(),
                kind: t.transaction_type.clone(),
                subtype: t.subtype.clone(),
                ticker:
                    t.security_id.as_deref().and_then(|id| securities.get(id)).and_then(|s| s.ticker_symbol.clone()),
                quantity: t.quantity,
                price: t.price,
                amount: t.amount,
                fees: t.fees,
                currency: t.iso_currency_code.clone(),
            }));
            if got == 0 || transactions.len() >= response.total_investment_transactions as usize {
                break;
            }
        }
        Ok((holdings, transactions))
    }
}

fn by_id(securities: &[Security]) -> HashMap<&str, &Security> {
    securities.iter().map(|s| (s.security_id.as_str(), s)).collect()
}
