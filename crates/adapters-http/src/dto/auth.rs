use garde::Validate;
use serde::{Deserialize, Serialize};

use crate::validation::Rule;

/// `POST /auth/token` form: the OAuth2 password grant (RFC 6749, section 4.3).
/// `scope`, `client_id` and `client_secret` are accepted and ignored.
#[derive(Deserialize, Validate)]
pub struct TokenForm {
    #[serde(default)]
    #[garde(required)]
    pub username: Option<String>,
    #[serde(default)]
    #[garde(required)]
    pub password: Option<String>,
    /// Optional, but `password` when present.
    #[serde(default)]
    #[garde(custom(password_grant))]
    pub grant_type: Option<String>,
}

fn password_grant(value: &Option<String>, _: &()) -> garde::Result {
    match value.as_deref() {
        None | Some("password") => Ok(()),
        Some(_) => Err(garde::Error::new(Rule::pattern_mismatch("^password$").encode())),
    }
}

/// The token response of RFC 6749, section 5.1.
#[derive(Debug, Serialize)]
pub struct Token {
    pub access_token: String,
    pub token_type: &'static str,
}
