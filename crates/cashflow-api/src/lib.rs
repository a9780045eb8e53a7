//! The contract between the server and the browser: every type the JSON API and the server
//! functions take or return, with the closed sets of values (error codes, item statuses,
//! roles, balance sources, live event kinds) as enums, so a typo fails to compile instead of
//! failing at run time. Browser-safe: no server dependency.

#![warn(missing_docs)]

pub mod admin;
pub mod banking;
pub mod error;
pub mod events;
pub mod names;
pub mod stream;
pub mod transactions;
pub mod users;

pub use error::{AppError, ErrorBody, ErrorCode};
