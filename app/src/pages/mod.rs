//! Pages.

/// `/account`: change password.
pub mod account;
/// `/cash-flow`.
pub mod cash_flow;
/// `/login` (and `/` when signed out).
pub mod login;
/// Anything else.
pub mod not_found;
/// `/transactions`: the workbench.
pub mod transactions;
