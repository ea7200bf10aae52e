use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use todo_application::use_cases::IssuedTokens;

use crate::validation::Rule;

/// `POST /auth/token` form: the OAuth2 password grant (RFC 6749, section 4.3) or the refresh
/// grant (section 6). What each grant requires is checked by the handler, which knows which
/// grant it is; the document describes the two as [`PasswordGrant`] and [`RefreshGrant`].
#[derive(Deserialize, Validate)]
pub struct TokenForm {
    #[serde(default)]
    #[garde(skip)]
    pub username: Option<String>,
    #[serde(default)]
    #[garde(skip)]
    pub password: Option<String>,
    /// `password` (the default) or `refresh_token`; an empty value counts as absent.
    #[serde(default)]
    #[garde(custom(known_grant))]
    pub grant_type: Option<String>,
    #[serde(default)]
    #[garde(skip)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    #[garde(skip)]
    pub scope: Option<String>,
    /// Accepted and ignored.
    #[serde(default)]
    #[garde(skip)]
    #[allow(dead_code)]
    pub client_id: Option<String>,
    /// Accepted and ignored.
    #[serde(default)]
    #[garde(skip)]
    #[allow(dead_code)]
    pub client_secret: Option<String>,
}

/// The grant types, as the pattern shown to clients.
pub const GRANT_TYPE_PATTERN: &str = "^(password|refresh_token)?$";
/// The password grant alone, as `PasswordGrant` documents it.
pub const PASSWORD_GRANT_PATTERN: &str = "^(password)?$";

fn known_grant(value: &Option<String>, _: &()) -> garde::Result {
    match value.as_deref() {
        None | Some("password" | "refresh_token") => Ok(()),
        Some(_) => Err(garde::Error::new(Rule::pattern_mismatch(GRANT_TYPE_PATTERN).encode())),
    }
}

/// The password grant: a username and a password open a new session.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct PasswordGrant {
    /// An empty value counts as missing, as in FastAPI.
    #[schema(min_length = 1, example = "ada")]
    username: String,
    /// An empty value counts as missing, as in FastAPI.
    #[schema(min_length = 1, format = Password, example = "correct horse battery")]
    password: String,
    /// Optional; `password` when present; an empty value counts as absent.
    #[schema(pattern = "^(password)?$", example = "password", nullable = false)]
    grant_type: Option<String>,
    /// The scopes wanted, space-separated (`todos:read todos:write`); empty for all the user may have.
    #[schema(default = "", example = "todos:read", nullable = false)]
    scope: Option<String>,
    /// Accepted and ignored.
    #[schema(nullable = false)]
    client_id: Option<String>,
    /// Accepted and ignored.
    #[schema(format = Password, nullable = false)]
    client_secret: Option<String>,
}

/// The refresh grant: a refresh token is exchanged for new tokens, and spent.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct RefreshGrant {
    #[schema(pattern = "^refresh_token$", example = "refresh_token")]
    grant_type: String,
    /// The refresh token of the last log-in or refresh.
    #[schema(format = Password)]
    refresh_token: String,
}

/// The body of `POST /auth/token`: one of the two grants.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum TokenRequest {
    Password(PasswordGrant),
    Refresh(RefreshGrant),
}

/// The token response of RFC 6749, section 5.1.
#[derive(Debug, Serialize, ToSchema)]
pub struct Token {
    /// A JWT signed with HS256; send it as `Authorization: Bearer <token>`.
    #[schema(example = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl")]
    pub access_token: String,
    #[schema(value_type = String, example = "bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    #[schema(example = 1800)]
    pub expires_in: i64,
    /// Opaque; exchange it for new tokens with `grant_type=refresh_token`. Each is good once.
    #[schema(example = "3q2-7wEjRw9x8nP4y5bY6b1rXz0VvKc2aQeLmTn0uFs")]
    pub refresh_token: String,
    /// What the access token allows, space-separated.
    #[schema(example = "todos:read todos:write")]
    pub scope: String,
}

impl From<IssuedTokens> for Token {
    fn from(issued: IssuedTokens) -> Self {
        Self {
            access_token: issued.access.expose().to_owned(),
            token_type: "bearer",
            expires_in: issued.expires_in.num_seconds(),
            refresh_token: issued.refresh,
            scope: issued.scopes.to_string(),
        }
    }
}

/// `POST /auth/session` and `/auth/session/refresh`: the access token only; the refresh token
/// is in the `todo_refresh` cookie, out of reach of the page's scripts.
#[derive(Serialize, ToSchema)]
pub struct BrowserToken {
    #[schema(example = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl")]
    pub access_token: String,
    #[schema(value_type = String, example = "bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    #[schema(example = 1800)]
    pub expires_in: i64,
    #[schema(example = "todos:read todos:write")]
    pub scope: String,
}

impl From<IssuedTokens> for BrowserToken {
    fn from(issued: IssuedTokens) -> Self {
        Self {
            access_token: issued.access.expose().to_owned(),
            token_type: "bearer",
            expires_in: issued.expires_in.num_seconds(),
            scope: issued.scopes.to_string(),
        }
    }
}
