//! The simulated brokerage: securities, each investment account's positions (brokerage cash
//! among them) and its investment transactions, deterministic per account.
//!
//! Money is written in cents grouped as dollars_cents (`190_00` is $190.00).
#![allow(clippy::inconsistent_digit_grouping)]

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde_json::{json, Value};

/// A security the simulated brokerage trades.
#[derive(Debug)]
pub struct SimSecurity {
    /// Plaid-style id.
    pub id: &'static str,
    /// Name.
    pub name: &'static str,
    /// Ticker.
    pub ticker: &'static str,
    /// `cash`, `equity`, `etf`.
    pub kind: &'static str,
    /// Today's price, in cents.
    pub price: i64,
}

/// The securities: US dollars (brokerage cash), a stock and two ETFs.
pub const SECURITIES: &[SimSecurity] = &[
    SimSecurity {
        id: "JDdP7XPMLtxwaD7sNEhpaX1nYWp6mbTm6Mowx",
        name: "U S Dollar",
        ticker: "USD",
        kind: "cash",
        price: 1_00,
    },
    SimSecurity {
        id: "KDwjlXj1Rqt58dVvmzRguxJybmyQL8FgeWWAL",
        name: "Apple Inc.",
        ticker: "AAPL",
        kind: "equity",
        price: 190_00,
    },
    SimSecurity {
        id: "NDVQrXQoqzt5v3bAe8qRt4A7mK7wvZCLEBBJk",
        name: "Vanguard Total Stock Market ETF",
        ticker: "VTI",
        kind: "etf",
        price: 250_00,
    },
    SimSecurity {
        id: "8E4L9XLl6MudjEpwPAAgivmdZRdBPJuvMPlPb",
        name: "Vanguard Total Bond Market ETF",
        ticker: "BND",
        kind: "etf",
        price: 74_00,
    },
];

/// One position of an investment account.
#[derive(Debug, Clone)]
pub struct Position {
    /// The account.
    pub account_id: String,
    /// Index into [`SECURITIES`].
    pub security: usize,
    /// Units held.
    pub quantity: Decimal,
    /// What it cost (none for cash).
    pub cost_basis: Option<Decimal>,
}

/// An investment transaction as Plaid reports it.
#[derive(Debug, Clone)]
pub struct SimInvestmentTxn {
    /// Id.
    pub id: String,
    /// The account.
    pub account_id: String,
    /// Index into [`SECURITIES`], if any.
    pub security: Option<usize>,
    /// The day.
    pub date: NaiveDate,
    /// Description.
    pub name: String,
    /// Units (negative when sold).
    pub quantity: Decimal,
    /// Price per unit.
    pub price: Decimal,
    /// Cash moved (positive = out).
    pub amount: Decimal,
    /// Plaid's type and subtype.
    pub kind: (&'static str, &'static str),
}

/// AAPL shares sold since the first buy.
const SOLD: i64 = 10;

fn d(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

/// An account of `opening` cents funded `start` and invested at once (50 AAPL, of which 10 were
/// sold later, 50 VTI and 40 BND), the rest in cash, with a dividend, a fee and a transfer out
/// since: every kind of investment transaction. The positions are worth exactly `opening` at
/// today's prices.
pub fn open_account(
    account_id: &str,
    opening: i64,
    start: NaiveDate,
    ids: &mut impl FnMut() -> String,
) -> (Vec<Position>, Vec<SimInvestmentTxn>) {
    let bought: [(usize, i64, i64); 3] = [(1, 40, 150_00), (2, 50, 200_00), (3, 40, 70_00)];
    let invested: i64 = bought.iter().map(|(s, q, _)| SECURITIES[*s].price * q).sum();
    let mut positions = vec![Position {
        account_id: account_id.into(),
        security: 0,
        quantity: d(opening - invested),
        cost_basis: None,
    }];
    let txn = |security: Option<usize>,
               date: NaiveDate,
               name: String,
               quantity: Decimal,
               price: Decimal,
               amount: Decimal,
               kind| { (security, date, name, quantity, price, amount, kind) };
    let mut drafts = vec![txn(
        None,
        start,
        "DEPOSIT FROM CHECKING".into(),
        Decimal::ZERO,
        Decimal::ZERO,
        -d(opening),
        ("cash", "deposit"),
    )];
    for (i, (security, quantity, price)) in bought.into_iter().enumerate() {
        let s = &SECURITIES[security];
        let (quantity, price) = (Decimal::from(quantity), d(price));
        positions.push(Position {
            account_id: account_id.into(),
            security,
            quantity,
            cost_basis: Some(quantity * price),
        });
        // The AAPL position is what is left of a larger buy.
        let bought = if security == 1 { quantity + Decimal::from(SOLD) } else { quantity };
        let date = start + Duration::days(1 + i as i64);
        drafts.push(txn(
            Some(security),
            date,
            format!("BUY {} {}", bought, s.ticker),
            bought,
            price,
            bought * price,
            ("buy", "buy"),
        ));
    }
    drafts.push(txn(
        Some(1),
        start + Duration::days(20),
        format!("SELL {SOLD} AAPL"),
        -Decimal::from(SOLD),
        d(170_00),
        -d(170_00) * Decimal::from(SOLD),
        ("sell", "sell"),
    ));
    drafts.push(txn(
        Some(2),
        start + Duration::days(30),
        "VTI DIVIDEND".into(),
        Decimal::ZERO,
        Decimal::ZERO,
        d(-35_20),
        ("cash", "dividend"),
    ));
    drafts.push(txn(
        None,
        start + Duration::days(45),
        "ACCOUNT FEE".into(),
        Decimal::ZERO,
        Decimal::ZERO,
        d(5_00),
        ("fee", "account fee"),
    ));
    drafts.push(txn(
        None,
        start + Duration::days(60),
        "TRANSFER TO OTTER CHECKING".into(),
        Decimal::ZERO,
        Decimal::ZERO,
        d(500_00),
        ("transfer", "transfer"),
    ));
    let txns = drafts
        .into_iter()
        .map(|(security, date, name, quantity, price, amount, kind)| SimInvestmentTxn {
            id: ids(),
            account_id: account_id.into(),
            security,
            date,
            name,
            quantity,
            price,
            amount,
            kind,
        })
        .collect();
    (positions, txns)
}

/// Plaid's `Security` JSON.
pub fn security_json(s: &SimSecurity, today: NaiveDate) -> Value {
    json!({
        "security_id": s.id, "isin": null, "cusip": null, "sedol": null, "institution_security_id": null,
        "institution_id": null, "proxy_security_id": null, "name": s.name, "ticker_symbol": s.ticker,
        "is_cash_equivalent": s.kind == "cash", "type": s.kind, "close_price": d(s.price),
        "close_price_as_of": today.to_string(), "iso_currency_code": "USD", "unofficial_currency_code": null,
        "market_identifier_code": if s.kind == "cash" { Value::Null } else { json!("XNAS") },
        "sector": null, "industry": null, "cfi_code": null, "option_contract": null, "fixed_income": null,
    })
}

/// Plaid's `Holding` JSON at today's price.
pub fn holding_json(p: &Position, today: NaiveDate) -> Value {
    let s = &SECURITIES[p.security];
    let price = d(s.price);
    json!({
        "account_id": p.account_id, "security_id": s.id, "institution_price": price,
        "institution_price_as_of": today.to_string(), "institution_value": (p.quantity * price).round_dp(2),
        "cost_basis": p.cost_basis, "quantity": p.quantity, "iso_currency_code": "USD", "unofficial_currency_code": null,
    })
}

/// Plaid's `InvestmentTransaction` JSON.
pub fn transaction_json(t: &SimInvestmentTxn) -> Value {
    json!({
        "investment_transaction_id": t.id, "account_id": t.account_id,
        "security_id": t.security.map(|s| SECURITIES[s].id), "date": t.date.to_string(), "name": t.name,
        "quantity": t.quantity, "amount": t.amount, "price": t.price, "fees": Decimal::ZERO,
        "type": t.kind.0, "subtype": t.kind.1, "iso_currency_code": "USD", "unofficial_currency_code": null,
    })
}
