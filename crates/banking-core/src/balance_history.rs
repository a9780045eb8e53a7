//! Cash over time: the daily balance snapshots kept, pruned and summed into total cash per
//! day and currency.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::{
    model::{BalanceSnapshot, SnapshotSource, UserId},
    service::BankingService,
    Result,
};

/// Daily snapshots are kept this many days (a year's chart, and some).
const DAILY_RETENTION_DAYS: i64 = 400;
/// Real-time snapshots are kept this many days.
const REALTIME_RETENTION_DAYS: i64 = 35;

/// Total cash on one day in one currency.
#[derive(Debug, Clone, PartialEq)]
pub struct CashOnDay {
    /// ISO currency code (empty when Plaid gave none).
    pub currency: String,
    /// The UTC day.
    pub day: NaiveDate,
    /// Current balances of the counted accounts as last known that day, summed.
    pub amount: Decimal,
}

impl BankingService {
    /// Total cash per day over the `days` (1..=366) days up to `today`, per currency (in
    /// currency order, oldest day first): the accounts counted in total cash today, each at
    /// its last known balance of the day. Days before the first snapshot are left out.
    pub async fn cash_history(&self, user: UserId, days: u32, today: NaiveDate) -> Result<Vec<CashOnDay>> {
        let from = today - Duration::days(i64::from(days.clamp(1, 366)) - 1);
        let snapshots = self.inner.store.balance_snapshots(user, SnapshotSource::Daily, from).await?;
        Ok(cash_per_day(&snapshots, from, today))
    }

    /// Once per UTC day and process: takes today's snapshot of every account without a
    /// balance write today, and prunes snapshots and audit entries past their retention. Run
    /// by the safety net.
    pub async fn daily_upkeep(&self) -> Result<u64> {
        let now = Utc::now();
        let today = now.date_naive();
        if *self.inner.history_kept_on.lock().unwrap_or_else(|e| e.into_inner()) == Some(today) {
            return Ok(0);
        }
        let taken = self.inner.store.take_daily_snapshots(today, now.timestamp()).await?;
        let pruned = self
            .inner
            .store
            .prune_balance_snapshots(
                today - Duration::days(DAILY_RETENTION_DAYS),
                today - Duration::days(REALTIME_RETENTION_DAYS),
            )
            .await?;
        let audit = self.prune_audit().await?;
        if pruned + audit > 0 {
            tracing::info!(snapshots = pruned, audit_entries = audit, "records past retention deleted");
        }
        *self.inner.history_kept_on.lock().unwrap_or_else(|e| e.into_inner()) = Some(today);
        Ok(taken)
    }
}

/// Sums the counted accounts' balances per day from `from` to `to`, carrying each account's
/// last snapshot forward over days without one. `snapshots` are oldest first.
pub fn cash_per_day(snapshots: &[BalanceSnapshot], from: NaiveDate, to: NaiveDate) -> Vec<CashOnDay> {
    let counted: Vec<&BalanceSnapshot> = snapshots.iter().filter(|s| s.counted && s.day <= to).collect();
    let Some(first) = counted.first() else { return Vec::new() };
    let mut latest: HashMap<&str, (&str, Decimal)> = HashMap::new();
    let mut series: BTreeMap<&str, Vec<CashOnDay>> = BTreeMap::new();
    let mut next = 0;
    let mut day = first.day.max(from);
    while day <= to {
        while let Some(s) = counted.get(next).filter(|s| s.day <= day) {
            latest.insert(&s.account_id, (s.currency.as_deref().unwrap_or(""), s.current.unwrap_or_default()));
            next += 1;
        }
        let mut totals: BTreeMap<&str, Decimal> = BTreeMap::new();
        for (currency, amount) in latest.values() {
            *totals.entry(currency).or_default() += amount;
        }
        for (currency, amount) in totals {
            series.entry(currency).or_default().push(CashOnDay { currency: currency.to_string(), day, amount });
        }
        day += Duration::days(1);
    }
    series.into_values().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(account: &str, day: &str, current: &str, currency: &str, counted: bool) -> BalanceSnapshot {
        BalanceSnapshot {
            account_id: account.into(),
            day: day.parse().unwrap(),
            source: SnapshotSource::Daily,
            taken_at: 0,
            current: Some(current.parse().unwrap()),
            available: None,
            currency: Some(currency.into()),
            counted,
        }
    }

    #[test]
    fn each_day_sums_the_last_known_balances_per_currency() {
        let from: NaiveDate = "2026-11-01".parse().unwrap();
        let to: NaiveDate = "2026-11-04".parse().unwrap();
        let snapshots = vec![
            // Before the range: the balance the range starts with.
            snapshot("chk", "2026-10-20", "100.10", "USD", true),
            snapshot("sav", "2026-11-02", "1000", "USD", true),
            snapshot("card", "2026-11-02", "-50", "USD", false),
            snapshot("eur", "2026-11-03", "7.5", "EUR", true),
            snapshot("chk", "2026-11-03", "90.05", "USD", true),
        ];
        let days = cash_per_day(&snapshots, from, to);
        let line = |c: &str| -> Vec<(String, String)> {
            days.iter().filter(|d| d.currency == c).map(|d| (d.day.to_string(), d.amount.to_string())).collect()
        };
        assert_eq!(
            line("USD"),
            [("2026-11-01", "100.10"), ("2026-11-02", "1100.10"), ("2026-11-03", "1090.05"), ("2026-11-04", "1090.05")]
                .map(|(d, a)| (d.to_string(), a.to_string()))
        );
        assert_eq!(
            line("EUR"),
            [("2026-11-03", "7.5"), ("2026-11-04", "7.5")].map(|(d, a)| (d.to_string(), a.to_string()))
        );
        assert_eq!(days.first().unwrap().currency, "EUR", "currencies in order");
    }

    #[test]
    fn no_counted_snapshot_is_no_history() {
        let day: NaiveDate = "2026-11-01".parse().unwrap();
        assert!(cash_per_day(&[snapshot("card", "2026-11-01", "-5", "USD", false)], day, day).is_empty());
        assert!(cash_per_day(&[], day, day).is_empty());
    }
}
