//! Pages.

/// `/account`: change password.
pub mod account;
/// `/admin`: every user's banks and their health (admins only).
pub mod admin;
/// `/cash-flow`.
pub mod cash_flow;
/// `/login` (and `/` when signed out).
pub mod login;
/// Anything else.
pub mod not_found;
/// `/transactions`: the workbench.
pub mod transactions;
