//! Components of the signed-in pages (`/cash-flow`, `/transactions`).

pub mod bank_card;
pub mod call;
pub mod chart;
pub mod credit;
pub mod dashboard;
pub mod format;
pub mod frame;
pub mod investments;
pub mod live_events;
pub mod plaid_link;
pub mod swap;
pub mod transactions;
pub mod workbench;
