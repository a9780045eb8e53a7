//! Database rows as read, and their conversion into the model: times are Unix seconds,
//! dates `YYYY-MM-DD` text and money decimal text on both backends.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{SealedToken, StoredItem};
use crate::{model::*, Error, Result};

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    id: i64,
    username: String,
    role: String,
    password_hash: String,
    demo: bool,
}

impl TryFrom<UserRow> for User {
    type Error = Error;
    fn try_from(r: UserRow) -> Result<Self> {
        Ok(User {
            id: r.id,
            username: r.username,
            role: r.role.parse().map_err(|e| {
                tracing::error!(error = %e, "a stored user has an unknown role");
                Error::Internal
            })?,
            password_hash: r.password_hash.into(),
            demo: r.demo,
        })
    }
}

/// The Item columns shown to users (no token, no cursor), with its institution's cached colour
/// and whether a logo is cached: [`ITEM_VIEW_COLUMNS`], and the start of [`ITEM_COLUMNS`].
macro_rules! item_view_columns {
    () => {
        "item_id, user_id, institution_id, institution_name, status, status_detail, status_message, status_deadline, \
         needs_update, last_sync_at, last_sync_error, sync_failures, sync_retry_at, \
         (SELECT i.primary_color FROM institutions i WHERE i.institution_id = plaid_items.institution_id) AS brand_color, \
         (SELECT i.logo IS NOT NULL FROM institutions i WHERE i.institution_id = plaid_items.institution_id) AS brand_logo"
    };
}

pub(super) const ITEM_COLUMNS: &str = concat!(item_view_columns!(), ", access_token_ciphertext, key_id, sync_cursor");

#[derive(sqlx::FromRow)]
pub(super) struct ItemRow {
    #[sqlx(flatten)]
    item: ItemViewRow,
    access_token_ciphertext: Vec<u8>,
    key_id: String,
    sync_cursor: Option<String>,
}

/// The Item columns shown to users (see `item_view_columns!`).
pub(super) const ITEM_VIEW_COLUMNS: &str = item_view_columns!();

#[derive(sqlx::FromRow)]
pub(super) struct ItemViewRow {
    item_id: String,
    user_id: i64,
    institution_id: Option<String>,
    institution_name: String,
    status: String,
    status_detail: Option<String>,
    status_message: Option<String>,
    status_deadline: Option<i64>,
    needs_update: bool,
    last_sync_at: Option<i64>,
    last_sync_error: Option<String>,
    sync_failures: i64,
    sync_retry_at: Option<i64>,
    brand_color: Option<String>,
    brand_logo: Option<bool>,
}

impl From<ItemViewRow> for Item {
    fn from(r: ItemViewRow) -> Self {
        Item {
            item_id: r.item_id,
            user_id: r.user_id,
            institution_id: r.institution_id,
            institution_name: r.institution_name,
            // The schema's CHECK allows only known statuses.
            status: r.status.parse().unwrap_or(ItemStatus::Good),
            status_detail: r.status_detail,
            status_message: r.status_message,
            status_deadline: r.status_deadline,
            needs_update: r.needs_update,
            last_sync_at: r.last_sync_at,
            last_sync_error: r.last_sync_error,
            sync_failures: r.sync_failures,
            sync_retry_at: r.sync_retry_at,
            primary_color: r.brand_color,
            has_logo: r.brand_logo.unwrap_or(false),
        }
    }
}

impl From<ItemRow> for StoredItem {
    fn from(r: ItemRow) -> Self {
        StoredItem {
            item: Item::from(r.item),
            token: SealedToken { ciphertext: r.access_token_ciphertext, key_id: r.key_id },
            cursor: r.sync_cursor,
        }
    }
}

pub(super) const ACCOUNT_COLUMNS: &str =
    "account_id, item_id, name, official_name, mask, account_type, subtype, available, \
     current_balance, credit_limit, currency, balance_as_of, fetched_at, balance_source";

#[derive(sqlx::FromRow)]
pub(super) struct AccountRow {
    account_id: String,
    item_id: String,
    name: String,
    official_name: Option<String>,
    mask: Option<String>,
    account_type: String,
    subtype: Option<String>,
    available: Option<String>,
    current_balance: Option<String>,
    credit_limit: Option<String>,
    currency: Option<String>,
    balance_as_of: Option<i64>,
    fetched_at: i64,
    balance_source: String,
}

/// A `YYYY-MM-DD` day as stored (none when absent or unreadable).
pub(super) fn day(v: Option<String>) -> Option<NaiveDate> {
    v.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

/// Exact decimal text as stored (none when absent or unreadable).
pub(super) fn decimal(v: Option<String>) -> Option<Decimal> {
    v.and_then(|s| s.parse().ok())
}

impl From<AccountRow> for Account {
    fn from(r: AccountRow) -> Self {
        Account {
            account_id: r.account_id,
            item_id: r.item_id,
            name: r.name,
            official_name: r.official_name,
            mask: r.mask,
            account_type: r.account_type,
            subtype: r.subtype,
            available: decimal(r.available),
            current: decimal(r.current_balance),
            limit: decimal(r.credit_limit),
            currency: r.currency,
            balance_as_of: r.balance_as_of,
            fetched_at: r.fetched_at,
            balance_source: r.balance_source.parse().unwrap_or(BalanceSource::Sync),
        }
    }
}

pub(super) const TRANSACTION_COLUMNS: &str =
    "transaction_id, account_id, item_id, amount, currency, posted_date, authorized_date, \
     name, merchant_name, category, user_category, pending, pending_transaction_id";

#[derive(sqlx::FromRow)]
pub(super) struct TransactionRow {
    transaction_id: String,
    account_id: String,
    item_id: String,
    amount: String,
    currency: Option<String>,
    posted_date: String,
    authorized_date: Option<String>,
    name: String,
    merchant_name: Option<String>,
    category: Option<String>,
    user_category: Option<String>,
    pending: bool,
    pending_transaction_id: Option<String>,
}

impl TryFrom<TransactionRow> for Transaction {
    type Error = Error;
    fn try_from(r: TransactionRow) -> Result<Self> {
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| Error::Internal);
        Ok(Transaction {
            amount: r.amount.parse().map_err(|_| Error::Internal)?,
            date: date(&r.posted_date)?,
            authorized_date: r.authorized_date.as_deref().map(date).transpose()?,
            transaction_id: r.transaction_id,
            account_id: r.account_id,
            item_id: r.item_id,
            currency: r.currency,
            name: r.name,
            merchant_name: r.merchant_name,
            category: r.category,
            user_category: r.user_category,
            pending: r.pending,
            pending_transaction_id: r.pending_transaction_id,
        })
    }
}
