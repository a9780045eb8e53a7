//! Pages.

pub mod cash_flow;
pub mod login;
pub mod not_found;
