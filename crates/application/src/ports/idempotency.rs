use async_trait::async_trait;
use todo_domain::{IdempotencyKey, Timestamp, UserId};

use super::{RepositoryError, TokenHash};

/// What the client was answered the first time, kept to be answered again. Opaque here:
/// the HTTP adapter renders it and replays it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedAnswer {
    pub status: u16,
    pub body: String,
}

/// A client's named write: its key, the fingerprint of what it asks (a hash of the request's
/// meaning, so that the key cannot be reused for another request), and this attempt's own
/// random claim, so that only the attempt that holds the key may answer or release it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedRequest {
    pub key: IdempotencyKey,
    pub fingerprint: TokenHash,
    pub claim: String,
}

/// What [`IdempotencyStore::claim`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is this request's now, until the lease ends: do the work.
    Claimed,
    /// The same request was answered before: answer the same.
    Answered(RecordedAnswer),
    /// The key names another request.
    OtherRequest,
    /// The same request is being worked on, and its lease has not ended.
    InFlight,
}

/// The keys of the last 24 hours, per user.
///
/// A key is claimed before the work (`claim`), completed in the work's own transaction
/// (`complete`, through [`super::Transaction::idempotency_keys`]) so that the write and its
/// recorded answer commit together, and released when the work fails (`release`), so that the
/// client may try again. A claim whose process died is taken over once its lease ends.
///
/// # Errors
/// Every method may return [`RepositoryError::Unavailable`] or [`RepositoryError::Unexpected`].
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `request.key` for `user` until `lease_until`. A key first used before
    /// `expired_before` counts as new.
    async fn claim(
        &self,
        user: UserId,
        request: &KeyedRequest,
        now: Timestamp,
        lease_until: Timestamp,
        expired_before: Timestamp,
    ) -> Result<Claim, RepositoryError>;
    /// Records the answer of the key, while `request` holds its claim: [`RepositoryError::NotFound`]
    /// when it does not (its lease ended and another attempt took the key over).
    async fn complete(
        &self,
        user: UserId,
        request: &KeyedRequest,
        answer: &RecordedAnswer,
    ) -> Result<(), RepositoryError>;
    /// Forgets `request`'s claim after its work failed; an answer, or another's claim, stays.
    async fn release(&self, user: UserId, request: &KeyedRequest) -> Result<(), RepositoryError>;
    /// Removes keys first used before `before`, at most `limit` of them; says how many.
    async fn prune(&self, before: Timestamp, limit: u64) -> Result<u64, RepositoryError>;
}
