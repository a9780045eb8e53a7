//! The admin feature: the server functions behind `/api/v1/admin/*` (admins only; traders
//! and viewers get 403), their types in [`cashflow_api::admin`].

use cashflow_api::{admin::*, AppError};
use leptos::prelude::*;
use server_fn::codec::{GetUrl, Json};

/// `GET /api/v1/admin/banks`: every user's banks with their health, by username (at most
/// `limit` (default 200, ≤ 500) from `offset`).
#[server(prefix = "/api/v1/admin", endpoint = "banks", input = GetUrl, output = Json)]
pub async fn bank_health(
    #[server(default)] limit: Option<u32>,
    #[server(default)] offset: Option<u32>,
) -> Result<Vec<BankHealthView>, AppError> {
    let (state, _) = ssr::admin().await?;
    let banks = state.banking.bank_health(limit.unwrap_or(200), offset.unwrap_or(0)).await.map_err(ssr::failed)?;
    Ok(banks.iter().map(ssr::bank_view).collect())
}

/// `GET /api/v1/admin/audit?item_id=…`: one bank's audit trail, newest first (at most 200).
#[server(prefix = "/api/v1/admin", endpoint = "audit", input = GetUrl, output = Json)]
pub async fn audit_trail(item_id: String) -> Result<Vec<AuditEntryView>, AppError> {
    let (state, _) = ssr::admin().await?;
    let entries = state.banking.audit_trail(&item_id, 200).await.map_err(ssr::failed)?;
    Ok(entries.iter().map(ssr::audit_view).collect())
}

/// `POST /api/v1/admin/sync`: syncs one user's bank now (recorded in its audit trail).
#[server(prefix = "/api/v1/admin", endpoint = "sync", input = Json, output = Json)]
pub async fn sync_bank(item_id: String) -> Result<AdminSyncView, AppError> {
    let (state, admin) = ssr::admin().await?;
    let counts = state.banking.sync_for_admin(admin.id, &item_id).await.map_err(ssr::failed)?;
    let ran = counts.is_some();
    let counts = counts.unwrap_or_default();
    Ok(AdminSyncView { ran, added: counts.added, modified: counts.modified, removed: counts.removed })
}

/// Server side: the role check and the mapping to the views.
#[cfg(feature = "ssr")]
pub mod ssr {
    use banking_core::model::{AuditEntry, BankHealth, Role};
    use cashflow_api::{admin::*, AppError};
    use chrono::{DateTime, Utc};
    use leptos::prelude::*;

    use crate::{
        auth::ssr::{fail, require},
        server::{auth_backend::SessionUser, state::AppState},
    };

    /// Roles that may use the admin view.
    pub const ADMINS: &[Role] = &[Role::Admin];

    /// The app state and the signed-in admin (401/403 otherwise).
    pub async fn admin() -> Result<(AppState, SessionUser), AppError> {
        let user = require(ADMINS).await?;
        let state = use_context::<AppState>().ok_or_else(AppError::internal)?;
        Ok((state, user))
    }

    /// A service error as this server function's answer.
    pub fn failed(e: banking_core::Error) -> AppError {
        fail(AppError::from(e))
    }

    fn time(secs: i64) -> String {
        DateTime::<Utc>::from_timestamp(secs, 0).unwrap_or_default().to_rfc3339()
    }

    /// A bank's health as the API shows it.
    pub fn bank_view(b: &BankHealth) -> BankHealthView {
        BankHealthView {
            user_id: b.user_id,
            username: b.username.clone(),
            item_id: b.item_id.clone(),
            institution_name: b.institution_name.clone(),
            status: b.status,
            status_detail: b.status_detail.clone(),
            accounts: b.accounts,
            linked_at: time(b.created_at),
            last_sync_at: b.last_sync_at.map(time),
            last_sync_error: b.last_sync_error.clone(),
            last_error_code: b.last_error_code.clone(),
            last_error_request_id: b.last_error_request_id.clone(),
            last_error_at: b.last_error_at.map(time),
            last_webhook_at: b.last_webhook_at.map(time),
            webhook_failures: b.webhook_failures,
            webhook_failure_at: b.webhook_failure_at.map(time),
            webhook_failure_reason: b.webhook_failure_reason.clone(),
        }
    }

    /// An audit entry as the API shows it.
    pub fn audit_view(e: &AuditEntry) -> AuditEntryView {
        AuditEntryView { at: time(e.at), actor: e.actor.clone(), action: e.action.clone(), detail: e.detail.clone() }
    }
}
