use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::validation::Rule;

/// `POST /auth/token` form: the OAuth2 password grant (RFC 6749, section 4.3).
#[derive(Deserialize, Validate, ToSchema)]
pub struct TokenForm {
    /// An empty value counts as missing, as in FastAPI.
    #[serde(default)]
    #[garde(required)]
    #[schema(value_type = String, required = true, min_length = 1, example = "ada")]
    pub username: Option<String>,
    /// An empty value counts as missing, as in FastAPI.
    #[serde(default)]
    #[garde(required)]
    #[schema(value_type = String, required = true, min_length = 1, format = Password, example = "correct horse battery")]
    pub password: Option<String>,
    /// Optional, but `password` when present; an empty value counts as absent, as in FastAPI.
    #[serde(default)]
    #[garde(custom(password_grant))]
    #[schema(pattern = "^(password)?$", example = "password")]
    pub grant_type: Option<String>,
    /// Accepted and ignored: the API grants no scopes.
    #[serde(default)]
    #[garde(skip)]
    #[schema(default = "")]
    #[allow(dead_code)]
    pub scope: Option<String>,
    /// Accepted and ignored.
    #[serde(default)]
    #[garde(skip)]
    #[allow(dead_code)]
    pub client_id: Option<String>,
    /// Accepted and ignored.
    #[serde(default)]
    #[garde(skip)]
    #[schema(format = Password)]
    #[allow(dead_code)]
    pub client_secret: Option<String>,
}

fn password_grant(value: &Option<String>, _: &()) -> garde::Result {
    match value.as_deref() {
        None | Some("password") => Ok(()),
        Some(_) => Err(garde::Error::new(Rule::pattern_mismatch("^(password)?$").encode())),
    }
}

/// The token response of RFC 6749, section 5.1.
#[derive(Debug, Serialize, ToSchema)]
pub struct Token {
    /// A JWT signed with HS256; send it as `Authorization: Bearer <token>`.
    #[schema(example = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl")]
    pub access_token: String,
    #[schema(value_type = String, example = "bearer")]
    pub token_type: &'static str,
}
