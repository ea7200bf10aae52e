//! Password change and reset: what clients send.

use garde::Validate;
use serde::Deserialize;
use todo_domain::{EmailAddress, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS, Password};
use utoipa::ToSchema;

use super::users::{email_rule, password_rule};
use crate::validation::ValidationErrors;
use crate::validation::decode::non_null;
use crate::validation::domain::at;

/// `PUT /users/me/password` body.
#[derive(Deserialize, Validate, ToSchema)]
pub struct PasswordChange {
    /// The password the caller has now.
    #[serde(default, deserialize_with = "non_null")]
    #[garde(required)]
    #[schema(value_type = String, required = true, format = Password, example = "correct horse battery")]
    pub current_password: Option<String>,
    #[serde(default, deserialize_with = "non_null")]
    #[garde(required, length(chars, min = PASSWORD_MIN_CHARS, max = PASSWORD_MAX_CHARS), custom(password_rule))]
    #[schema(value_type = String, required = true, format = Password, min_length = 8, max_length = 128,
        pattern = r"^[^\u0000]*$", example = "staple battery horse correct")]
    pub new_password: Option<String>,
}

impl PasswordChange {
    /// # Errors
    /// When the domain refuses the new password.
    pub fn into_domain(self) -> Result<(Password, Password), ValidationErrors> {
        let current = Password::from_attempt(self.current_password.unwrap_or_default());
        let new =
            Password::parse(self.new_password.unwrap_or_default()).map_err(at("body", "new_password"))?;
        Ok((current, new))
    }
}

/// `POST /auth/password-reset` body.
#[derive(Deserialize, Validate, ToSchema)]
pub struct PasswordResetRequest {
    #[serde(default, deserialize_with = "non_null")]
    #[garde(required, custom(email_rule))]
    #[schema(value_type = String, required = true, format = Email, max_length = 254, example = "ada@example.com")]
    pub email: Option<String>,
}

impl PasswordResetRequest {
    /// # Errors
    /// When the domain refuses the address.
    pub fn into_domain(self) -> Result<EmailAddress, ValidationErrors> {
        EmailAddress::parse(self.email.unwrap_or_default()).map_err(at("body", "email"))
    }
}

/// `POST /auth/password-reset/confirm` body.
#[derive(Deserialize, Validate, ToSchema)]
pub struct PasswordResetConfirm {
    /// The token of the link in the reset e-mail.
    #[serde(default, deserialize_with = "non_null")]
    #[garde(required)]
    #[schema(value_type = String, required = true, example = "kq3V0c2Fwq8sT0l1bH0n2zYkQ9m3Jx1u5T6aP4d7e8E")]
    pub token: Option<String>,
    #[serde(default, deserialize_with = "non_null")]
    #[garde(required, length(chars, min = PASSWORD_MIN_CHARS, max = PASSWORD_MAX_CHARS), custom(password_rule))]
    #[schema(value_type = String, required = true, format = Password, min_length = 8, max_length = 128,
        pattern = r"^[^\u0000]*$", example = "staple battery horse correct")]
    pub new_password: Option<String>,
}

impl PasswordResetConfirm {
    /// # Errors
    /// When the domain refuses the new password.
    pub fn into_domain(self) -> Result<(String, Password), ValidationErrors> {
        let new =
            Password::parse(self.new_password.unwrap_or_default()).map_err(at("body", "new_password"))?;
        Ok((self.token.unwrap_or_default(), new))
    }
}
