//! The transactions workbench's types: a transaction as listed, the filter every transactions
//! read takes (list, category totals, CSV export), its sort orders, per-category totals and a
//! re-categorisation.

use serde::{Deserialize, Serialize};

/// Plaid's `personal_finance_category` primaries (taxonomy v1): what a trader may file a
/// transaction under. Plaid's own category is kept as synced, whatever it is (an open set:
/// Plaid may add some), so listed transactions carry it as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Category {
    /// `INCOME`.
    Income,
    /// `TRANSFER_IN`.
    TransferIn,
    /// `TRANSFER_OUT`.
    TransferOut,
    /// `LOAN_PAYMENTS`.
    LoanPayments,
    /// `BANK_FEES`.
    BankFees,
    /// `ENTERTAINMENT`.
    Entertainment,
    /// `FOOD_AND_DRINK`.
    FoodAndDrink,
    /// `GENERAL_MERCHANDISE`.
    GeneralMerchandise,
    /// `HOME_IMPROVEMENT`.
    HomeImprovement,
    /// `MEDICAL`.
    Medical,
    /// `PERSONAL_CARE`.
    PersonalCare,
    /// `GENERAL_SERVICES`.
    GeneralServices,
    /// `GOVERNMENT_AND_NON_PROFIT`.
    GovernmentAndNonProfit,
    /// `TRANSPORTATION`.
    Transportation,
    /// `TRAVEL`.
    Travel,
    /// `RENT_AND_UTILITIES`.
    RentAndUtilities,
}

impl Category {
    /// Every category, in Plaid's order.
    pub const ALL: [Category; 16] = [
        Self::Income,
        Self::TransferIn,
        Self::TransferOut,
        Self::LoanPayments,
        Self::BankFees,
        Self::Entertainment,
        Self::FoodAndDrink,
        Self::GeneralMerchandise,
        Self::HomeImprovement,
        Self::Medical,
        Self::PersonalCare,
        Self::GeneralServices,
        Self::GovernmentAndNonProfit,
        Self::Transportation,
        Self::Travel,
        Self::RentAndUtilities,
    ];

    /// Plaid's name for it (`FOOD_AND_DRINK`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Income => "INCOME",
            Self::TransferIn => "TRANSFER_IN",
            Self::TransferOut => "TRANSFER_OUT",
            Self::LoanPayments => "LOAN_PAYMENTS",
            Self::BankFees => "BANK_FEES",
            Self::Entertainment => "ENTERTAINMENT",
            Self::FoodAndDrink => "FOOD_AND_DRINK",
            Self::GeneralMerchandise => "GENERAL_MERCHANDISE",
            Self::HomeImprovement => "HOME_IMPROVEMENT",
            Self::Medical => "MEDICAL",
            Self::PersonalCare => "PERSONAL_CARE",
            Self::GeneralServices => "GENERAL_SERVICES",
            Self::GovernmentAndNonProfit => "GOVERNMENT_AND_NON_PROFIT",
            Self::Transportation => "TRANSPORTATION",
            Self::Travel => "TRAVEL",
            Self::RentAndUtilities => "RENT_AND_UTILITIES",
        }
    }
}

/// A category's name for people: `FOOD_AND_DRINK` → "Food and drink".
pub fn category_label(category: &str) -> String {
    let words = category.to_lowercase().replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A transaction. `amount` > 0 is money out, as in Plaid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransactionView {
    /// Plaid's transaction id.
    pub transaction_id: String,
    /// The account it belongs to.
    pub account_id: String,
    /// The bank (Plaid Item) it belongs to.
    #[serde(default)]
    pub item_id: String,
    /// Posting date, or the date it was made while pending (YYYY-MM-DD).
    pub date: String,
    /// Description, as the bank gives it.
    pub name: String,
    /// The merchant, when Plaid recognised one.
    #[serde(default)]
    pub merchant_name: Option<String>,
    /// Exact amount (positive = money out).
    pub amount: String,
    /// ISO currency code.
    pub currency: Option<String>,
    /// The category it is filed under: the trader's choice if they made one, else Plaid's.
    pub category: Option<String>,
    /// Plaid's category, whatever the trader chose.
    #[serde(default)]
    pub plaid_category: Option<String>,
    /// Not yet posted by the bank.
    pub pending: bool,
}

/// The order of a transactions list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransactionSort {
    /// Newest first (the default).
    #[default]
    DateDesc,
    /// Oldest first.
    DateAsc,
    /// Largest amount first (money out before money in).
    AmountDesc,
    /// Smallest amount first (money in before money out).
    AmountAsc,
}

impl TransactionSort {
    /// Every order, in the order a menu lists them.
    pub const ALL: [TransactionSort; 4] = [Self::DateDesc, Self::DateAsc, Self::AmountDesc, Self::AmountAsc];

    /// The name used in the API and in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DateDesc => "date_desc",
            Self::DateAsc => "date_asc",
            Self::AmountDesc => "amount_desc",
            Self::AmountAsc => "amount_asc",
        }
    }

    /// What a menu shows for it.
    pub fn label(self) -> &'static str {
        match self {
            Self::DateDesc => "Newest first",
            Self::DateAsc => "Oldest first",
            Self::AmountDesc => "Largest out first",
            Self::AmountAsc => "Largest in first",
        }
    }
}

/// Which transactions: the filter shared by the list, the per-category totals and the CSV
/// export (`GET /api/v1/banking/transactions`, `…/transactions/categories`,
/// `…/transactions.csv`). Every field narrows; absent ones do not.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct TransactionsQuery {
    /// Text in the description or the merchant's name (case-insensitive, at most 100
    /// characters).
    #[cfg_attr(feature = "openapi", param(max_length = 100))]
    pub q: Option<String>,
    /// Only this bank's (Plaid Item id).
    pub item_id: Option<String>,
    /// Only this account's.
    pub account_id: Option<String>,
    /// Only those filed under this category (the trader's choice, else Plaid's).
    #[cfg_attr(feature = "openapi", param(max_length = 64))]
    pub category: Option<String>,
    /// Only pending ones (`true`) or only posted ones (`false`).
    pub pending: Option<bool>,
    /// Dated on or after (YYYY-MM-DD).
    #[cfg_attr(feature = "openapi", param(format = Date))]
    pub from: Option<String>,
    /// Dated on or before (YYYY-MM-DD).
    #[cfg_attr(feature = "openapi", param(format = Date))]
    pub to: Option<String>,
    /// The order (default `date_desc`; the category totals ignore it).
    #[cfg_attr(feature = "openapi", param(inline))]
    pub sort: Option<TransactionSort>,
}

impl TransactionsQuery {
    /// The filter as a URL query string (`q=rent&pending=false`), empty fields left out; the
    /// CSV export link of a filtered view is built with it.
    pub fn to_query_string(&self) -> String {
        let pending = self.pending.map(|p| p.to_string());
        let fields = [
            ("q", self.q.as_deref()),
            ("item_id", self.item_id.as_deref()),
            ("account_id", self.account_id.as_deref()),
            ("category", self.category.as_deref()),
            ("pending", pending.as_deref()),
            ("from", self.from.as_deref()),
            ("to", self.to.as_deref()),
            ("sort", self.sort.map(TransactionSort::as_str)),
        ];
        fields
            .iter()
            .filter_map(|(name, value)| {
                value.filter(|v| !v.is_empty()).map(|v| format!("{name}={}", percent_encode(v)))
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// `value` with every byte but the URL-unreserved ones percent-encoded (UTF-8).
fn percent_encode(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => encoded.push(byte as char),
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

/// One page of a transactions list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct PageQuery {
    /// Page size, 1 to 500 (default 50; larger values are read as 500).
    pub limit: Option<u32>,
    /// Transactions to skip.
    pub offset: Option<u32>,
}

/// Money in and out of one category in one currency over the filtered transactions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryTotalView {
    /// The category (the trader's choice, else Plaid's); absent for uncategorised ones.
    pub category: Option<String>,
    /// ISO currency code, when the bank gave one.
    pub currency: Option<String>,
    /// How many transactions.
    pub count: u64,
    /// Money received (exact, positive).
    pub money_in: String,
    /// Money spent or sent (exact, positive).
    pub money_out: String,
}

/// `POST /api/v1/banking/transactions/category`: file one of the trader's transactions under
/// a category of theirs, kept across syncs (also when Plaid posts a pending one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecategoriseRequest {
    /// Plaid's transaction id.
    pub transaction_id: String,
    /// The trader's category; absent to go back to Plaid's.
    #[serde(default)]
    pub category: Option<Category>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_becomes_a_query_string_without_its_empty_fields() {
        let query = TransactionsQuery {
            q: Some("Café & co".into()),
            category: Some(String::new()),
            pending: Some(false),
            sort: Some(TransactionSort::AmountDesc),
            ..Default::default()
        };
        assert_eq!(query.to_query_string(), "q=Caf%C3%A9%20%26%20co&pending=false&sort=amount_desc");
        assert_eq!(TransactionsQuery::default().to_query_string(), "");
    }

    #[test]
    fn categories_read_as_words() {
        assert_eq!(category_label("FOOD_AND_DRINK"), "Food and drink");
        assert_eq!(category_label("INCOME"), "Income");
        assert_eq!(Category::ALL.map(Category::as_str)[15], "RENT_AND_UTILITIES");
    }
}
