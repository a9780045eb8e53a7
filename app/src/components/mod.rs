//! Components of the `/cash-flow` page.

pub mod bank_card;
pub mod call;
pub mod chart;
pub mod dashboard;
pub mod format;
pub mod live_events;
pub mod plaid_link;
pub mod transactions;
