//! API keys: what clients send to make one, and what they receive.

use garde::Validate;
use serde::{Deserialize, Serialize};
use todo_application::use_cases::{ApiKeyRequest, CreatedApiKey};
use todo_domain::{API_KEY_MAX_DAYS, API_KEY_NAME_MAX_CHARS, ApiKey, ApiKeyName, Scope, Scopes};
use utoipa::ToSchema;

use super::rfc3339;
use crate::validation::decode::{non_null, whole_number};
use crate::validation::{Rule, ValidationErrors, Violation};

fn key_name_rule(value: &Option<String>, _: &()) -> garde::Result {
    match value.as_deref().map(ApiKeyName::parse) {
        Some(Err(error)) => Err(garde::Error::new(name_rule(&error).encode())),
        _ => Ok(()),
    }
}

fn name_rule(error: &todo_domain::ApiKeyNameError) -> Rule {
    match error {
        todo_domain::ApiKeyNameError::Length { actual: 0, .. } => Rule::string_too_short(1),
        todo_domain::ApiKeyNameError::Length { max, .. } => Rule::string_too_long(*max),
        todo_domain::ApiKeyNameError::Blank => Rule::value_error("Name must not be blank"),
        todo_domain::ApiKeyNameError::Control => {
            Rule::value_error("Name must not contain control characters")
        }
    }
}

/// A scope an API key may have, as the document lists them.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub enum KeyScope {
    #[serde(rename = "todos:read")]
    TodosRead,
    #[serde(rename = "todos:write")]
    TodosWrite,
}

/// What a key may be given: the todo scopes. Administration takes a session.
const KEY_SCOPES: [Scope; 2] = [Scope::TodosRead, Scope::TodosWrite];

fn key_scopes(value: &Option<Vec<String>>, _: &()) -> garde::Result {
    for scope in value.iter().flatten() {
        if !Scope::parse(scope).is_some_and(|scope| KEY_SCOPES.contains(&scope)) {
            let message = format!("An API key's scopes are todos:read and todos:write, not {scope:?}");
            return Err(garde::Error::new(Rule::value_error(&message).encode()));
        }
    }
    Ok(())
}

/// `POST /users/me/api-keys` body.
#[derive(Deserialize, Validate, ToSchema)]
pub struct ApiKeyCreate {
    /// What the key is for, to tell keys apart.
    #[serde(default, deserialize_with = "non_null")]
    #[garde(required, custom(key_name_rule))]
    #[schema(value_type = String, required = true, min_length = 1, max_length = 100, example = "backup script",
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\u0000-\u001f\u007f-\u009f \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000-\u001f\u007f-\u009f]*$")]
    pub name: Option<String>,
    /// `todos:read` and/or `todos:write`, at most the caller's own; both when left out.
    #[serde(default, deserialize_with = "non_null")]
    #[garde(custom(key_scopes))]
    #[schema(value_type = Vec<KeyScope>, example = json!(["todos:read"]))]
    pub scopes: Option<Vec<String>>,
    /// Days until the key stops working; never when left out.
    #[serde(default, deserialize_with = "whole_number")]
    #[garde(range(min = 1, max = i64::from(API_KEY_MAX_DAYS)))]
    #[schema(value_type = i64, minimum = 1, maximum = 3650, example = 90)]
    pub expires_in_days: Option<i64>,
}

impl ApiKeyCreate {
    /// # Errors
    /// When the domain refuses the name.
    pub fn into_domain(self) -> Result<ApiKeyRequest, ValidationErrors> {
        let name = ApiKeyName::parse(self.name.unwrap_or_default()).map_err(|error| {
            ValidationErrors::one(Violation::new(name_rule(&error), "body", Some("name"), None))
        })?;
        let scopes =
            self.scopes.map(|scopes| scopes.iter().filter_map(|scope| Scope::parse(scope)).collect());
        // The range rule has run: 1 to API_KEY_MAX_DAYS.
        let expires_in_days = self.expires_in_days.and_then(|days| u32::try_from(days).ok());
        Ok(ApiKeyRequest { name, scopes, expires_in_days })
    }
}

const _: () = assert!(API_KEY_NAME_MAX_CHARS == 100, "the document says 100");

/// An API key as listed: never the key itself, only its first characters.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyResponse {
    #[schema(example = "5b0e6c1f9a3d4e2b8c7f6a5d4e3b2c1a")]
    pub id: String,
    #[schema(example = "backup script")]
    pub name: String,
    #[schema(example = json!(["todos:read", "todos:write"]))]
    pub scopes: Vec<String>,
    /// The key's first 8 characters.
    #[schema(example = "tdk_Zq3v")]
    pub prefix: String,
    #[schema(format = DateTime, example = "2026-12-02T10:15:30.123456Z")]
    pub created_at: String,
    /// `null`: never.
    #[schema(format = DateTime, example = "2027-03-02T10:15:30.123456Z")]
    pub expires_at: Option<String>,
    /// Recorded at most once a minute.
    #[schema(format = DateTime, example = "2026-12-02T11:00:00.000000Z")]
    pub last_used_at: Option<String>,
}

fn scope_list(scopes: &Scopes) -> Vec<String> {
    scopes.iter().map(|scope| scope.as_str().to_owned()).collect()
}

impl From<ApiKey> for ApiKeyResponse {
    fn from(key: ApiKey) -> Self {
        Self {
            id: key.id.to_string(),
            name: key.name.as_str().to_owned(),
            scopes: scope_list(&key.scopes),
            prefix: key.prefix,
            created_at: rfc3339(key.created_at),
            expires_at: key.expires_at.map(rfc3339),
            last_used_at: key.last_used_at.map(rfc3339),
        }
    }
}

/// A key just made: the only answer that carries the key itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKeyResponse {
    #[serde(flatten)]
    pub listed: ApiKeyResponse,
    /// Send it as `X-API-Key`. Shown only now; the service keeps only a hash of it.
    #[schema(example = "tdk_Zq3vV0c2Fwq8sT0l1bH0n2zYkQ9m3Jx1u5T6aP4d7e8E")]
    pub key: String,
}

impl From<CreatedApiKey> for CreatedApiKeyResponse {
    fn from(created: CreatedApiKey) -> Self {
        Self { listed: created.key.into(), key: created.secret }
    }
}
