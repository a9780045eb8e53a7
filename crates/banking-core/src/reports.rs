//! Figures derived from stored data: cash across accounts and money in/out per week, each
//! per currency (amounts in different currencies are never added together).

use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::Decimal;

use crate::{
    model::{Account, UserId},
    service::BankingService,
    Result,
};

/// Money in and out during one week (Monday start), over depository accounts, in one
/// currency.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekFlow {
    /// ISO currency code of the amounts (empty when Plaid gave none).
    pub currency: String,
    /// Monday of the week.
    pub week_start: NaiveDate,
    /// Money received (deposits, payroll, transfers in).
    pub money_in: Decimal,
    /// Money spent or sent.
    pub money_out: Decimal,
}

/// Current balances of depository accounts (cash) summed per currency, in currency order.
pub fn cash_by_currency(accounts: &[Account]) -> Vec<(String, Decimal)> {
    let mut totals = std::collections::BTreeMap::<String, Decimal>::new();
    for a in accounts.iter().filter(|a| a.account_type == "depository") {
        let total = totals.entry(a.currency.clone().unwrap_or_default()).or_default();
        *total += a.current.unwrap_or_default();
    }
    totals.into_iter().collect()
}

impl BankingService {
    /// Money in vs out per week over the last `weeks` weeks up to `today`, from posted and
    /// pending transactions of depository accounts only: card spending shows up when the card
    /// is paid from checking, so counting cards too would count it twice. One series of
    /// `weeks` weeks per currency of those accounts, in currency order.
    pub async fn weekly_cash_flow(&self, user: UserId, weeks: u32, today: NaiveDate) -> Result<Vec<WeekFlow>> {
        let weeks = weeks.clamp(1, 52);
        let this_monday = today - Duration::days(today.weekday().num_days_from_monday() as i64);
        let first = this_monday - Duration::weeks(i64::from(weeks) - 1);
        let cash_accounts: std::collections::HashMap<String, String> = self
            .inner
            .store
            .accounts(user)
            .await?
            .into_iter()
            .filter(|a| a.account_type == "depository")
            .map(|a| (a.account_id, a.currency.unwrap_or_default()))
            .collect();
        let mut currencies: Vec<&String> = cash_accounts.values().collect();
        currencies.sort();
        currencies.dedup();
        let mut flows: Vec<WeekFlow> = currencies
            .iter()
            .flat_map(|currency| {
                (0..weeks).map(move |w| WeekFlow {
                    currency: currency.to_string(),
                    week_start: first + Duration::weeks(i64::from(w)),
                    money_in: Decimal::ZERO,
                    money_out: Decimal::ZERO,
                })
            })
            .collect();
        for day in self.inner.store.daily_flows(user, first, today).await? {
            let Some(account_currency) = cash_accounts.get(&day.account_id) else {
                continue;
            };
            let currency = day.currency.as_ref().unwrap_or(account_currency);
            let Some(series) = currencies.iter().position(|c| *c == currency) else {
                continue;
            };
            let index = series * weeks as usize + ((day.date - first).num_days() / 7) as usize;
            if let Some(week) = flows.get_mut(index) {
                week.money_in += day.money_in;
                week.money_out += day.money_out;
            }
        }
        Ok(flows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cash_counts_depository_only_and_never_adds_currencies() {
        let account = |kind: &str, current: i64, currency: &str| Account {
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
            currency: Some(currency.into()),
            balance_as_of: None,
            fetched_at: 0,
            balance_source: crate::model::BalanceSource::Sync,
        };
        let accounts = [
            account("depository", 10050, "USD"),
            account("credit", 99999, "USD"),
            account("depository", 2000, "USD"),
            account("depository", 70000, "CAD"),
        ];
        assert_eq!(
            cash_by_currency(&accounts),
            vec![("CAD".to_string(), Decimal::new(70000, 2)), ("USD".to_string(), Decimal::new(12050, 2))]
        );
    }
}
