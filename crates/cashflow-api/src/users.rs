//! Who is signed in, as the browser sees it.

use serde::{Deserialize, Serialize};

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Links banks and sees their data.
    Trader,
    /// Everything a trader can, plus administration.
    Admin,
    /// May sign in, but sees no bank data and may not link banks.
    Viewer,
}

impl Role {
    /// The name shown to the user and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trader => "trader",
            Self::Admin => "admin",
            Self::Viewer => "viewer",
        }
    }

    /// Whether this role may link, see and change banks.
    pub fn can_manage_banks(self) -> bool {
        matches!(self, Self::Trader | Self::Admin)
    }
}

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserInfo {
    /// Username.
    pub username: String,
    /// Role.
    pub role: Role,
}

impl UserInfo {
    /// Whether the user may link and change banks.
    pub fn can_manage_banks(&self) -> bool {
        self.role.can_manage_banks()
    }
}
