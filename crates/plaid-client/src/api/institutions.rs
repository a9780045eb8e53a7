use serde::{Deserialize, Serialize};

use super::endpoint;

/// `/institutions/get_by_id`: one institution's details; with
/// `options.include_optional_metadata`, its logo, primary colour and website.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstitutionsGetByIdRequest {
    /// Plaid's institution id, e.g. `ins_109508`.
    pub institution_id: String,
    /// ISO-3166-1 alpha-2 codes the institution is looked up in.
    pub country_codes: Vec<String>,
    /// What to include beyond the basics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<InstitutionsGetByIdRequestOptions>,
}

impl InstitutionsGetByIdRequest {
    /// The institution with its logo, colour and website.
    pub fn with_branding(institution_id: &str, country_codes: &[String]) -> Self {
        Self {
            institution_id: institution_id.to_string(),
            country_codes: country_codes.to_vec(),
            options: Some(InstitutionsGetByIdRequestOptions { include_optional_metadata: Some(true) }),
        }
    }
}

/// `options` of [`InstitutionsGetByIdRequest`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InstitutionsGetByIdRequestOptions {
    /// Return the logo, brand colour and URL where Plaid has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_optional_metadata: Option<bool>,
}

/// Response of `/institutions/get_by_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstitutionsGetByIdResponse {
    /// The institution.
    pub institution: Institution,
    /// Plaid's request id.
    pub request_id: String,
}

/// An institution (`Institution` in the spec; the fields we use).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Institution {
    /// Plaid's institution id.
    pub institution_id: String,
    /// Its official name.
    pub name: String,
    /// Products it supports.
    #[serde(default)]
    pub products: Vec<String>,
    /// Countries it is in.
    #[serde(default)]
    pub country_codes: Vec<String>,
    /// Its website, when asked for and known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Its primary colour as `#RRGGBB`, when asked for and known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_color: Option<String>,
    /// Its logo, a base64-encoded PNG (152×152 from Plaid), when asked for and known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// Whether its login goes through the bank's own OAuth page.
    #[serde(default)]
    pub oauth: bool,
}

endpoint!(InstitutionsGetByIdRequest => InstitutionsGetByIdResponse, "/institutions/get_by_id", idempotent = true);
