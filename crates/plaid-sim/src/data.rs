//! Institutions and deterministic, realistic data generated from a seed.
//!
//! Amounts are written in cents grouped as dollars_cents (`3_200_00` is $3,200.00).
#![allow(clippy::inconsistent_digit_grouping)]

use chrono::{Datelike, Duration, NaiveDate};
use rand::{rngs::StdRng, Rng};
use rust_decimal::Decimal;

/// An account template of an institution.
#[derive(Debug, Clone)]
pub struct AccountTemplate {
    /// Display name.
    pub name: &'static str,
    /// Official product name.
    pub official_name: &'static str,
    /// Mask (fixed per institution, like Plaid's sandbox).
    pub mask: &'static str,
    /// `depository` or `credit`.
    pub account_type: &'static str,
    /// Subtype.
    pub subtype: &'static str,
    /// Opening balance (for credit: amount owed) at the start of history.
    pub opening: i64,
    /// Credit limit.
    pub limit: Option<i64>,
    /// ISO currency code.
    pub currency: &'static str,
}

/// A simulated institution.
#[derive(Debug, Clone)]
pub struct Institution {
    /// Plaid-style id.
    pub id: &'static str,
    /// Name.
    pub name: &'static str,
    /// Its accounts.
    pub accounts: &'static [AccountTemplate],
    /// Signs users in on its own site (OAuth) instead of in Link: Link hands over to the
    /// bank and resumes at the link token's `redirect_uri`.
    pub oauth: bool,
    /// Brand colour (`#RRGGBB`), also the colour of its generated logo.
    pub primary_color: &'static str,
    /// Its website.
    pub url: &'static str,
}

/// The institutions Link offers.
pub const INSTITUTIONS: &[Institution] = &[
    Institution {
        id: "ins_109508",
        name: "First Platypus Bank",
        accounts: &[
            AccountTemplate {
                name: "Platypus Checking",
                official_name: "Platypus Everyday Checking",
                mask: "0000",
                account_type: "depository",
                subtype: "checking",
                opening: 3_200_00,
                limit: None,
                currency: "USD",
            },
            AccountTemplate {
                name: "Platypus Savings",
                official_name: "Platypus High-Yield Savings",
                mask: "1111",
                account_type: "depository",
                subtype: "savings",
                opening: 12_500_00,
                limit: None,
                currency: "USD",
            },
        ],
        oauth: false,
        primary_color: "#0F766E",
        url: "https://platypus.example",
    },
    Institution {
        id: "ins_109510",
        name: "Houndstooth Bank",
        accounts: &[
            AccountTemplate {
                name: "Houndstooth Checking",
                official_name: "Houndstooth Premier Checking",
                mask: "3333",
                account_type: "depository",
                subtype: "checking",
                opening: 5_400_00,
                limit: None,
                currency: "USD",
            },
            AccountTemplate {
                name: "Houndstooth Rewards Card",
                official_name: "Houndstooth Rewards Visa",
                mask: "4444",
                account_type: "credit",
                subtype: "credit card",
                opening: 640_00,
                limit: Some(8_000_00),
                currency: "USD",
            },
        ],
        oauth: false,
        primary_color: "#7C3AED",
        url: "https://houndstooth.example",
    },
    Institution {
        id: "ins_109512",
        name: "Gingham Credit Union",
        accounts: &[AccountTemplate {
            name: "Gingham Share Savings",
            official_name: "Gingham Share Savings",
            mask: "7777",
            account_type: "depository",
            subtype: "savings",
            opening: 2_050_00,
            limit: None,
            currency: "USD",
        }],
        oauth: false,
        primary_color: "#B45309",
        url: "https://gingham.example",
    },
    Institution {
        id: "ins_127287",
        name: "Platypus OAuth Bank",
        accounts: &[
            AccountTemplate {
                name: "Platypus OAuth Checking",
                official_name: "Platypus OAuth Premier Checking",
                mask: "8888",
                account_type: "depository",
                subtype: "checking",
                opening: 4_100_00,
                limit: None,
                currency: "USD",
            },
            AccountTemplate {
                name: "Platypus OAuth Savings",
                official_name: "Platypus OAuth Money Market",
                mask: "9999",
                account_type: "depository",
                subtype: "savings",
                opening: 8_750_00,
                limit: None,
                currency: "USD",
            },
        ],
        oauth: true,
        primary_color: "#1D4ED8",
        url: "https://platypus-oauth.example",
    },
    Institution {
        id: "ins_128026",
        name: "Capybara One",
        accounts: &[
            AccountTemplate {
                name: "Capybara 360 Checking",
                official_name: "Capybara 360 Checking",
                mask: "2020",
                account_type: "depository",
                subtype: "checking",
                opening: 2_750_00,
                limit: None,
                currency: "USD",
            },
            AccountTemplate {
                name: "Capybara Quicksilver",
                official_name: "Capybara Quicksilver Rewards Card",
                mask: "3030",
                account_type: "credit",
                subtype: "credit card",
                opening: 420_00,
                limit: Some(5_000_00),
                currency: "USD",
            },
        ],
        oauth: false,
        primary_color: "#BE123C",
        url: "https://capybara.example",
    },
    Institution {
        id: "ins_115585",
        name: "Otter Brokerage",
        accounts: &[
            AccountTemplate {
                name: "Otter Checking",
                official_name: "Otter Cash Management Checking",
                mask: "9090",
                account_type: "depository",
                subtype: "checking",
                opening: 1_200_00,
                limit: None,
                currency: "USD",
            },
            AccountTemplate {
                name: "Otter Brokerage",
                official_name: "Otter Individual Brokerage Account",
                mask: "8080",
                account_type: "investment",
                subtype: "brokerage",
                opening: 25_000_00,
                limit: None,
                currency: "USD",
            },
        ],
        oauth: false,
        primary_color: "#B45309",
        url: "https://otterbrokerage.example",
    },
    Institution {
        id: "ins_117650",
        name: "Maple Leaf Bank",
        accounts: &[
            AccountTemplate {
                name: "Maple Chequing",
                official_name: "Maple Everyday Chequing",
                mask: "6060",
                account_type: "depository",
                subtype: "checking",
                opening: 6_300_00,
                limit: None,
                currency: "CAD",
            },
            AccountTemplate {
                name: "Maple US Dollar Savings",
                official_name: "Maple US Dollar Savings",
                mask: "7070",
                account_type: "depository",
                subtype: "savings",
                opening: 1_900_00,
                limit: None,
                currency: "USD",
            },
        ],
        oauth: false,
        primary_color: "#047857",
        url: "https://mapleleaf.example",
    },
];

/// The account a bank opens for an existing Item when `/control/items/{id}/new-accounts`
/// is called: shared only once the user picks it in update mode with account selection.
pub const NEW_ACCOUNT: AccountTemplate = AccountTemplate {
    name: "Premier Savings",
    official_name: "Premier High-Yield Savings",
    mask: "5555",
    account_type: "depository",
    subtype: "savings",
    opening: 10_000_00,
    limit: None,
    currency: "USD",
};

/// Capital One's institution id: per the spec, `/accounts/balance/get` needs
/// `min_last_updated_datetime` there when a non-depository account is asked for.
pub const NEEDS_MIN_LAST_UPDATED: &str = "ins_128026";

/// Looks an institution up by id.
pub fn institution(id: &str) -> Option<&'static Institution> {
    INSTITUTIONS.iter().find(|i| i.id == id)
}

/// A generated transaction before it gets ids.
#[derive(Debug, Clone)]
pub struct Draft {
    /// Day.
    pub date: NaiveDate,
    /// Positive = out.
    pub amount: Decimal,
    /// Raw description.
    pub name: String,
    /// Merchant, when there is one.
    pub merchant: Option<&'static str>,
    /// Personal finance category (primary).
    pub category: &'static str,
    /// `online`, `in store`, `other`.
    pub channel: &'static str,
}

const GROCERS: &[&str] = &["Whole Foods", "Trader Joe's", "Safeway"];
const CAFES: &[&str] = &["Blue Bottle Coffee", "Starbucks", "Philz Coffee"];
const SHOPS: &[&str] = &["Amazon", "Target", "Apple", "REI"];
const RIDES: &[&str] = &["Uber", "Lyft"];
const FOOD: &[&str] = &["Sweetgreen", "Chipotle", "DoorDash"];

fn cents(rng: &mut StdRng, low: i64, high: i64) -> Decimal {
    Decimal::new(rng.gen_range(low..=high), 2)
}

fn pick(rng: &mut StdRng, list: &'static [&'static str]) -> &'static str {
    list[rng.gen_range(0..list.len())]
}

/// A day's transactions for an account; deterministic for a given RNG state.
pub fn day(rng: &mut StdRng, template: &AccountTemplate, date: NaiveDate) -> Vec<Draft> {
    let mut out = Vec::new();
    let mut push = |amount: Decimal,
                    merchant: Option<&'static str>,
                    name: String,
                    category: &'static str,
                    channel: &'static str| {
        out.push(Draft { date, amount, name, merchant, category, channel });
    };
    match (template.account_type, template.subtype) {
        ("depository", "checking") => {
            if date.day() == 1 {
                push(
                    Decimal::new(1_850_00, 2),
                    None,
                    "RENT PAYMENT - OAK STREET APTS".into(),
                    "RENT_AND_UTILITIES",
                    "other",
                );
            }
            if date.day() == 15 || date.day() == 28 {
                push(Decimal::new(-2_640_00, 2), None, "ACME TRADING PAYROLL".into(), "INCOME", "other");
            }
            if date.day() == 12 {
                push(
                    cents(rng, 60_00, 140_00),
                    Some("PG&E"),
                    "PG&E UTILITY BILL".into(),
                    "RENT_AND_UTILITIES",
                    "online",
                );
            }
            if rng.gen_bool(0.3) {
                let m = pick(rng, GROCERS);
                push(
                    cents(rng, 25_00, 160_00),
                    Some(m),
                    format!("{} #{}", m.to_uppercase(), rng.gen_range(100..999)),
                    "FOOD_AND_DRINK",
                    "in store",
                );
            }
            if rng.gen_bool(0.45) {
                let m = pick(rng, CAFES);
                push(cents(rng, 4_00, 9_50), Some(m), m.to_uppercase(), "FOOD_AND_DRINK", "in store");
            }
            if rng.gen_bool(0.08) {
                push(cents(rng, 20_00, 300_00), None, "ATM WITHDRAWAL".into(), "TRANSFER_OUT", "other");
            }
        }
        ("depository", _) => {
            if date.day() == 2 {
                push(Decimal::new(-400_00, 2), None, "TRANSFER FROM CHECKING".into(), "TRANSFER_IN", "other");
            }
            if date.day() == 28 {
                push(cents(rng, -48_00, -12_00), None, "INTEREST PAYMENT".into(), "INCOME", "other");
            }
        }
        // A brokerage account's activity is its investment transactions (`investments.rs`).
        ("investment", _) => {}
        _ => {
            if rng.gen_bool(0.35) {
                let m = pick(rng, SHOPS);
                push(
                    cents(rng, 12_00, 220_00),
                    Some(m),
                    format!("{} MKTP", m.to_uppercase()),
                    "GENERAL_MERCHANDISE",
                    "online",
                );
            }
            if rng.gen_bool(0.25) {
                let m = pick(rng, RIDES);
                push(
                    cents(rng, 9_00, 48_00),
                    Some(m),
                    format!("{} TRIP", m.to_uppercase()),
                    "TRANSPORTATION",
                    "online",
                );
            }
            if rng.gen_bool(0.3) {
                let m = pick(rng, FOOD);
                push(cents(rng, 11_00, 65_00), Some(m), m.to_uppercase(), "FOOD_AND_DRINK", "online");
            }
            if date.day() == 20 {
                push(Decimal::new(-600_00, 2), None, "AUTOPAY PAYMENT - THANK YOU".into(), "LOAN_PAYMENTS", "other");
            }
        }
    }
    out
}

/// Days from `start` to `end` inclusive.
pub fn days(start: NaiveDate, end: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    let count = (end - start).num_days().max(-1) + 1;
    (0..count).map(move |d| start + Duration::days(d))
}

/// The characters of Plaid's ids.
const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A Plaid-looking id: 37 characters of [A-Za-z0-9], the first 6 from `salt` (one per
/// simulator run, so a restarted simulator never mints an id of an earlier run), the rest
/// drawn from `rng` (all 37 drawn, so the seeded sequence stays the same whatever the salt).
pub fn plaid_id(rng: &mut impl Rng, salt: u64) -> String {
    let mut id: Vec<u8> = (0..37).map(|_| ID_ALPHABET[rng.gen_range(0..ID_ALPHABET.len())]).collect();
    let mut rest = salt;
    for c in &mut id[..6] {
        *c = ID_ALPHABET[(rest % ID_ALPHABET.len() as u64) as usize];
        rest /= ID_ALPHABET.len() as u64;
    }
    id.into_iter().map(char::from).collect()
}

/// A UUID-shaped string for tokens: the first 8 hex digits from `salt` (as [`plaid_id`]),
/// the rest drawn from `rng`.
pub fn uuid_like(rng: &mut impl Rng, salt: u64) -> String {
    let drawn: String = (0..32).map(|_| format!("{:x}", rng.gen_range(0..16u8))).collect();
    let hex = format!("{:08x}{}", salt as u32, &drawn[8..]);
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}
