//! Display formatting for money and times.

/// `1234.5` → `$1,234.50`; other currencies get their code: `1,234.50 EUR`.
pub fn money(amount: &str, currency: Option<&str>) -> String {
    let negative = amount.starts_with('-');
    let digits = amount.trim_start_matches('-');
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let frac: String = frac.chars().chain(std::iter::repeat('0')).take(2).collect();
    let sign = if negative { "-" } else { "" };
    match currency.unwrap_or("USD") {
        "USD" => format!("{sign}${grouped}.{frac}"),
        code => format!("{sign}{grouped}.{frac} {code}"),
    }
}

/// Exact cents of a decimal amount with at most two decimals (`"-12.5"` → -1250), for sums
/// in the browser without floating-point drift; `None` for anything else.
pub fn cents(amount: &str) -> Option<i64> {
    let (negative, digits) = match amount.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, amount),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() || frac.len() > 2 || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    let total = int.parse::<i64>().ok()?.checked_mul(100)?.checked_add(frac)?;
    Some(if negative { -total } else { total })
}

/// Formats cents like [`money`].
pub fn money_from_cents(cents: i64, currency: Option<&str>) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    money(&format!("{sign}{}.{:02}", abs / 100, abs % 100), currency)
}

/// A transaction amount as the user reads it: Plaid's positive (money out) becomes `-$x`,
/// money in becomes `+$x`.
pub fn signed_amount(plaid_amount: &str, currency: Option<&str>) -> (String, bool) {
    match plaid_amount.strip_prefix('-') {
        Some(incoming) => (format!("+{}", money(incoming, currency)), true),
        None => (format!("-{}", money(plaid_amount, currency)), false),
    }
}

/// `2026-11-24T10:15:00+00:00` → `2026-11-24 10:15 UTC`.
pub fn when(rfc3339: &str) -> String {
    let date = rfc3339.get(0..10).unwrap_or(rfc3339);
    let time = rfc3339.get(11..16).unwrap_or("");
    format!("{date} {time} UTC").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped_and_signed() {
        assert_eq!(money("1234567.5", Some("USD")), "$1,234,567.50");
        assert_eq!(money("-12", None), "-$12.00");
        assert_eq!(money("999.99", Some("EUR")), "999.99 EUR");
        assert_eq!(signed_amount("12.30", None), ("-$12.30".into(), false));
        assert_eq!(signed_amount("-2640.00", None), ("+$2,640.00".into(), true));
    }

    #[test]
    fn cents_are_exact_and_refuse_what_is_not_an_amount() {
        assert_eq!(cents("13200.00"), Some(1_320_000));
        assert_eq!(cents("-12.5"), Some(-1250));
        assert_eq!(cents("7"), Some(700));
        assert_eq!(cents("0.1"), Some(10));
        assert_eq!(cents("1.005"), None);
        assert_eq!(cents("abc"), None);
        assert_eq!(cents(""), None);
        // Ten cents added ten times is exactly a dollar, unlike 0.1 summed as f64.
        let sum: i64 = std::iter::repeat_n("0.10", 10).filter_map(cents).sum();
        assert_eq!(money_from_cents(sum, None), "$1.00");
        assert_eq!(money_from_cents(-905, Some("USD")), "-$9.05");
        assert_eq!(money_from_cents(1_320_000, None), "$13,200.00");
    }
}
