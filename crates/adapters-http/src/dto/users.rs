use garde::Validate;
use serde::{Deserialize, Serialize};
use todo_domain::{
    EmailAddress, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS, Password, USERNAME_MAX_CHARS, USERNAME_MIN_CHARS,
    User, Username,
};
use utoipa::ToSchema;

use super::rfc3339;
use crate::validation::ValidationErrors;
use crate::validation::decode::non_null;
use crate::validation::domain::at;
use crate::validation::garde_rules::parses_as;

/// `POST /auth/register` body.
#[derive(Deserialize, Validate, ToSchema)]
pub struct UserCreate {
    /// Letters, digits, `_`, `-` and `.`; case-sensitive and unique.
    #[serde(default, deserialize_with = "non_null")]
    #[garde(required, length(chars, min = USERNAME_MIN_CHARS, max = USERNAME_MAX_CHARS), custom(username_rule))]
    #[schema(value_type = String, required = true, min_length = 3, max_length = 50, pattern = "^[A-Za-z0-9_.-]+$", example = "ada")]
    pub username: Option<String>,
    /// Stored lower-cased; unique whatever its case.
    #[serde(default, deserialize_with = "non_null")]
    #[garde(required, custom(email_rule))]
    #[schema(value_type = String, required = true, format = Email, max_length = 254, example = "ada@example.com")]
    pub email: Option<String>,
    /// Kept only as an Argon2id hash; never returned, never echoed in errors.
    #[serde(default, deserialize_with = "non_null")]
    #[garde(required, length(chars, min = PASSWORD_MIN_CHARS, max = PASSWORD_MAX_CHARS), custom(password_rule))]
    #[schema(value_type = String, required = true, format = Password, min_length = 8, max_length = 128,
        pattern = r"^[^\u0000]*$", example = "correct horse battery")]
    pub password: Option<String>,
}

pub(super) fn password_rule(value: &Option<String>, _: &()) -> garde::Result {
    parses_as(value, Password::parse)
}

fn username_rule(value: &Option<String>, _: &()) -> garde::Result {
    parses_as(value, Username::parse)
}

pub(super) fn email_rule(value: &Option<String>, _: &()) -> garde::Result {
    parses_as(value, EmailAddress::parse)
}

impl UserCreate {
    /// # Errors
    /// The first field the domain refuses.
    pub fn into_domain(self) -> Result<(Username, EmailAddress, Password), ValidationErrors> {
        let username = Username::parse(self.username.unwrap_or_default()).map_err(at("body", "username"))?;
        let email = EmailAddress::parse(self.email.unwrap_or_default()).map_err(at("body", "email"))?;
        let password = Password::parse(self.password.unwrap_or_default()).map_err(at("body", "password"))?;
        Ok((username, email, password))
    }
}

/// A user as clients see it: never the password hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    #[schema(minimum = 1, example = 1)]
    pub id: i64,
    #[schema(example = "ada")]
    pub username: String,
    #[schema(format = Email, example = "ada@example.com")]
    pub email: String,
    /// A deactivated user cannot log in or use a token.
    #[schema(example = true)]
    pub is_active: bool,
    /// RFC 3339, UTC.
    #[schema(format = DateTime, example = "2026-11-21T10:15:30.123456Z")]
    pub created_at: String,
}

impl From<User> for UserResponse {
    fn from(user: User) -> Self {
        Self {
            id: user.id.get(),
            username: user.username.as_str().to_owned(),
            email: user.email.as_str().to_owned(),
            is_active: user.is_active,
            created_at: rfc3339(user.created_at),
        }
    }
}

/// One of the caller's open sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionResponse {
    #[schema(example = "0f3c9a1b2d4e5f60718293a4b5c6d7e8")]
    pub id: String,
    /// The log-in, RFC 3339, UTC.
    #[schema(format = DateTime, example = "2026-12-02T10:15:30.123456Z")]
    pub created_at: String,
    /// The last refresh (or the log-in), RFC 3339, UTC.
    #[schema(format = DateTime, example = "2026-12-02T10:45:30.123456Z")]
    pub last_used_at: String,
    /// The client that logged in, as it named itself.
    #[schema(example = "curl/8.5.0")]
    pub user_agent: Option<String>,
    /// Whether this is the session making the request.
    pub current: bool,
}

impl SessionResponse {
    pub fn new(session: todo_domain::Session, current: bool) -> Self {
        Self {
            id: session.id.to_string(),
            created_at: rfc3339(session.created_at),
            last_used_at: rfc3339(session.last_used_at),
            user_agent: session.user_agent,
            current,
        }
    }
}
