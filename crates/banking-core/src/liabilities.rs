//! Credit cards and loans: their terms and payments due from Plaid's `/liabilities/get`,
//! fetched by a sync at most once a day and whenever Plaid's LIABILITIES webhook says they
//! changed.

use chrono::Utc;
use plaid_client::api::{LiabilitiesGetRequest, LiabilitiesObject};

use crate::{
    model::{Liability, LiabilityKind, UserId},
    service::BankingService,
    store::{leases::ItemCall, StoredItem},
    Result,
};

impl BankingService {
    /// The user's credit cards' and loans' terms, soonest payment first.
    pub async fn liabilities(&self, user: UserId) -> Result<Vec<Liability>> {
        self.inner.store.liabilities(user).await
    }

    /// Fetches the Item's liabilities when it has a credit or loan account: with `announced`
    /// (Plaid's webhook) always, otherwise when not fetched within a day (any instance).
    /// Plaid saying the Item has none is not an error; another refusal is noted on the Item
    /// and what was kept stays.
    pub(crate) async fn refresh_liabilities(&self, stored: &StoredItem, announced: bool) -> Result<()> {
        let (user, item_id) = (stored.item.user_id, stored.item.item_id.as_str());
        let now = Utc::now().timestamp();
        if !self.product_fetch_due(stored, &["credit", "loan"], ItemCall::Liabilities, announced, now).await? {
            return Ok(());
        }
        let token = self.token(stored).await?;
        match self.inner.plaid.send(&LiabilitiesGetRequest::new(&token)).await {
            Ok(response) => {
                let liabilities = from_plaid(item_id, &response.liabilities);
                self.inner.store.replace_liabilities(user, item_id, &liabilities, now).await?;
                tracing::info!(item_id, liabilities = liabilities.len(), "liabilities fetched");
                self.product_stored(stored).await;
                Ok(())
            }
            Err(e) => self.product_refused(stored, "liabilities", e).await,
        }
    }
}

/// Our records of Plaid's liabilities: a card's purchase APR (else its first), a loan's
/// interest rate; a mortgage's monthly payment as its payment due, overdue when past due.
fn from_plaid(item_id: &str, plaid: &LiabilitiesObject) -> Vec<Liability> {
    let mut kept = Vec::new();
    for card in plaid.credit.iter().flatten() {
        let Some(account_id) = card.account_id.clone() else { continue };
        let apr = card.aprs.iter().find(|a| a.apr_type == "purchase_apr").or(card.aprs.first());
        kept.push(Liability {
            account_id,
            item_id: item_id.to_string(),
            kind: LiabilityKind::Credit,
            apr: apr.map(|a| a.apr_percentage),
            is_overdue: card.is_overdue,
            minimum_payment: card.minimum_payment_amount,
            next_payment_due: card.next_payment_due_date,
            last_payment_amount: card.last_payment_amount,
            last_payment_date: card.last_payment_date,
            last_statement_balance: card.last_statement_balance,
        });
    }
    for loan in plaid.mortgage.iter().flatten() {
        kept.push(Liability {
            account_id: loan.account_id.clone(),
            item_id: item_id.to_string(),
            kind: LiabilityKind::Mortgage,
            apr: loan.interest_rate.percentage,
            is_overdue: loan.past_due_amount.map(|d| d > rust_decimal::Decimal::ZERO),
            minimum_payment: loan.next_monthly_payment,
            next_payment_due: loan.next_payment_due_date,
            last_payment_amount: loan.last_payment_amount,
            last_payment_date: loan.last_payment_date,
            last_statement_balance: None,
        });
    }
    for loan in plaid.student.iter().flatten() {
        let Some(account_id) = loan.account_id.clone() else { continue };
        kept.push(Liability {
            account_id,
            item_id: item_id.to_string(),
            kind: LiabilityKind::Student,
            apr: Some(loan.interest_rate_percentage),
            is_overdue: loan.is_overdue,
            minimum_payment: loan.minimum_payment_amount,
            next_payment_due: loan.next_payment_due_date,
            last_payment_amount: loan.last_payment_amount,
            last_payment_date: loan.last_payment_date,
            last_statement_balance: None,
        });
    }
    kept
}
