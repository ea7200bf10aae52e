//! Extractors: how a handler receives an authenticated user and validated input.
//!
//! Only [`Caller`] and [`Scoped`] fail extraction. The input extractors are taken by the
//! handlers as `Result<_, ApiError>`, so that authentication always answers
//! first and the problems of the path and of the body are reported together.

mod auth;
mod body;
mod client;
mod conditions;
mod form;
mod idempotency;
mod json;
mod ndjson;
mod path;
mod query;
mod stream;

pub use auth::{Admin, Caller, Scoped, SessionCaller, TodosRead, TodosWrite};
pub use body::BodyLimit;
pub use client::{ClientAddress, TrustProxyHeaders};
pub use conditions::{IfMatch, IfNoneMatch, entity_tag};
pub use form::ValidForm;
pub use idempotency::{IdempotencyKeyHeader, answered, recorded};
pub use json::ValidJson;
pub use ndjson::{NdjsonLimits, read_ndjson};
pub use path::{AttachmentIdPath, JobIdPath, TodoIdPath, UserIdPath};
pub use query::ValidQuery;
pub use stream::StreamRequest;

use crate::errors::ApiError;

/// Both inputs, or every validation problem of both; another kind of error
/// (such as 413) wins over validation problems.
pub fn both<A, B>(a: Result<A, ApiError>, b: Result<B, ApiError>) -> Result<(A, B), ApiError> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(ApiError::Validation(mut first)), Err(ApiError::Validation(second))) => {
            first.merge(second);
            Err(ApiError::Validation(first))
        }
        (Err(ApiError::Validation(_)), Err(other)) | (Err(other), _) | (_, Err(other)) => Err(other),
    }
}
