//! Administration: users as superusers see and change them, background jobs.

use garde::Validate;
use serde::{Deserialize, Serialize};
use todo_application::ports::{Job, JobStatus, UserFlags, UserOverview};
use todo_domain::{LIMIT_DEFAULT, LIMIT_MAX, LIMIT_MIN, Page};
use utoipa::{IntoParams, ToSchema};

use super::{UserResponse, rfc3339};
use crate::validation::Rule;
use crate::validation::ValidationErrors;
use crate::validation::decode::{int_from_text, non_null};
use crate::validation::domain::at;

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
