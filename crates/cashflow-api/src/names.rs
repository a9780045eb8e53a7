//! Reading the closed sets back from their names (as stored in the database or given on a
//! command line): `"login_required".parse::<ItemStatus>()`.

use std::str::FromStr;

use crate::{
    banking::{BalanceSource, ItemStatus},
    transactions::{Category, TransactionSort},
    users::Role,
};

/// A name that is not one of its set's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{name}` (one of: {expected})")]
pub struct UnknownName {
    /// What was being read (`role`, `item status`, …).
    pub kind: &'static str,
    /// The name given.
    pub name: String,
    /// The names there are.
    pub expected: String,
}

/// The value of `all` whose name is `name`.
fn find<T: Copy>(kind: &'static str, name: &str, all: &[T], as_str: fn(T) -> &'static str) -> Result<T, UnknownName> {
    all.iter().copied().find(|v| as_str(*v) == name).ok_or_else(|| UnknownName {
        kind,
        name: name.to_string(),
        expected: all.iter().map(|v| as_str(*v)).collect::<Vec<_>>().join(", "),
    })
}

impl FromStr for Role {
    type Err = UnknownName;
    fn from_str(name: &str) -> Result<Self, UnknownName> {
        find("role", name, &[Role::Trader, Role::Admin, Role::Viewer], Role::as_str)
    }
}

impl FromStr for ItemStatus {
    type Err = UnknownName;
    fn from_str(name: &str) -> Result<Self, UnknownName> {
        let all = [ItemStatus::Good, ItemStatus::LoginRequired, ItemStatus::PendingExpiration, ItemStatus::Revoked];
        find("item status", name, &all, ItemStatus::as_str)
    }
}

impl FromStr for BalanceSource {
    type Err = UnknownName;
    fn from_str(name: &str) -> Result<Self, UnknownName> {
        find("balance source", name, &[BalanceSource::Sync, BalanceSource::Realtime], BalanceSource::as_str)
    }
}

impl FromStr for TransactionSort {
    type Err = UnknownName;
    fn from_str(name: &str) -> Result<Self, UnknownName> {
        find("sort order", name, &TransactionSort::ALL, TransactionSort::as_str)
    }
}

impl FromStr for Category {
    type Err = UnknownName;
    fn from_str(name: &str) -> Result<Self, UnknownName> {
        find("category", name, &Category::ALL, Category::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_reads_back_and_an_unknown_one_says_what_is_expected() {
        for role in [Role::Trader, Role::Admin, Role::Viewer] {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert_eq!("pending_expiration".parse::<ItemStatus>(), Ok(ItemStatus::PendingExpiration));
        assert_eq!("realtime".parse::<BalanceSource>(), Ok(BalanceSource::Realtime));
        for category in Category::ALL {
            assert_eq!(category.as_str().parse::<Category>(), Ok(category));
        }
        for sort in TransactionSort::ALL {
            assert_eq!(sort.as_str().parse::<TransactionSort>(), Ok(sort));
        }
        let error = "root".parse::<Role>().unwrap_err();
        assert_eq!(error.to_string(), "unknown role `root` (one of: trader, admin, viewer)");
    }
}
