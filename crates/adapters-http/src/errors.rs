//! Every way a request can fail, and the one place that decides what the client
//! sees for each: a status, a `{"detail": ...}` body and, for 401, the
//! `WWW-Authenticate: Bearer` header. Read this file and `errors/from_use_cases.rs`
//! (which `ApiError` each use case's failure becomes) to learn the whole
//! error-to-HTTP mapping of the service.

use std::error::Error as StdError;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};
use actix_web::{HttpResponse, ResponseError};
use todo_application::ports::{HashError, RepositoryError, TokenError};
use todo_domain::Scope;

use crate::validation::{ValidationErrors, Violation};

type Cause = Box<dyn StdError + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 422 with the list of every problem found.
    #[error("request validation failed")]
    Validation(ValidationErrors),
    /// 401: no `Authorization: Bearer` header at all.
    #[error("not authenticated")]
    NotAuthenticated,
    /// 401: a bearer token that is forged, expired, malformed or of a deleted user.
    #[error("could not validate credentials")]
    InvalidToken,
    /// 401 at log-in; the same answer for an unknown user and a wrong password.
    #[error("incorrect username or password")]
    IncorrectLogin,
    /// 401: a refresh token that is unknown, expired, spent or of a closed session.
    #[error("invalid refresh token")]
    InvalidRefreshToken,
    /// 401: an `X-API-Key` that is unknown, expired or revoked.
    #[error("invalid API key")]
    InvalidApiKey,
    /// 403 with a fixed message: not a superuser, an API key where only a session will do,
    /// an origin the CORS configuration does not allow.
    #[error("{0}")]
    Forbidden(&'static str),
    /// 403: the token does not carry the scope the operation needs.
    #[error("not enough permissions")]
    MissingScope(Scope),
    /// 400 with a fixed message.
    #[error("{0}")]
    BadRequest(&'static str),
    /// 404 with a fixed message.
    #[error("{0}")]
    NotFound(&'static str),
    /// 409 with a fixed message: the request clashes with another one still running.
    #[error("{0}")]
    Conflict(&'static str),
    /// 422 with a fixed message rather than a list: the request is well formed, but cannot be
    /// what it claims to be (an idempotency key reused for another request).
    #[error("{0}")]
    Unprocessable(&'static str),
    /// 412: an `If-Match` names no revision the todo is at.
    #[error("precondition failed")]
    PreconditionFailed,
    /// 429: a rate limit is used up; `Retry-After` says for how long.
    #[error("{detail}")]
    TooManyRequests { detail: &'static str, retry_after: Duration },
    /// 413: the body is over the configured limit.
    #[error("request body larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// 413 for a body within the byte limit that holds too many items; the message says which.
    #[error("{0}")]
    TooLarge(&'static str),
    /// 503: a dependency is down or overloaded; worth retrying.
    #[error("service unavailable")]
    Unavailable(#[source] Cause),
    /// 500: a bug or an unexpected failure. The cause is logged, never shown.
    #[error("internal error")]
    Internal(#[source] Cause),
}

pub const TODO_NOT_FOUND: &str = "Todo not found";
pub const SESSION_NOT_FOUND: &str = "Session not found";
pub const ATTACHMENT_NOT_FOUND: &str = "Attachment not found";
pub const TOO_MANY_ATTACHMENTS: &str = "Too many attachments";
pub const QUOTA_EXCEEDED: &str = "Storage quota exceeded";
pub const API_KEY_NOT_FOUND: &str = "API key not found";
pub const USER_NOT_FOUND: &str = "User not found";
pub const KEY_REUSED: &str = "Idempotency-Key reused with a different request";
pub const KEY_IN_FLIGHT: &str = "A request with this Idempotency-Key is still in progress";
pub const TOO_MANY_IMPORTED: &str = "An import holds at most 10000 todos";
pub const JOB_NOT_RETRYABLE: &str = "Job not found or not failed or dead";
pub const NOT_ENOUGH_PERMISSIONS: &str = "Not enough permissions";
pub const NOT_A_SUPERUSER: &str = "The user doesn't have enough privileges";
pub const SELF_ACTION: &str = "Superusers cannot demote, deactivate or delete themselves";

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation(_) | Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::NotAuthenticated
            | Self::InvalidToken
            | Self::IncorrectLogin
            | Self::InvalidRefreshToken
            | Self::InvalidApiKey => StatusCode::UNAUTHORIZED,
            Self::MissingScope(_) | Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge { .. } | Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        let detail = match self {
            Self::Validation(errors) => {
                return response.json(ValidationErrorResponse { detail: errors.violations().to_vec() });
            }
            Self::NotAuthenticated => "Not authenticated".to_owned(),
            Self::InvalidToken => "Could not validate credentials".to_owned(),
            Self::IncorrectLogin => "Incorrect username or password".to_owned(),
            Self::InvalidRefreshToken => "Invalid refresh token".to_owned(),
            Self::InvalidApiKey => "Invalid API key".to_owned(),
            Self::MissingScope(scope) => {
                // RFC 6750, section 3.1: which scope would have been enough.
                let challenge = format!("Bearer scope=\"{}\"", scope.as_str());
                response.insert_header((WWW_AUTHENTICATE, challenge));
                "Not enough permissions".to_owned()
            }
            Self::BadRequest(message)
            | Self::NotFound(message)
            | Self::Forbidden(message)
            | Self::TooLarge(message)
            | Self::Conflict(message)
            | Self::Unprocessable(message) => (*message).to_owned(),
            Self::PreconditionFailed => "Precondition Failed".to_owned(),
            Self::PayloadTooLarge { limit } => {
                format!("Request body is larger than the limit of {limit} bytes")
            }
            Self::TooManyRequests { detail, retry_after } => {
                response.insert_header((RETRY_AFTER, retry_after.as_secs().max(1).to_string()));
                (*detail).to_owned()
            }
            Self::Unavailable(cause) => {
                tracing::warn!(error = %chain(cause.as_ref()), "dependency unavailable");
                response.insert_header((RETRY_AFTER, HeaderValue::from_static("1")));
                "Service temporarily unavailable".to_owned()
            }
            Self::Internal(cause) => {
                tracing::error!(error = %chain(cause.as_ref()), "request failed");
                "Internal Server Error".to_owned()
            }
        };
        if self.status_code() == StatusCode::UNAUTHORIZED {
            response.insert_header((WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        response.json(ErrorResponse { detail })
    }
}

/// The body of every error answer but 422.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorResponse {
    #[schema(example = "Todo not found")]
    pub detail: String,
}

/// The body of a 422: every problem found in the request.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = HTTPValidationError)]
pub struct ValidationErrorResponse {
    pub detail: Vec<Violation>,
}

/// An error raised by the framework or a middleware rather than by a handler
/// (a refused CORS preflight, say), in the API's format. Its message is shown for
/// 4xx; a 5xx is logged and shown as "Internal Server Error", as everywhere else.
pub fn framework_error_response(error: &actix_web::Error) -> HttpResponse {
    let status = error.as_response_error().status_code();
    let detail = if status.is_server_error() {
        tracing::error!(error = %error, "request failed in the framework");
        "Internal Server Error".to_owned()
    } else {
        error.to_string()
    };
    HttpResponse::build(status).json(ErrorResponse { detail })
}

/// An error and all its sources, for the log: "a: b: c".
fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        Self::Validation(errors)
    }
}

impl From<RepositoryError> for ApiError {
    fn from(error: RepositoryError) -> Self {
        match error {
            // A change that kept losing races with others to the same record: worth retrying.
            RepositoryError::Unavailable(_) | RepositoryError::Stale => Self::Unavailable(Box::new(error)),
            other => Self::Internal(Box::new(other)),
        }
    }
}

impl From<HashError> for ApiError {
    fn from(error: HashError) -> Self {
        Self::Internal(Box::new(error))
    }
}

impl From<TokenError> for ApiError {
    fn from(error: TokenError) -> Self {
        Self::Internal(Box::new(error))
    }
}

mod from_attachments;
mod from_use_cases;
