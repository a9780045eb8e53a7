//! What the optional Plaid products (liabilities, investments) share: when a fetch is due,
//! and what Plaid's refusal means.

use crate::{
    events::Event,
    service::BankingService,
    store::{leases::ItemCall, StoredItem},
    Result,
};

/// A sync fetches an optional product at most this often per Item (Plaid's webhook at once).
const SYNC_INTERVAL_SECS: i64 = 86_400;

/// Plaid's answers that mean "this product has nothing here" rather than a failure.
const NOT_AVAILABLE: &[&str] = &[
    "NO_LIABILITY_ACCOUNTS",
    "NO_INVESTMENT_ACCOUNTS",
    "PRODUCTS_NOT_SUPPORTED",
    "PRODUCT_NOT_READY",
    "ADDITIONAL_CONSENT_REQUIRED",
];

impl BankingService {
    /// Whether to fetch a product (`call`) for the Item now, claiming it if so: the Item has
    /// an account of one of `types`, and Plaid `announced` a change or no fetch was made
    /// within a day (from any instance).
    pub(crate) async fn product_fetch_due(
        &self,
        stored: &StoredItem,
        types: &[&str],
        call: ItemCall,
        announced: bool,
        now: i64,
    ) -> Result<bool> {
        let (user, item_id) = (stored.item.user_id, stored.item.item_id.as_str());
        let accounts = self.item_accounts(user, item_id).await?;
        if !accounts.iter().any(|a| types.contains(&a.account_type.as_str())) {
            return Ok(false);
        }
        let not_after = if announced { now } else { now - SYNC_INTERVAL_SECS };
        self.inner.store.claim_item_call(item_id, call, now, not_after).await
    }

    /// A product's data was stored: the user's pages reload it.
    pub(crate) async fn product_stored(&self, stored: &StoredItem) {
        let item = &stored.item;
        self.inner.events.publish(item.user_id, Event::BalancesChanged { item_id: item.item_id.clone() }).await;
    }

    /// Plaid refused a product fetch: "nothing here" is logged; another refusal is noted on
    /// the Item (its status, its last error), and what was kept stays.
    pub(crate) async fn product_refused(
        &self,
        stored: &StoredItem,
        product: &str,
        e: plaid_client::Error,
    ) -> Result<()> {
        let item_id = stored.item.item_id.as_str();
        match e.code() {
            Some(code) if NOT_AVAILABLE.contains(&code) => {
                tracing::info!(item_id, product, code, "the bank has nothing for this product");
            }
            _ => {
                if let Some(api) = e.api() {
                    self.note_plaid_error(&stored.item, api).await?;
                }
                tracing::warn!(item_id, product, error = %e, "could not be fetched; the last figures stay");
            }
        }
        Ok(())
    }
}
