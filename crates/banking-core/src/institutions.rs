//! Institutions' identity (name, logo, brand colour, website) from Plaid's
//! `/institutions/get_by_id`, cached in the database for a week: asked for by a successful
//! sync when missing or stale (the first one follows the link at once; never on the link's
//! own request or on a read). Best effort: a failure leaves the bank shown without a logo,
//! never fails the sync.

use chrono::Utc;
use plaid_client::api::InstitutionsGetByIdRequest;

use crate::{model::InstitutionInfo, BankingService, Result};

impl BankingService {
    /// The institution's cached logo, as PNG bytes, if any.
    pub async fn institution_logo(&self, institution_id: &str) -> Result<Option<Vec<u8>>> {
        use base64::Engine;
        let logo = self.inner.store.institution(institution_id).await?.and_then(|i| i.logo);
        Ok(logo.and_then(|logo| base64::engine::general_purpose::STANDARD.decode(logo).ok()))
    }

    /// Asks Plaid for the institution's identity unless a fresh one is cached. Failures are
    /// logged, not returned.
    pub async fn refresh_institution(&self, institution_id: &str) {
        let now = Utc::now().timestamp();
        match self.inner.store.institution(institution_id).await {
            Ok(Some(cached)) if now - cached.fetched_at < InstitutionInfo::FRESH_FOR_SECS => return,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(institution_id, error = %e, "could not read the institution cache");
                return;
            }
        }
        let request = InstitutionsGetByIdRequest::with_branding(institution_id, &self.inner.config.country_codes);
        let institution = match self.inner.plaid.send(&request).await {
            Ok(response) => response.institution,
            Err(e) => {
                tracing::warn!(institution_id, error = %e, "could not fetch the institution's identity");
                return;
            }
        };
        let info = InstitutionInfo::checked(
            institution.institution_id,
            institution.name,
            institution.primary_color,
            institution.url,
            institution.logo,
            now,
        );
        if let Err(e) = self.inner.store.save_institution(&info).await {
            tracing::warn!(institution_id, error = %e, "could not cache the institution's identity");
        }
    }
}
