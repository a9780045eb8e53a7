//! Figures derived from stored data: cash across accounts and money in/out per week.

use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::Decimal;

use crate::{
    model::{Account, TransactionFilter, UserId},
    service::BankingService,
    Result,
};

/// Money in and out during one week (Monday start), over depository accounts.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekFlow {
    /// Monday of the week.
    pub week_start: NaiveDate,
    /// Money received (deposits, payroll, transfers in).
    pub money_in: Decimal,
    /// Money spent or sent.
    pub money_out: Decimal,
}

/// Sum of current balances of depository accounts (cash), per the stored balances.
pub fn total_cash(accounts: &[Account]) -> Decimal {
    accounts.iter().filter(|a| a.account_type == "depository").filter_map(|a| a.current).sum()
}

impl BankingService {
    /// Money in vs out per week over the last `weeks` weeks up to `today`, from posted and
    /// pending transactions of depository accounts only: card spending shows up when the card
    /// is paid from checking, so counting cards too would count it twice.
    pub async fn weekly_cash_flow(&self, user: UserId, weeks: u32, today: NaiveDate) -> Result<Vec<WeekFlow>> {
        let weeks = weeks.clamp(1, 52);
        let this_monday = today - Duration::days(today.weekday().num_days_from_monday() as i64);
        let first = this_monday - Duration::weeks(i64::from(weeks) - 1);
        let cash_accounts: Vec<String> = self
            .inner
            .store
            .accounts(user)
            .await?
            .into_iter()
            .filter(|a| a.account_type == "depository")
            .map(|a| a.account_id)
            .collect();
        let mut flows: Vec<WeekFlow> = (0..weeks)
            .map(|w| WeekFlow {
                week_start: first + Duration::weeks(i64::from(w)),
                money_in: Decimal::ZERO,
                money_out: Decimal::ZERO,
            })
            .collect();
        let mut offset = 0;
        loop {
            let page = self
                .inner
                .store
                .transactions(
                    user,
                    &TransactionFilter { from: Some(first), to: Some(today), limit: 500, offset, ..Default::default() },
                )
                .await?;
            for t in page.iter().filter(|t| cash_accounts.contains(&t.account_id)) {
                let index = ((t.date - first).num_days() / 7) as usize;
                if let Some(week) = flows.get_mut(index) {
                    if t.amount < Decimal::ZERO {
                        week.money_in -= t.amount;
                    } else {
                        week.money_out += t.amount;
                    }
                }
            }
            if page.len() < 500 {
                break;
            }
            offset += 500;
        }
        Ok(flows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_cash_counts_depository_only() {
        let account = |kind: &str, current: i64| Account {
            account_id: kind.into(),
            item_id: "i".into(),
            name: kind.into(),
            official_name: None,
            mask: None,
            account_type: kind.into(),
            subtype: None,
            available: None,
            current: Some(Decimal::new(current, 2)),
            limit: None,
            currency: Some("USD".into()),
            balance_as_of: None,
            fetched_at: 0,
        };
        let accounts = [account("depository", 10050), account("credit", 99999), account("depository", 2000)];
        assert_eq!(total_cash(&accounts), Decimal::new(12050, 2));
    }
}
