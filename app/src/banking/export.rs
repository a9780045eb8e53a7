//! `GET /api/v1/banking/transactions.csv`: the signed-in trader's transactions that pass the
//! workbench's filter ([`TransactionsQuery`]), in its order, as CSV: RFC 4180 (comma-separated,
//! CRLF line ends, fields with a comma, quote or line break quoted, quotes doubled), UTF-8, ISO
//! dates, exact decimal amounts with Plaid's sign (positive = money out), the trader's
//! category where they chose one, at most
//! [`TransactionFilter::MAX_ROWS`] rows (more is refused: narrow the dates).

use axum::{
    extract::{Query, State},
    http::header,
    response::{IntoResponse, Response},
};
use banking_core::model::{Transaction, TransactionFilter};
use cashflow_api::{banking::TransactionsQuery, AppError, ErrorCode};

use super::ssr::{rest_user, transaction_filter};
use crate::{auth::ssr::AuthSession, server::state::AppState};

/// The header row.
const COLUMNS: [&str; 11] = [
    "date",
    "authorized_date",
    "description",
    "merchant",
    "category",
    "account",
    "account_id",
    "amount",
    "currency",
    "pending",
    "transaction_id",
];

/// The export.
pub async fn transactions_csv(
    State(state): State<AppState>,
    auth: AuthSession,
    Query(query): Query<TransactionsQuery>,
) -> Result<Response, AppError> {
    let user = rest_user(&auth)?.id;
    let filter = transaction_filter(query, TransactionFilter::MAX_ROWS + 1)?;
    let transactions = state.banking.transactions(user, &filter).await?;
    if transactions.len() > TransactionFilter::MAX_ROWS as usize {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            format!(
                "An export holds at most {} transactions. Choose a shorter date range.",
                TransactionFilter::MAX_ROWS
            ),
        ));
    }
    let accounts = state.banking.store().accounts(user).await?;
    let account_name = |id: &str| accounts.iter().find(|a| a.account_id == id).map(|a| a.name.as_str()).unwrap_or("");
    let mut csv = String::with_capacity(128 * (transactions.len() + 1));
    push_row(&mut csv, COLUMNS.iter().map(|c| c.to_string()));
    for t in &transactions {
        push_row(&mut csv, row(t, account_name(&t.account_id)));
    }
    let filename = format!("transactions-{}.csv", chrono::Utc::now().date_naive());
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        ],
        csv,
    )
        .into_response())
}

/// One transaction's fields in [`COLUMNS`] order.
fn row(t: &Transaction, account: &str) -> impl Iterator<Item = String> {
    let text = |v: &Option<String>| v.as_deref().map(formula_safe).unwrap_or_default();
    [
        t.date.to_string(),
        t.authorized_date.map(|d| d.to_string()).unwrap_or_default(),
        formula_safe(&t.name),
        text(&t.merchant_name),
        t.effective_category().map(formula_safe).unwrap_or_default(),
        formula_safe(account),
        t.account_id.clone(),
        t.amount.to_string(),
        t.currency.clone().unwrap_or_default(),
        t.pending.to_string(),
        t.transaction_id.clone(),
    ]
    .into_iter()
}

/// Appends one CSV record and its CRLF.
fn push_row(csv: &mut String, fields: impl Iterator<Item = String>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            csv.push(',');
        }
        if field.contains([',', '"', '\r', '\n']) {
            csv.push('"');
            csv.push_str(&field.replace('"', "\"\""));
            csv.push('"');
        } else {
            csv.push_str(&field);
        }
    }
    csv.push_str("\r\n");
}

/// Text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a
/// leading `'`, so a merchant's name cannot become a formula on the trader's machine.
/// Amounts are not text and keep their sign.
fn formula_safe(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_as_rfc_4180_says_and_formulas_are_defused() {
        let mut csv = String::new();
        let fields = ["plain", "a,b", "say \"hi\"", "two\nlines", "-12.5"].map(String::from);
        push_row(&mut csv, fields.into_iter());
        assert_eq!(csv, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",-12.5\r\n");
        assert_eq!(formula_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(formula_safe("Café"), "Café");
    }

    #[test]
    fn a_row_keeps_exact_amounts_and_iso_dates() {
        let t = Transaction {
            transaction_id: "t1".into(),
            account_id: "a1".into(),
            item_id: "i".into(),
            amount: "-1234.5678".parse().unwrap(),
            currency: Some("EUR".into()),
            date: "2026-11-02".parse().unwrap(),
            authorized_date: Some("2026-11-01".parse().unwrap()),
            name: "Salary, November".into(),
            merchant_name: None,
            category: Some("INCOME".into()),
            pending: false,
            user_category: None,
            pending_transaction_id: None,
        };
        let mut csv = String::new();
        push_row(&mut csv, row(&t, "Checking"));
        assert_eq!(csv, "2026-11-02,2026-11-01,\"Salary, November\",,INCOME,Checking,a1,-1234.5678,EUR,false,t1\r\n");
    }
}
