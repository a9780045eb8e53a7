//! [`BankingService`]: the operations the app calls, each for one acting user.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use plaid_client::{
    api::{
        AccountsBalanceGetOptions, AccountsBalanceGetRequest, AccountsGetRequest, ItemPublicTokenExchangeRequest,
        ItemRemoveRequest, LinkTokenCreateRequest, LinkTokenTransactions, LinkTokenUpdate, LinkTokenUser,
    },
    AccessToken, PlaidClient,
};

use crate::{
    crypto::TokenCipher,
    events::{Event, EventBus},
    model::*,
    store::{leases::ItemCall, NewItem, Store, StoredItem},
    Error, Result,
};

/// What Link tokens are created with.
#[derive(Debug, Clone)]
pub struct BankingConfig {
    /// Name shown in Link.
    pub client_name: String,
    /// Products for new Items.
    pub products: Vec<String>,
    /// Products new Items get where their institution has them (`optional_products`).
    pub optional_products: Vec<String>,
    /// Country codes.
    pub country_codes: Vec<String>,
    /// Link language.
    pub language: String,
    /// Public URL of our webhook endpoint.
    pub webhook_url: Option<String>,
    /// OAuth redirect URI (registered with Plaid).
    pub redirect_uri: Option<String>,
    /// Days of history on first link.
    pub days_requested: u32,
    /// `/transactions/sync` page size.
    pub sync_page_size: u32,
    /// Safety-net sync for Items not synced for this long.
    pub stale_after: Duration,
    /// Within this time of a real-time balance call for an Item (from any instance), a
    /// refresh serves the figures just fetched instead of calling Plaid again.
    pub balance_refresh_interval: Duration,
    /// Within this time of a `/transactions/refresh` for an Item (from any instance), "Sync
    /// now" does not ask the bank again (Plaid bills each call and the bank answers slowly).
    pub transactions_refresh_interval: Duration,
    /// The same webhook body within this time of the first, with nothing else about the
    /// Item in between, is a redelivery and is acted on once.
    pub webhook_redelivery_window: Duration,
    /// Recorded webhooks are deleted this long after their last delivery.
    pub webhook_retention: Duration,
}

impl Default for BankingConfig {
    fn default() -> Self {
        Self {
            client_name: "Cash Flow".into(),
            products: vec!["transactions".into()],
            optional_products: vec!["liabilities".into(), "investments".into()],
            country_codes: vec!["US".into()],
            language: "en".into(),
            webhook_url: None,
            redirect_uri: None,
            days_requested: 90,
            sync_page_size: 250,
            stale_after: Duration::from_secs(6 * 3600),
            balance_refresh_interval: Duration::from_secs(15),
            transactions_refresh_interval: Duration::from_secs(300),
            webhook_redelivery_window: Duration::from_secs(10 * 60),
            webhook_retention: Duration::from_secs(30 * 86_400),
        }
    }
}

/// A Link token for the browser.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkToken {
    /// For `Plaid.create({token})`.
    pub link_token: String,
    /// When it expires.
    pub expiration: DateTime<Utc>,
}

/// What Link's `onSuccess` reported, used to refuse duplicates before exchanging.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinkMetadata {
    /// Institution id.
    pub institution_id: Option<String>,
    /// Institution name.
    pub institution_name: Option<String>,
    /// Masks of the accounts the user selected.
    pub account_masks: Vec<String>,
}

/// Balances after a refresh request: fresh from the bank, or the last known ones with why.
#[derive(Debug, Clone, PartialEq)]
pub struct BalanceRefresh {
    /// The Item and its accounts (balances carry their fetch time).
    pub item: ItemWithAccounts,
    /// None when the balances are fresh; otherwise why they could not be refreshed.
    pub stale_reason: Option<String>,
}

pub(crate) struct Inner {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) plaid: PlaidClient,
    pub(crate) cipher: TokenCipher,
    pub(crate) config: BankingConfig,
    pub(crate) events: EventBus,
    /// The last UTC day this process kept the balance history for.
    pub(crate) history_kept_on: std::sync::Mutex<Option<chrono::NaiveDate>>,
}

/// The banking operations. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct BankingService {
    pub(crate) inner: Arc<Inner>,
}

impl BankingService {
    /// Wires the service. The cipher must already hold the configured keys (the app refuses
    /// to start in live mode without them).
    pub fn new(
        store: Arc<dyn Store>,
        plaid: PlaidClient,
        cipher: TokenCipher,
        config: BankingConfig,
        events: EventBus,
    ) -> Self {
        Self { inner: Arc::new(Inner { store, plaid, cipher, config, events, history_kept_on: Default::default() }) }
    }

    /// The event bus, for subscribing.
    pub fn events(&self) -> &EventBus {
        &self.inner.events
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// A Link token to connect a new bank.
    pub async fn create_link_token(&self, user: UserId) -> Result<LinkToken> {
        self.link_token(user, None).await
    }

    /// A Link token in update mode for one of the user's Items (re-authentication or new
    /// accounts): the Item's access token and no products. When the bank reported new
    /// accounts, Link also lets the user choose which to share (`account_selection_enabled`).
    /// A revoked Item cannot be repaired: it is removed and linked again.
    pub async fn create_update_link_token(&self, user: UserId, item_id: &str) -> Result<LinkToken> {
        let stored = self.inner.store.item(user, item_id).await?;
        if stored.item.status == ItemStatus::Revoked {
            return Err(Error::InvalidInput(
                "Access to this bank was revoked. Remove it, then connect the bank again.".into(),
            ));
        }
        let token = self.token(&stored).await?;
        let update = LinkTokenUpdate { account_selection_enabled: stored.item.needs_update };
        self.link_token(user, Some((token, update))).await
    }

    /// New-bank mode asks for the configured products and history; update mode (with the
    /// Item's token) must ask for neither.
    async fn link_token(&self, user: UserId, update: Option<(AccessToken, LinkTokenUpdate)>) -> Result<LinkToken> {
        let c = &self.inner.config;
        let new_bank = update.is_none();
        let (access_token, update) = match update {
            Some((token, options)) => (Some(token), options.account_selection_enabled.then_some(options)),
            None => (None, None),
        };
        let request = LinkTokenCreateRequest {
            client_name: c.client_name.clone(),
            language: c.language.clone(),
            country_codes: c.country_codes.clone(),
            user: LinkTokenUser { client_user_id: user.to_string() },
            products: new_bank.then(|| c.products.clone()),
            optional_products: (new_bank && !c.optional_products.is_empty()).then(|| c.optional_products.clone()),
            webhook: c.webhook_url.clone(),
            access_token,
            redirect_uri: c.redirect_uri.clone(),
            transactions: new_bank.then_some(LinkTokenTransactions { days_requested: c.days_requested }),
            update,
        };
        let response = self.inner.plaid.send(&request).await?;
        Ok(LinkToken { link_token: response.link_token, expiration: response.expiration })
    }

    /// Exchanges Link's public token and stores the new Item with its accounts, then starts
    /// the first sync in the background. A bank the user already linked (same institution,
    /// same account masks) is refused with [`Error::Conflict`] before anything is exchanged.
    #[tracing::instrument(skip_all, fields(user = user))]
    pub async fn exchange_public_token(
        &self,
        user: UserId,
        public_token: &str,
        metadata: &LinkMetadata,
    ) -> Result<ItemWithAccounts> {
        let public_token = public_token.trim();
        if !public_token.starts_with("public-") || public_token.len() > 200 {
            return Err(Error::InvalidInput("That bank link is not valid. Please connect the bank again.".into()));
        }
        if let Some(institution) = &metadata.institution_id {
            if let Some(existing) =
                self.inner.store.find_duplicate_item(user, institution, &metadata.account_masks).await?
            {
                return Err(Error::Conflict {
                    message: format!(
                        "{} is already connected. Re-authenticate the existing connection instead of adding it twice.",
                        existing.institution_name
                    ),
                    existing_item_id: Some(existing.item_id),
                });
            }
        }
        let exchanged = self
            .inner
            .plaid
            .send(&ItemPublicTokenExchangeRequest { public_token: public_token.to_string() })
            .await
            .map_err(|e| match e.code() {
                Some("INVALID_PUBLIC_TOKEN") | Some("INVALID_INPUT") => Error::InvalidInput(
                    "That bank link has expired or was already used. Please connect the bank again.".into(),
                ),
                _ => Error::from(e),
            })?;
        let access_token = exchanged.access_token;
        let accounts_response = match self.inner.plaid.send(&AccountsGetRequest::new(&access_token)).await {
            Ok(r) => r,
            Err(e) => {
                // Do not leave a billed Item nobody can see.
                self.remove_at_plaid(&access_token).await;
                return Err(e.into());
            }
        };
        let institution_id = accounts_response.item.institution_id.clone().or_else(|| metadata.institution_id.clone());
        let institution_name = accounts_response
            .item
            .institution_name
            .clone()
            .or_else(|| metadata.institution_name.clone())
            .unwrap_or_else(|| "Bank".into());
        let now = Utc::now().timestamp();
        let accounts: Vec<Account> = accounts_response
            .accounts
            .iter()
            .map(|a| account_from_plaid(&exchanged.item_id, a, now, BalanceSource::Sync))
            .collect();
        let item = NewItem {
            item_id: exchanged.item_id.clone(),
            user_id: user,
            institution_id,
            institution_name,
            token: self.inner.cipher.seal(user, &exchanged.item_id, &access_token),
            webhook_url: self.inner.config.webhook_url.clone(),
        };
        if let Err(e) = self.inner.store.insert_item(&item, &accounts).await {
            self.remove_at_plaid(&access_token).await;
            return Err(e);
        }
        tracing::info!(item_id = %item.item_id, accounts = accounts.len(), "bank linked");
        let detail = format!("{}, {} account(s)", item.institution_name, accounts.len());
        self.audit(&item.item_id, user, Actor::User(user), "linked", Some(detail)).await;
        self.inner.events.publish(user, Event::ItemAdded { item_id: item.item_id.clone() }).await;
        self.spawn_sync(item.item_id.clone());
        let stored = self.inner.store.item(user, &item.item_id).await?;
        Ok(ItemWithAccounts { item: stored.item, accounts })
    }

    async fn remove_at_plaid(&self, token: &AccessToken) {
        if let Err(e) = self.inner.plaid.send(&ItemRemoveRequest { access_token: token.clone() }).await {
            tracing::warn!(error = %e, "could not remove an Item at Plaid after a failed link");
        }
    }

    /// The user's Items with their accounts and last known balances.
    pub async fn accounts(&self, user: UserId) -> Result<Vec<ItemWithAccounts>> {
        let items = self.inner.store.listed_items(user).await?;
        let accounts = self.inner.store.accounts(user).await?;
        Ok(group_by_item(items, accounts))
    }

    /// The user's Items with their accounts, and the preferences set for those accounts by
    /// account id: two queries (Items; accounts joined with their preferences), the read
    /// behind every `GET /api/v1/banking/accounts`.
    pub async fn accounts_and_preferences(
        &self,
        user: UserId,
    ) -> Result<(Vec<ItemWithAccounts>, std::collections::HashMap<String, AccountPreferences>)> {
        let items = self.inner.store.listed_items(user).await?;
        let mut preferences = std::collections::HashMap::new();
        let mut accounts = Vec::new();
        for (account, chosen) in self.inner.store.accounts_with_preferences(user).await? {
            if let Some(chosen) = chosen {
                preferences.insert(account.account_id.clone(), chosen);
            }
            accounts.push(account);
        }
        Ok((group_by_item(items, accounts), preferences))
    }

    /// The user's transactions that pass `filter`, in its order, one page of it.
    pub async fn transactions(&self, user: UserId, filter: &TransactionFilter) -> Result<Vec<Transaction>> {
        self.inner.store.transactions(user, filter).await
    }

    /// Money in and out per category and currency over the transactions that pass `filter`.
    pub async fn category_totals(&self, user: UserId, filter: &TransactionFilter) -> Result<Vec<CategoryTotal>> {
        self.inner.store.category_totals(user, filter).await
    }

    /// Files one of the user's transactions under `category` (`None`: back to Plaid's). Kept
    /// across syncs, and when Plaid posts a pending transaction under a new id. Open pages
    /// are told.
    pub async fn set_transaction_category(
        &self,
        user: UserId,
        transaction_id: &str,
        category: Option<Category>,
    ) -> Result<Transaction> {
        let now = Utc::now().timestamp();
        let category = category.map(Category::as_str);
        let transaction = self.inner.store.set_user_category(user, transaction_id, category, now).await?;
        let counts = SyncCounts { modified: 1, ..Default::default() };
        self.inner
            .events
            .publish(user, Event::TransactionsChanged { item_id: transaction.item_id.clone(), counts })
            .await;
        Ok(transaction)
    }

    /// Keeps the user's nickname, hidden flag and total-cash choice for one of their accounts
    /// (checked by [`AccountPreferences::new`]; kept across syncs and re-links).
    pub async fn set_account_preferences(
        &self,
        user: UserId,
        account_id: &str,
        preferences: &AccountPreferences,
    ) -> Result<()> {
        self.inner.store.set_account_preferences(user, account_id, preferences, Utc::now().timestamp()).await
    }

    /// The user's account preferences by account id.
    pub async fn account_preferences(
        &self,
        user: UserId,
    ) -> Result<std::collections::HashMap<String, AccountPreferences>> {
        let accounts = self.inner.store.accounts_with_preferences(user).await?;
        Ok(accounts.into_iter().filter_map(|(a, p)| p.map(|p| (a.account_id, p))).collect())
    }

    /// Fetches real-time balances for one Item. When Plaid fails (rate limit, outage, login
    /// required) the last known balances come back with the reason instead of an error.
    pub async fn refresh_balances(&self, user: UserId, item_id: &str) -> Result<BalanceRefresh> {
        let stored = self.inner.store.item(user, item_id).await?;
        let now = Utc::now().timestamp();
        // Plaid allows few real-time balance calls per Item and minute: a refresh right after
        // another (from any instance) serves the figures just fetched instead of spending (and
        // failing) a call.
        let not_after = now - self.inner.config.balance_refresh_interval.as_secs() as i64;
        let recent = !self.inner.store.claim_item_call(item_id, ItemCall::Balances, now, not_after).await?;
        let stale_reason = if recent {
            Some("Balances were refreshed moments ago; showing those figures.".to_string())
        } else {
            self.fetch_balances(&stored).await?
        };
        let item = self.inner.store.item(user, item_id).await?.item;
        let accounts = self.item_accounts(user, item_id).await?;
        Ok(BalanceRefresh { item: ItemWithAccounts { item, accounts }, stale_reason })
    }

    pub(crate) async fn item_accounts(&self, user: UserId, item_id: &str) -> Result<Vec<Account>> {
        Ok(self.inner.store.accounts(user).await?.into_iter().filter(|a| a.item_id == item_id).collect())
    }

    /// Real-time balances from Plaid into the store; on failure, why the stored ones stay.
    /// The call is billed and slow, so it is not retried on a timeout; an institution that
    /// has no real-time figure for some accounts (Capital One's non-depository accounts, per
    /// the spec) gets `min_last_updated_datetime`, accepting a figure up to a day old.
    async fn fetch_balances(&self, stored: &StoredItem) -> Result<Option<String>> {
        let (user, item_id) = (stored.item.user_id, stored.item.item_id.as_str());
        if stored.item.status == ItemStatus::Revoked {
            return Ok(Some("Access to this bank was revoked; showing the last known figures.".into()));
        }
        let token = self.token(stored).await?;
        let mut request = AccountsBalanceGetRequest::new(&token);
        let accounts = self.item_accounts(user, item_id).await?;
        if needs_min_last_updated(stored.item.institution_id.as_deref(), &accounts) {
            request.options = Some(AccountsBalanceGetOptions {
                account_ids: None,
                min_last_updated_datetime: Some(Utc::now() - chrono::Duration::days(1)),
            });
        }
        match self.inner.plaid.send(&request).await {
            Ok(response) => {
                let now = Utc::now().timestamp();
                let accounts: Vec<Account> = response
                    .accounts
                    .iter()
                    .map(|a| account_from_plaid(item_id, a, now, BalanceSource::Realtime))
                    .collect();
                self.inner.store.upsert_accounts(user, item_id, &accounts).await?;
                self.inner.events.publish(user, Event::BalancesChanged { item_id: item_id.into() }).await;
                Ok(None)
            }
            Err(e) => {
                if let Some(api) = e.api() {
                    self.note_plaid_error(&stored.item, api).await?;
                }
                let err = Error::from(e);
                tracing::info!(item_id, error = %err, "balance refresh failed; serving last known balances");
                Ok(Some(match &err {
                    Error::Plaid { code, .. } if code.starts_with("RATE_LIMIT") || code.ends_with("_LIMIT") => {
                        "Balances were refreshed recently; showing the last known figures.".to_string()
                    }
                    other => format!("{other} Showing the last known figures."),
                }))
            }
        }
    }

    /// After Link succeeded in update mode: check the Item with Plaid; when it is healthy,
    /// clear the error, fetch its accounts again (`/accounts/get`: accounts the user just
    /// shared are stored), only then clear the "new accounts" flag, and sync at once.
    pub async fn complete_update_mode(&self, user: UserId, item_id: &str) -> Result<Item> {
        let stored = self.inner.store.item(user, item_id).await?;
        let store = &self.inner.store;
        if self.reconcile_with_plaid(&stored).await? {
            if stored.item.status == ItemStatus::PendingExpiration {
                self.set_status(&stored.item, ItemStatus::Good, None, None, None).await?;
            }
            let token = self.token(&stored).await?;
            let response = self.inner.plaid.send(&AccountsGetRequest::new(&token)).await?;
            let now = Utc::now().timestamp();
            let accounts: Vec<Account> =
                response.accounts.iter().map(|a| account_from_plaid(item_id, a, now, BalanceSource::Sync)).collect();
            store.upsert_accounts(user, item_id, &accounts).await?;
            store.set_needs_update(item_id, false).await?;
            // What the bank reported is resolved: the same webhook again is a new event.
            store.supersede_webhooks(item_id).await?;
            store.clear_sync_backoff(item_id).await?;
            self.inner.events.publish(user, Event::BalancesChanged { item_id: item_id.into() }).await;
            self.audit(item_id, user, Actor::User(user), "reauthenticated", None).await;
            self.spawn_sync(item_id.to_string());
        }
        let item = store.item(user, item_id).await?.item;
        self.publish_status(&item).await;
        Ok(item)
    }

    /// Removes the Item at Plaid (already gone counts as removed) and deletes its data.
    pub async fn remove_item(&self, user: UserId, item_id: &str) -> Result<()> {
        let stored = self.inner.store.item(user, item_id).await?;
        let token = self.token(&stored).await?;
        match self.inner.plaid.send(&ItemRemoveRequest { access_token: token }).await {
            Ok(_) => {}
            Err(e) if matches!(e.code(), Some("ITEM_NOT_FOUND") | Some("INVALID_ACCESS_TOKEN")) => {}
            // Access was revoked at the bank: nothing is shared any more, so a refusal from
            // Plaid must not keep the user from removing it here.
            Err(e) if stored.item.status == ItemStatus::Revoked => {
                tracing::warn!(item_id, error = %e, "Plaid refused to remove a revoked Item; removed here");
            }
            Err(e) => return Err(e.into()),
        }
        self.inner.store.delete_item(user, item_id).await?;
        tracing::info!(item_id, "bank removed");
        self.audit(item_id, user, Actor::User(user), "removed", None).await;
        self.inner.events.publish(user, Event::ItemRemoved { item_id: item_id.into() }).await;
        Ok(())
    }

    /// The decrypted token, re-sealed under the active key if an older key sealed it.
    pub(crate) async fn token(&self, stored: &StoredItem) -> Result<AccessToken> {
        let item = &stored.item;
        let token = self.inner.cipher.open(item.user_id, &item.item_id, &stored.token)?;
        if self.inner.cipher.needs_reseal(&stored.token) {
            let resealed = self.inner.cipher.seal(item.user_id, &item.item_id, &token);
            self.inner.store.replace_token(&item.item_id, &resealed).await?;
            tracing::info!(item_id = %item.item_id, key_id = %resealed.key_id, "access token re-encrypted under the active key");
        }
        Ok(token)
    }

    /// Re-encrypts every token of `users`' Items sealed under an older key (rotation).
    pub async fn reseal_tokens(&self, user: UserId) -> Result<usize> {
        let mut count = 0;
        for stored in self.inner.store.items(user).await? {
            if self.inner.cipher.needs_reseal(&stored.token) {
                self.token(&stored).await?;
                count += 1;
            }
        }
        Ok(count)
    }

    pub(crate) async fn set_status(
        &self,
        item: &Item,
        status: ItemStatus,
        detail: Option<&str>,
        message: Option<&str>,
        deadline: Option<i64>,
    ) -> Result<()> {
        if self.inner.store.set_item_status(&item.item_id, status, detail, message, deadline).await? {
            tracing::info!(item_id = %item.item_id, status = status.as_str(), "item status changed");
            let change = format!("{} to {}", item.status.as_str(), status.as_str());
            let detail = Some(detail.map_or(change.clone(), |d| format!("{change} ({d})")));
            self.audit(&item.item_id, item.user_id, Actor::System, "status_changed", detail).await;
            self.inner
                .events
                .publish(item.user_id, Event::ItemStatusChanged { item_id: item.item_id.clone(), status })
                .await;
        }
        Ok(())
    }
}

/// Whether `/accounts/balance/get` must carry `min_last_updated_datetime`: per the spec,
/// Capital One (`ins_128026`) when any account is not a depository account.
fn needs_min_last_updated(institution_id: Option<&str>, accounts: &[Account]) -> bool {
    institution_id == Some("ins_128026") && accounts.iter().any(|a| a.account_type != "depository")
}

/// Our account record from Plaid's. A real-time figure is as of its fetch when Plaid gives
/// no time.
pub(crate) fn account_from_plaid(
    item_id: &str,
    a: &plaid_client::api::Account,
    now: i64,
    source: BalanceSource,
) -> Account {
    let as_of = a.balances.last_updated_datetime.map(|t| t.timestamp());
    Account {
        account_id: a.account_id.clone(),
        item_id: item_id.to_string(),
        name: a.name.clone(),
        official_name: a.official_name.clone(),
        mask: a.mask.clone(),
        account_type: a.account_type.as_str().to_string(),
        subtype: a.subtype.clone(),
        available: a.balances.available,
        current: a.balances.current,
        limit: a.balances.limit,
        currency: a.balances.iso_currency_code.clone().or_else(|| a.balances.unofficial_currency_code.clone()),
        balance_as_of: match source {
            BalanceSource::Realtime => as_of.or(Some(now)),
            BalanceSource::Sync => as_of,
        },
        fetched_at: now,
        balance_source: source,
    }
}

/// Each Item with its accounts, in the Items' order (accounts keep theirs).
fn group_by_item(items: Vec<Item>, mut accounts: Vec<Account>) -> Vec<ItemWithAccounts> {
    items
        .into_iter()
        .map(|item| {
            let (mine, rest): (Vec<_>, Vec<_>) = accounts.drain(..).partition(|a| a.item_id == item.item_id);
            accounts = rest;
            ItemWithAccounts { item, accounts: mine }
        })
        .collect()
}
