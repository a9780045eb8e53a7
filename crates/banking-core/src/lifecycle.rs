//! An Item's health: which Plaid errors the user can fix in Link's update mode, what they
//! are told, how Plaid's current view is taken over, and how long a broken Item is left
//! alone before the safety net tries it again.

use std::time::Duration;

use plaid_client::{api::ItemGetRequest, PlaidApiError};

use crate::{
    events::Event,
    model::{Item, ItemStatus},
    service::BankingService,
    store::StoredItem,
    Result,
};

/// Plaid error codes that Link's update mode resolves (the user signs in again, unlocks
/// the account at the bank first, grants access or picks accounts again).
const FIXED_BY_UPDATE_MODE: &[&str] = &[
    "ITEM_LOGIN_REQUIRED",
    "ITEM_LOCKED",
    "INVALID_CREDENTIALS",
    "INVALID_MFA",
    "INVALID_SEND_METHOD",
    "INSUFFICIENT_CREDENTIALS",
    "USER_SETUP_REQUIRED",
    "ACCESS_NOT_GRANTED",
    "NO_ACCOUNTS",
    "PENDING_EXPIRATION",
    "ITEM_CONSENT_EXPIRED",
];

/// First and longest wait of the safety net after a failed sync: 5 minutes, doubling, at
/// most a day.
const FIRST_BACKOFF: Duration = Duration::from_secs(5 * 60);
const LONGEST_BACKOFF: Duration = Duration::from_secs(24 * 3600);

/// Whether update mode fixes this Plaid error: the bank card then offers Re-authenticate.
pub fn fixed_by_update_mode(error: &PlaidApiError) -> bool {
    // ITEM_LOGIN_REQUIRED means update mode whatever error_type carries it.
    error.error_code == "ITEM_LOGIN_REQUIRED"
        || (error.error_type == "ITEM_ERROR" && FIXED_BY_UPDATE_MODE.contains(&error.error_code.as_str()))
}

/// What the user is told: Plaid's `display_message` when it has one, otherwise ours.
pub fn user_message(error: &PlaidApiError) -> String {
    if let Some(message) = error.display_message.as_deref().filter(|m| !m.trim().is_empty()) {
        return message.to_string();
    }
    match error.error_code.as_str() {
        "ITEM_LOGIN_REQUIRED" => "Your bank needs you to sign in again.",
        "ITEM_LOCKED" => {
            "Your account at the bank is locked after too many sign-in attempts. Unlock it with your bank, \
             then re-authenticate."
        }
        "INVALID_CREDENTIALS" => {
            "Your bank no longer accepts the saved sign-in. Re-authenticate with your current username and password."
        }
        "INVALID_MFA" | "INVALID_SEND_METHOD" | "INSUFFICIENT_CREDENTIALS" => {
            "Your bank's security check did not complete. Re-authenticate to try again."
        }
        "USER_SETUP_REQUIRED" => {
            "Your bank needs you to finish something on its website (for example new terms), then re-authenticate."
        }
        "ACCESS_NOT_GRANTED" => "Access to this bank's data was not granted. Re-authenticate and allow access.",
        "NO_ACCOUNTS" => "The bank shares no accounts for this login. Re-authenticate to choose accounts.",
        "PENDING_EXPIRATION" | "ITEM_CONSENT_EXPIRED" => {
            "Your consent for this bank has expired. Re-authenticate to renew it."
        }
        _ => "Your bank needs you to re-authenticate.",
    }
    .to_string()
}

/// How long the safety net leaves an Item alone after `failures` failed syncs in a row.
pub fn backoff(failures: i64) -> Duration {
    let doublings = failures.saturating_sub(1).clamp(0, 20) as u32;
    FIRST_BACKOFF.saturating_mul(2u32.saturating_pow(doublings)).min(LONGEST_BACKOFF)
}

impl BankingService {
    /// Takes over Plaid's current view of the Item (`/item/get`): an error update mode fixes
    /// sets Re-authenticate with Plaid's message; no error clears a stale error state.
    /// Returns whether Plaid reports the Item healthy. A failed `/item/get` changes nothing.
    pub(crate) async fn reconcile_with_plaid(&self, stored: &StoredItem) -> Result<bool> {
        let token = self.token(stored).await?;
        let item = self.inner.plaid.send(&ItemGetRequest { access_token: token }).await?.item;
        match &item.error {
            Some(error) => {
                self.note_plaid_error(&stored.item, error).await?;
                Ok(false)
            }
            None => {
                if stored.item.status == ItemStatus::LoginRequired {
                    self.set_status(&stored.item, ItemStatus::Good, None, None, None).await?;
                }
                Ok(true)
            }
        }
    }

    /// A Plaid error for the Item: one update mode fixes puts the Item in that state.
    pub(crate) async fn note_plaid_error(&self, item: &Item, error: &PlaidApiError) -> Result<()> {
        // An answer from Plaid's API carries its request id (what Plaid support asks for); an
        // error object inside `/item/get` or a webhook describes the Item and becomes its status.
        if let Some(request_id) = error.request_id.as_deref() {
            let (code, now) = (error.error_code.as_str(), chrono::Utc::now().timestamp());
            self.inner.store.record_plaid_error(&item.item_id, code, Some(request_id), now).await?;
            let detail = format!("{code} (request_id {request_id})");
            self.audit(&item.item_id, item.user_id, crate::model::Actor::Plaid, "plaid_error", Some(detail)).await;
        }
        if fixed_by_update_mode(error) && item.status != ItemStatus::Revoked {
            let message = user_message(error);
            self.set_status(item, ItemStatus::LoginRequired, Some(&error.error_code), Some(&message), None).await?;
        }
        Ok(())
    }

    /// Tells the user's pages that the Item's state changed.
    pub(crate) async fn publish_status(&self, item: &Item) {
        self.inner
            .events
            .publish(item.user_id, Event::ItemStatusChanged { item_id: item.item_id.clone(), status: item.status })
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_five_minutes_up_to_a_day() {
        let minutes = |n| backoff(n).as_secs() / 60;
        assert_eq!([minutes(1), minutes(2), minutes(3), minutes(4)], [5, 10, 20, 40]);
        assert_eq!(backoff(9).as_secs() / 60, 1280);
        assert_eq!(backoff(10), Duration::from_secs(24 * 3600));
        assert_eq!(backoff(1000), Duration::from_secs(24 * 3600));
    }

    #[test]
    fn update_mode_errors_get_a_message_even_without_plaids() {
        for code in FIXED_BY_UPDATE_MODE {
            let error = PlaidApiError::new("ITEM_ERROR", code, "m");
            assert!(fixed_by_update_mode(&error), "{code}");
            assert!(!user_message(&error).is_empty());
        }
        let mut locked = PlaidApiError::new("ITEM_ERROR", "ITEM_LOCKED", "m");
        assert!(user_message(&locked).contains("locked"));
        locked.display_message = Some("Unlock your account at Houndstooth.".into());
        assert_eq!(user_message(&locked), "Unlock your account at Houndstooth.");
        assert!(!fixed_by_update_mode(&PlaidApiError::new("INSTITUTION_ERROR", "INSTITUTION_DOWN", "m")));
        assert!(!fixed_by_update_mode(&PlaidApiError::new("API_ERROR", "INTERNAL_SERVER_ERROR", "m")));
    }
}
