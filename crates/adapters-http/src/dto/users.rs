use garde::Validate;
use serde::{Deserialize, Serialize};
use todo_domain::{
    EmailAddress, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS, Password, USERNAME_MAX_CHARS, USERNAME_MIN_CHARS,
    User, Username,
};

use super::rfc3339;
use crate::validation::ValidationErrors;
use crate::validation::decode::non_null;
use crate::validation::domain::at;
use crate::validation::garde_rules::parses_as;

/// `POST /auth/register` body.
#[derive(Deserialize, Validate)]
pub struct UserCreate {
    #[serde(default, deserialize_with = "non_null")]
    #[garde(required, length(chars, min = USERNAME_MIN_CHARS, max = USERNAME_MAX_CHARS), custom(username_rule))]
    pub username: Option<String>,
    #[serde(default, deserialize_with = "non_null")]
    #[garde(required, custom(email_rule))]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "non_null")]
    #[garde(required, length(chars, min = PASSWORD_MIN_CHARS, max = PASSWORD_MAX_CHARS))]
    pub password: Option<String>,
}

fn username_rule(value: &Option<String>, _: &()) -> garde::Result {
    parses_as(value, Username::parse)
}

fn email_rule(value: &Option<String>, _: &()) -> garde::Result {
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
#[derive(Debug, Serialize)]
pub struct UserResponse {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub is_active: bool,
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
