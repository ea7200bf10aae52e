//! Passwords, API keys and administration: what clients send and receive.

use garde::Validate;
use serde::{Deserialize, Serialize};
use todo_application::ports::{Job, JobStatus, UserFlags, UserOverview};
use todo_application::use_cases::{ApiKeyRequest, CreatedApiKey};
use todo_domain::{
    API_KEY_MAX_DAYS, API_KEY_NAME_MAX_CHARS, ApiKey, ApiKeyName, EmailAddress, LIMIT_DEFAULT, LIMIT_MAX,
    LIMIT_MIN, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS, Page, Password, Scope, Scopes,
};
use utoipa::{IntoParams, ToSchema};

use super::{UserResponse, rfc3339};
use crate::validation::decode::{int_from_text, non_null, whole_number};
use crate::validation::domain::at;
use crate::validation::garde_rules::parses_as;
use crate::validation::{Rule, ValidationErrors, Violation};

fn new_password_rule(value: &Option<String>, _: &()) -> garde::Result {
    parses_as(value, Password::parse)
}

/// `PUT /users/me/password` body.
#[derive(Deserialize, Validate, ToSchema)]
pub struct PasswordChange {
    /// The password the caller has now.
    #[serde(default, deserialize_with = "non_null")]
    #[garde(required)]
    #[schema(value_type = String, required = true, format = Password, example = "correct horse battery")]
    pub current_password: Option<String>,
    #[serde(default, deserialize_with = "non_null")]
    #[garde(required, length(chars, min = PASSWORD_MIN_CHARS, max = PASSWORD_MAX_CHARS), custom(new_password_rule))]
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

fn email_rule(value: &Option<String>, _: &()) -> garde::Result {
    parses_as(value, EmailAddress::parse)
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
    #[garde(required, length(chars, min = PASSWORD_MIN_CHARS, max = PASSWORD_MAX_CHARS), custom(new_password_rule))]
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

/// A user as administrators see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminUserResponse {
    #[serde(flatten)]
    pub user: UserResponse,
    pub is_superuser: bool,
    #[schema(example = 12)]
    pub todo_count: u64,
}

impl From<UserOverview> for AdminUserResponse {
    fn from(overview: UserOverview) -> Self {
        let is_superuser = overview.user.is_superuser;
        Self { user: overview.user.into(), is_superuser, todo_count: overview.todo_count }
    }
}

/// `PATCH /admin/users/{user_id}` body: the flags to set.
#[derive(Deserialize, Validate, ToSchema)]
pub struct AdminUserUpdate {
    /// `false` deactivates the user and ends every session of theirs.
    #[serde(default, deserialize_with = "non_null")]
    #[garde(skip)]
    pub is_active: Option<bool>,
    #[serde(default, deserialize_with = "non_null")]
    #[garde(skip)]
    pub is_superuser: Option<bool>,
}

impl AdminUserUpdate {
    pub fn into_domain(self) -> UserFlags {
        UserFlags { is_active: self.is_active, is_superuser: self.is_superuser }
    }
}

/// `skip` and `limit` of the administrators' lists.
#[derive(Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    #[serde(default, deserialize_with = "int_from_text")]
    #[garde(range(min = 0))]
    #[param(value_type = i64, minimum = 0, default = 0)]
    pub skip: Option<i64>,
    #[serde(default, deserialize_with = "int_from_text")]
    #[garde(range(min = LIMIT_MIN, max = LIMIT_MAX))]
    #[param(value_type = i64, minimum = 1, maximum = 100, default = 100)]
    pub limit: Option<i64>,
}

impl PageQuery {
    /// # Errors
    /// When the domain refuses the page.
    pub fn into_domain(self) -> Result<Page, ValidationErrors> {
        let (skip, limit) = (self.skip.unwrap_or(0), self.limit.unwrap_or(LIMIT_DEFAULT));
        let field = if skip < 0 { "skip" } else { "limit" };
        Page::new(skip, limit).map_err(at("query", field))
    }
}

/// The statuses, as the pattern shown to clients.
pub const JOB_STATUS_PATTERN: &str = "^(queued|running|succeeded|failed|dead)$";

fn known_status(value: &Option<String>, _: &()) -> garde::Result {
    match value.as_deref().map(JobStatus::parse) {
        Some(None) => Err(garde::Error::new(Rule::pattern_mismatch(JOB_STATUS_PATTERN).encode())),
        _ => Ok(()),
    }
}

/// `GET /admin/jobs` query.
#[derive(Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobListQuery {
    /// Only jobs in this state.
    #[serde(default)]
    #[garde(custom(known_status))]
    #[param(value_type = String, pattern = "^(queued|running|succeeded|failed|dead)$")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "int_from_text")]
    #[garde(range(min = 0))]
    #[param(value_type = i64, minimum = 0, default = 0)]
    pub skip: Option<i64>,
    #[serde(default, deserialize_with = "int_from_text")]
    #[garde(range(min = LIMIT_MIN, max = LIMIT_MAX))]
    #[param(value_type = i64, minimum = 1, maximum = 100, default = 100)]
    pub limit: Option<i64>,
}

impl JobListQuery {
    /// # Errors
    /// When the domain refuses the page.
    pub fn into_domain(self) -> Result<(Option<JobStatus>, Page), ValidationErrors> {
        let page = PageQuery { skip: self.skip, limit: self.limit }.into_domain()?;
        Ok((self.status.as_deref().and_then(JobStatus::parse), page))
    }
}

/// A background job, for operators. Its payload is not shown: it may name a user's address.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobResponse {
    #[schema(example = 42)]
    pub id: i64,
    #[schema(example = "welcome_email")]
    pub kind: String,
    #[schema(example = "succeeded", pattern = "^(queued|running|succeeded|failed|dead)$")]
    pub status: String,
    #[schema(example = 1)]
    pub attempts: u32,
    #[schema(example = 12)]
    pub max_attempts: u32,
    #[schema(format = DateTime, example = "2026-12-02T10:15:30.123456Z")]
    pub run_at: String,
    #[schema(example = json!(null))]
    pub last_error: Option<String>,
    #[schema(format = DateTime, example = "2026-12-02T10:15:30.123456Z")]
    pub created_at: String,
    #[schema(format = DateTime, example = "2026-12-02T10:15:31.123456Z")]
    pub finished_at: Option<String>,
}

impl From<Job> for JobResponse {
    fn from(job: Job) -> Self {
        Self {
            id: job.id.0,
            kind: job.kind,
            status: job.status.as_str().to_owned(),
            attempts: job.attempts,
            max_attempts: job.max_attempts,
            run_at: rfc3339(job.run_at),
            last_error: job.last_error,
            created_at: rfc3339(job.created_at),
            finished_at: job.finished_at.map(rfc3339),
        }
    }
}
