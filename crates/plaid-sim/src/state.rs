//! The simulator's in-memory world: tokens, Items, accounts, transactions and the change
//! log `/transactions/sync` pages through.

use std::collections::{HashMap, VecDeque};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::{rngs::StdRng, Rng, SeedableRng};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::{
    data::{self, AccountTemplate, Institution},
    error::SimError,
};

/// A fault injected into the next API call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 429 RATE_LIMIT_EXCEEDED.
    RateLimit,
    /// 500 API_ERROR.
    ServerError,
    /// Answer only after this many milliseconds.
    Stall(u64),
}

/// A Link token.
#[derive(Debug, Clone)]
pub struct LinkTokenInfo {
    /// Update mode: the Item's access token.
    pub access_token: Option<String>,
    /// Webhook for new Items.
    pub webhook: Option<String>,
    /// Where an OAuth bank sends the user back to (Link resumes there).
    pub redirect_uri: Option<String>,
    /// Expiry.
    pub expires: DateTime<Utc>,
    /// Update mode lets the user choose accounts again (`update.account_selection_enabled`).
    pub account_selection: bool,
}

/// A user's visit to an OAuth bank's site, started from one Link session.
#[derive(Debug, Clone)]
pub struct OAuthState {
    /// The Link token whose session handed over to the bank.
    pub link_token: String,
    /// The bank.
    pub institution_id: &'static str,
    /// `None` until the user answers on the bank's page; then whether they allowed access.
    pub allowed: Option<bool>,
    /// Link finished with it (a reload of the redirect page must not resume it again).
    pub completed: bool,
    /// Expiry (30 minutes).
    pub expires: DateTime<Utc>,
}

/// A one-time public token.
#[derive(Debug, Clone)]
pub struct PublicTokenInfo {
    /// Its Item.
    pub item_id: String,
    /// Expiry (30 minutes).
    pub expires: DateTime<Utc>,
}

/// An account of a simulated Item.
#[derive(Debug, Clone)]
pub struct SimAccount {
    /// Id.
    pub account_id: String,
    /// Its template.
    pub template: &'static AccountTemplate,
}

/// A transaction.
#[derive(Debug, Clone)]
pub struct SimTxn {
    /// Id.
    pub id: String,
    /// Account.
    pub account_id: String,
    /// Positive = out.
    pub amount: Decimal,
    /// Date.
    pub date: NaiveDate,
    /// Description.
    pub name: String,
    /// Merchant.
    pub merchant: Option<&'static str>,
    /// Category.
    pub category: &'static str,
    /// Channel.
    pub channel: &'static str,
    /// Pending.
    pub pending: bool,
    /// The pending transaction it replaced.
    pub pending_transaction_id: Option<String>,
    /// ISO currency code (its account's).
    pub currency: &'static str,
}

impl SimTxn {
    /// Plaid's `Transaction` JSON, with every field the spec requires.
    pub fn to_json(&self) -> Value {
        json!({
            "transaction_id": self.id,
            "account_id": self.account_id,
            "amount": self.amount,
            "iso_currency_code": self.currency,
            "unofficial_currency_code": null,
            "date": self.date.to_string(),
            "authorized_date": self.date.to_string(),
            "authorized_datetime": null,
            "datetime": null,
            "pending": self.pending,
            "pending_transaction_id": self.pending_transaction_id,
            "name": self.name,
            "merchant_name": self.merchant,
            "merchant_entity_id": null,
            "account_owner": null,
            "payment_channel": self.channel,
            "transaction_code": null,
            "transaction_type": if self.channel == "in store" { "place" } else { "special" },
            "category": null,
            "category_id": null,
            "check_number": null,
            "logo_url": null,
            "website": null,
            "location": {"address": null, "city": null, "region": null, "postal_code": null, "country": null, "lat": null, "lon": null, "store_number": null},
            "payment_meta": {"by_order_of": null, "payee": null, "payer": null, "payment_method": null, "payment_processor": null, "ppd_id": null, "reason": null, "reference_number": null},
            "personal_finance_category": {"primary": self.category, "detailed": self.category, "confidence_level": "HIGH"},
            "counterparties": [],
        })
    }
}

/// One entry of an Item's change log.
#[derive(Debug, Clone)]
pub enum Change {
    /// New.
    Added(SimTxn),
    /// Changed.
    Modified(SimTxn),
    /// Gone (e.g. a pending transaction that posted).
    Removed {
        /// Id.
        id: String,
        /// Account.
        account_id: String,
    },
}

/// A simulated Item.
#[derive(Debug)]
pub struct SimItem {
    /// Id.
    pub item_id: String,
    /// Institution.
    pub institution: &'static Institution,
    /// Webhook URL.
    pub webhook: Option<String>,
    /// The Item's error code (`ITEM_LOGIN_REQUIRED`, `ITEM_LOCKED`, `USER_PERMISSION_REVOKED`,
    /// …): every call with its token fails with it until it is repaired.
    pub error: Option<String>,
    /// Accounts shared with the app.
    pub accounts: Vec<SimAccount>,
    /// Accounts at the bank the user has not shared (not picked in Link, or opened since).
    pub unshared: Vec<SimAccount>,
    /// Current transactions (changed only through methods that forget `sums`).
    transactions: Vec<SimTxn>,
    /// Every change since creation; cursors are positions in it.
    pub log: Vec<Change>,
    /// Fail the sync call after this many more successful ones.
    pub mutate_after: Option<u32>,
    /// `/transactions/sync` was called at least once (Plaid only then sends SYNC webhooks).
    pub sync_called: bool,
    /// Purchases made at the bank that Plaid has not fetched yet: `/transactions/refresh`
    /// fetches them (Plaid otherwise picks them up on its own schedule).
    pub at_bank: u32,
    /// The credit card's payment is overdue (`/liabilities/get`'s `is_overdue`).
    pub overdue: bool,
    /// Positions of the investment accounts (brokerage cash among them).
    pub positions: Vec<crate::investments::Position>,
    /// Investment transactions, oldest first.
    pub investment_log: Vec<crate::investments::SimInvestmentTxn>,
    /// Last webhook sent.
    pub last_webhook: Option<(DateTime<Utc>, String)>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Per account id, the sums of posted amounts and of pending debits, computed once per
    /// change of `transactions` (every `/transactions/sync` page reports balances: summing
    /// 100,000 transactions for each page made a long history quadratic).
    sums: std::cell::OnceCell<HashMap<String, (Decimal, Decimal)>>,
    rng: StdRng,
    /// The simulator's salt, for the ids this Item mints.
    salt: u64,
}

/// The whole simulated world.
pub struct State {
    rng: StdRng,
    /// Days the clock was advanced.
    pub day_offset: i64,
    /// Link tokens.
    pub link_tokens: HashMap<String, LinkTokenInfo>,
    /// Public tokens not yet exchanged.
    pub public_tokens: HashMap<String, PublicTokenInfo>,
    /// Access token → Item id (removed Items are dropped).
    pub access_tokens: HashMap<String, String>,
    /// Items by id.
    pub items: HashMap<String, SimItem>,
    /// OAuth hand-overs by `oauth_state_id`.
    pub oauth_states: HashMap<String, OAuthState>,
    /// What happens to the next API calls: `None` lets one through, `Some` fails it.
    pub faults: VecDeque<Option<Fault>>,
    /// Items in creation order (deterministic data per position).
    created: u64,
    seed: u64,
    /// Random per simulator: written into every id and token it mints, so that a restarted
    /// simulator (same seed, same data) never hands out an id or token of an earlier run, which
    /// a kept database still holds (an Item id taken, another user's token).
    salt: u64,
}

/// A Plaid-looking request id.
pub fn request_id() -> String {
    let mut rng = rand::thread_rng();
    (0..15).map(|_| (b'A' + rng.gen_range(0..26)) as char).collect()
}

impl State {
    /// An empty world.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
            salt: rand::random(),
            day_offset: 0,
            link_tokens: HashMap::new(),
            public_tokens: HashMap::new(),
            access_tokens: HashMap::new(),
            items: HashMap::new(),
            oauth_states: HashMap::new(),
            faults: VecDeque::new(),
            created: 0,
            seed,
        }
    }

    /// The simulated date.
    pub fn today(&self) -> NaiveDate {
        Utc::now().date_naive() + Duration::days(self.day_offset)
    }

    /// A new token with Plaid's prefix.
    pub fn token(&mut self, kind: &str) -> String {
        format!("{kind}-sandbox-{}", data::uuid_like(&mut self.rng, self.salt))
    }

    /// Creates an Item with history and returns its id and a public token for it.
    /// Only the accounts whose masks are in `masks` are shared (all when empty), as when
    /// the user picks accounts in Link.
    pub fn create_item(
        &mut self,
        institution: &'static Institution,
        masks: &[String],
        webhook: Option<String>,
        history_days: u32,
    ) -> (String, String) {
        self.created += 1;
        let mut rng = StdRng::seed_from_u64(self.seed.wrapping_mul(31).wrapping_add(self.created));
        let salt = self.salt;
        let item_id = data::plaid_id(&mut rng, salt);
        let (accounts, unshared): (Vec<SimAccount>, Vec<SimAccount>) = institution
            .accounts
            .iter()
            .map(|template| SimAccount { account_id: data::plaid_id(&mut rng, salt), template })
            .partition(|a| masks.is_empty() || masks.iter().any(|m| m == a.template.mask));
        let today = self.today();
        let start = today - Duration::days(i64::from(history_days.max(1)) - 1);
        let (mut positions, mut investment_log) = (Vec::new(), Vec::new());
        for account in accounts.iter().filter(|a| a.template.account_type == "investment") {
            let mut ids = || data::plaid_id(&mut rng, salt);
            let (held, log) =
                crate::investments::open_account(&account.account_id, account.template.opening, start, &mut ids);
            positions.extend(held);
            investment_log.extend(log);
        }
        let mut item = SimItem {
            item_id: item_id.clone(),
            institution,
            webhook,
            error: None,
            accounts,
            unshared,
            transactions: Vec::new(),
            log: Vec::new(),
            mutate_after: None,
            sync_called: false,
            at_bank: 0,
            overdue: false,
            positions,
            investment_log,
            last_webhook: None,
            created_at: Utc::now(),
            sums: std::cell::OnceCell::new(),
            rng,
            salt,
        };
        for date in data::days(start, today) {
            let pending = (today - date).num_days() < 2;
            item.add_day(date, pending);
        }
        let public_token = self.token("public");
        self.public_tokens.insert(
            public_token.clone(),
            PublicTokenInfo { item_id: item_id.clone(), expires: Utc::now() + Duration::minutes(30) },
        );
        self.items.insert(item_id.clone(), item);
        (item_id, public_token)
    }

    /// The Item behind an access token, as Plaid validates it.
    pub fn item_for_token(&mut self, token: &str) -> Result<&mut SimItem, SimError> {
        if !token.starts_with("access-sandbox-") {
            return Err(SimError::invalid_input(
                "INVALID_ACCESS_TOKEN",
                "provided access token is in an invalid format",
            ));
        }
        let item_id = self
            .access_tokens
            .get(token)
            .ok_or_else(|| SimError::item("ITEM_NOT_FOUND", "the Item you requested cannot be found. This Item does not exist, has been previously removed, or has had access removed by the user."))?;
        self.items
            .get_mut(item_id)
            .ok_or_else(|| SimError::item("ITEM_NOT_FOUND", "the Item you requested cannot be found."))
    }
}

/// Plaid's user-facing message for an Item error code, when Plaid has one (some have none,
/// as with Plaid, so the app's own wording is exercised).
fn display_message(code: &str) -> Option<&'static str> {
    match code {
        "ITEM_LOGIN_REQUIRED" => Some("Your bank needs you to sign in again."),
        "ITEM_LOCKED" => Some("Your account is locked. Unlock it with your bank, then sign in again here."),
        "INVALID_CREDENTIALS" => Some("The username or password you saved is no longer correct."),
        _ => None,
    }
}

/// Plaid's error object for an Item error code.
pub fn item_error_json(code: &str) -> Value {
    json!({
        "error_type": "ITEM_ERROR", "error_code": code,
        "error_message": match code {
            "ITEM_LOGIN_REQUIRED" => "the login details of this item have changed (credentials, MFA, or required user action) and a user login is required to update this information. use Link's update mode to restore the item to a good state",
            "USER_PERMISSION_REVOKED" => "the holder of this account has revoked their permission for your application to access it",
            _ => "the Item is in an error state that update mode resolves",
        },
        "display_message": display_message(code), "status": 400,
        "request_id": null, "documentation_url": null, "suggested_action": null, "causes": []
    })
}

impl SimItem {
    /// The error every call with this Item's token fails with, if it is broken.
    pub fn check(&self) -> Result<(), SimError> {
        match &self.error {
            None => Ok(()),
            Some(code) => {
                let body = item_error_json(code);
                let mut error = SimError::item(code, body["error_message"].as_str().unwrap_or_default());
                if let Some(display) = display_message(code) {
                    error = error.display(display);
                }
                Err(error)
            }
        }
    }

    fn add_day(&mut self, date: NaiveDate, pending_window: bool) {
        self.sums.take();
        for account in self.accounts.clone() {
            for draft in data::day(&mut self.rng, account.template, date) {
                let pending = pending_window && draft.amount > Decimal::ZERO && account.template.subtype != "savings";
                let txn = SimTxn {
                    id: data::plaid_id(&mut self.rng, self.salt),
                    account_id: account.account_id.clone(),
                    amount: draft.amount,
                    date: draft.date,
                    name: draft.name,
                    merchant: draft.merchant,
                    category: draft.category,
                    channel: draft.channel,
                    pending,
                    pending_transaction_id: None,
                    currency: account.template.currency,
                };
                self.transactions.push(txn.clone());
                self.log.push(Change::Added(txn));
            }
        }
    }

    /// Posts every pending transaction (the pending one is removed, the posted one carries
    /// `pending_transaction_id`), adds `count` new purchases on `date` and corrects the
    /// amount of `modify` recent posted ones. Returns (added, modified, removed).
    pub fn advance(&mut self, date: NaiveDate, count: u32, pending: bool, modify: u32) -> (usize, usize, usize) {
        self.sums.take();
        let (mut added, mut modified, mut removed) = (0, 0, 0);
        // Corrections apply to transactions that were already posted before this call.
        let to_modify: Vec<String> = self
            .transactions
            .iter()
            .rev()
            .filter(|t| !t.pending && t.amount > Decimal::ZERO)
            .take(modify as usize)
            .map(|t| t.id.clone())
            .collect();
        let posting: Vec<SimTxn> = self.transactions.iter().filter(|t| t.pending).cloned().collect();
        for p in posting {
            self.transactions.retain(|t| t.id != p.id);
            self.log.push(Change::Removed { id: p.id.clone(), account_id: p.account_id.clone() });
            removed += 1;
            let posted = SimTxn {
                id: data::plaid_id(&mut self.rng, self.salt),
                pending: false,
                pending_transaction_id: Some(p.id.clone()),
                ..p
            };
            self.transactions.push(posted.clone());
            self.log.push(Change::Added(posted));
            added += 1;
        }
        let spend = self
            .accounts
            .iter()
            .find(|a| a.template.subtype == "checking" || a.template.account_type == "credit")
            .unwrap_or(&self.accounts[0])
            .clone();
        const NEW: &[(&str, &str, &str)] = &[
            ("Blue Bottle Coffee", "FOOD_AND_DRINK", "in store"),
            ("Whole Foods", "FOOD_AND_DRINK", "in store"),
            ("Amazon", "GENERAL_MERCHANDISE", "online"),
            ("Uber", "TRANSPORTATION", "online"),
        ];
        for n in 0..count {
            let (merchant, category, channel) = NEW[(n as usize) % NEW.len()];
            let txn = SimTxn {
                id: data::plaid_id(&mut self.rng, self.salt),
                account_id: spend.account_id.clone(),
                amount: Decimal::new(self.rng.gen_range(5_00..=95_00), 2),
                date,
                name: merchant.to_uppercase(),
                merchant: Some(merchant),
                category,
                channel,
                pending,
                pending_transaction_id: None,
                currency: spend.template.currency,
            };
            self.transactions.push(txn.clone());
            self.log.push(Change::Added(txn));
            added += 1;
        }
        for t in self.transactions.iter_mut().filter(|t| to_modify.contains(&t.id)) {
            t.amount += Decimal::new(2_00, 2);
            t.name = format!("{} (ADJUSTED)", t.name.trim_end_matches(" (ADJUSTED)"));
            self.log.push(Change::Modified(t.clone()));
            modified += 1;
        }
        (added, modified, removed)
    }

    /// How many transactions the bank holds for the shared accounts.
    pub fn transaction_count(&self) -> usize {
        self.transactions.len()
    }

    /// Removes an account the user stopped sharing, with its transactions.
    pub fn remove_account(&mut self, position: usize) -> SimAccount {
        self.sums.take();
        let account = self.accounts.remove(position);
        self.transactions.retain(|t| t.account_id != account.account_id);
        account
    }

    /// Per account id: the sum of posted amounts and of pending debits.
    fn sums(&self) -> &HashMap<String, (Decimal, Decimal)> {
        self.sums.get_or_init(|| {
            let mut sums: HashMap<String, (Decimal, Decimal)> = HashMap::new();
            for t in &self.transactions {
                let (posted, held) = sums.entry(t.account_id.clone()).or_default();
                match (t.pending, t.amount > Decimal::ZERO) {
                    (false, _) => *posted += t.amount,
                    (true, true) => *held += t.amount,
                    (true, false) => {}
                }
            }
            sums
        })
    }

    /// Current and available balances computed from the transactions.
    pub fn accounts_json(&self) -> Vec<Value> {
        self.accounts
            .iter()
            .map(|a| {
                let t = a.template;
                let opening = Decimal::new(t.opening, 2);
                let (posted, held) = self.sums().get(&a.account_id).copied().unwrap_or_default();
                let (current, available, limit) = if t.account_type == "credit" {
                    let owed = opening + posted;
                    let limit = Decimal::new(t.limit.unwrap_or(0), 2);
                    (owed, limit - owed - held, Some(limit))
                } else {
                    let current = opening - posted;
                    (current, current - held, None)
                };
                // An institution without real-time figures for cards reports when its own
                // figure was last updated: it refreshes them every six hours, two hours late,
                // so the time stays the same between calls (as a bank's does).
                let last_updated = (self.institution.id == data::NEEDS_MIN_LAST_UPDATED
                    && t.account_type != "depository")
                    .then(|| {
                        let late = (Utc::now() - Duration::hours(2)).timestamp();
                        let refreshed = late - late.rem_euclid(6 * 3600);
                        DateTime::<Utc>::from_timestamp(refreshed, 0)
                            .unwrap_or_default()
                            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    });
                json!({
                    "account_id": a.account_id,
                    "balances": {
                        "available": available, "current": current, "limit": limit,
                        "iso_currency_code": t.currency, "unofficial_currency_code": null,
                        "last_updated_datetime": last_updated,
                        // Borrowed on margin (investment accounts; none here).
                        "margin_loan_amount": null,
                    },
                    "mask": t.mask,
                    "name": t.name,
                    "official_name": t.official_name,
                    "type": t.account_type,
                    "subtype": t.subtype,
                    "holder_category": "personal",
                })
            })
            .collect()
    }

    /// Buys `quantity` of security `security` at today's price with the first investment
    /// account's cash, logged as a `buy`; the investment transaction's id, or `None` when
    /// there is no such account or not enough cash.
    pub fn buy(&mut self, security: usize, quantity: i64, today: NaiveDate) -> Option<String> {
        use crate::investments::{Position, SimInvestmentTxn, SECURITIES};
        let account_id = self.positions.iter().find(|p| p.security == 0)?.account_id.clone();
        let price = Decimal::new(SECURITIES[security].price, 2);
        let cost = price * Decimal::from(quantity);
        let cash = self.positions.iter_mut().find(|p| p.account_id == account_id && p.security == 0)?;
        if cash.quantity < cost {
            return None;
        }
        cash.quantity -= cost;
        match self.positions.iter_mut().find(|p| p.account_id == account_id && p.security == security) {
            Some(p) => {
                p.quantity += Decimal::from(quantity);
                p.cost_basis = Some(p.cost_basis.unwrap_or_default() + cost);
            }
            None => self.positions.push(Position {
                account_id: account_id.clone(),
                security,
                quantity: Decimal::from(quantity),
                cost_basis: Some(cost),
            }),
        }
        let id = data::plaid_id(&mut self.rng, self.salt);
        self.investment_log.push(SimInvestmentTxn {
            id: id.clone(),
            account_id,
            security: Some(security),
            date: today,
            name: format!("BUY {quantity} {}", SECURITIES[security].ticker),
            quantity: Decimal::from(quantity),
            price,
            amount: cost,
            kind: ("buy", "buy"),
        });
        Some(id)
    }

    /// `liabilities` of `/liabilities/get`: one entry per shared credit card, derived from its
    /// balance and the simulated day (`None` when the Item has no liability account).
    pub fn liabilities_json(&self, today: NaiveDate) -> Option<Value> {
        let balances = self.accounts_json();
        let cards: Vec<Value> = balances
            .iter()
            .filter(|a| a["type"] == "credit")
            .map(|a| {
                let owed: Decimal = serde_json::from_value(a["balances"]["current"].clone()).unwrap_or_default();
                let minimum = (owed * Decimal::new(2, 2)).round_dp(2).max(Decimal::new(25_00, 2)).min(owed.max(Decimal::ZERO));
                let statement = today - Duration::days(10);
                json!({
                    "account_id": a["account_id"],
                    "aprs": [
                        { "apr_percentage": 22.49, "apr_type": "purchase_apr", "balance_subject_to_apr": owed, "interest_charge_amount": 12.34 },
                        { "apr_percentage": 28.99, "apr_type": "cash_apr", "balance_subject_to_apr": null, "interest_charge_amount": null },
                    ],
                    "is_overdue": self.overdue,
                    "last_payment_amount": 150.0,
                    "last_payment_date": (statement - Duration::days(12)).to_string(),
                    "last_statement_issue_date": statement.to_string(),
                    "last_statement_balance": owed,
                    "minimum_payment_amount": minimum,
                    "next_payment_due_date": (if self.overdue { today - Duration::days(3) } else { statement + Duration::days(25) }).to_string(),
                })
            })
            .collect();
        (!cards.is_empty()).then(|| json!({ "credit": cards, "mortgage": null, "student": null }))
    }

    /// Plaid's `Item` JSON.
    pub fn item_json(&self) -> Value {
        json!({
            "item_id": self.item_id,
            "institution_id": self.institution.id,
            "institution_name": self.institution.name,
            "webhook": self.webhook,
            "auth_method": null,
            "error": self.error.as_deref().map(item_error_json).unwrap_or(Value::Null),
            "available_products": ["balance"],
            "billed_products": ["transactions"],
            "products": ["transactions"],
            "consented_products": ["transactions"],
            "consent_expiration_time": null,
            "update_type": "background",
        })
    }

    /// Encodes a position in this Item's log as an opaque cursor.
    pub fn cursor(&self, position: usize) -> String {
        URL_SAFE_NO_PAD.encode(format!("v1|{}|{position}", self.item_id))
    }

    /// Decodes a cursor of this Item.
    pub fn position(&self, cursor: &str) -> Result<usize, SimError> {
        let invalid = || SimError::invalid_request("INVALID_FIELD", "cursor is not valid for this item");
        let text = URL_SAFE_NO_PAD.decode(cursor).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(invalid)?;
        let mut parts = text.split('|');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("v1"), Some(item), Some(pos)) if item == self.item_id => {
                let pos: usize = pos.parse().map_err(|_| invalid())?;
                if pos > self.log.len() {
                    return Err(invalid());
                }
                Ok(pos)
            }
            _ => Err(invalid()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restarted_simulator_makes_the_same_data_under_new_ids_and_tokens() {
        let institution = &data::INSTITUTIONS[0];
        let (mut first, mut restarted) = (State::new(42), State::new(42));
        let (item, public) = first.create_item(institution, &[], None, 30);
        let (again, public_again) = restarted.create_item(institution, &[], None, 30);
        assert_ne!(item, again, "an Item id a kept database may hold");
        assert_ne!(public, public_again);
        assert!(public_again.starts_with("public-sandbox-") && public_again.len() == public.len());
        let accounts = |state: &State, item: &str| -> Vec<String> {
            state.items[item].accounts.iter().map(|a| a.account_id.clone()).collect()
        };
        let (ids, ids_again) = (accounts(&first, &item), accounts(&restarted, &again));
        assert!(!ids.is_empty() && ids.iter().all(|id| !ids_again.contains(id)));
        let (before, after) = (&first.items[&item].transactions, &restarted.items[&again].transactions);
        assert!(!before.is_empty() && before.len() == after.len());
        for (x, y) in before.iter().zip(after) {
            assert_ne!(x.id, y.id);
            assert_eq!((x.amount, x.date, &x.name), (y.amount, y.date, &y.name), "same seed, same data");
        }
    }
}
