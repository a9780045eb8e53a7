//! Request and response types, one module per Plaid product area. Field names follow the
//! 2020-09-14 OpenAPI spec exactly; responses accept unknown fields, growing enums have an
//! `Unknown` variant, and nullable fields are `Option`s.

mod accounts;
mod institutions;
mod investments;
mod item;
mod liabilities;
mod link;
mod sandbox;
mod transactions;
mod webhook_key;

pub use accounts::*;
pub use institutions::*;
pub use investments::*;
pub use item::*;
pub use liabilities::*;
pub use link::*;
pub use sandbox::*;
pub use transactions::*;
pub use webhook_key::*;

/// Declares the [`crate::Endpoint`] impl tying a request type to its path and response.
macro_rules! endpoint {
    ($request:ty => $response:ty, $path:literal, idempotent = $idempotent:literal) => {
        impl crate::Endpoint for $request {
            const PATH: &'static str = $path;
            const IDEMPOTENT: bool = $idempotent;
            type Response = $response;
        }
    };
}
pub(crate) use endpoint;

/// A response that only carries Plaid's request id.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RequestIdResponse {
    /// Plaid's request id.
    pub request_id: String,
}
