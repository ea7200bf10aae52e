use std::time::Duration;

use async_trait::async_trait;

use super::RepositoryError;

/// The limits the service enforces, each counted per key over its own window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// Failed log-ins for one username, whoever tries.
    FailedLoginsPerUsername,
    /// Failed log-ins from one client address, whatever the username.
    FailedLoginsPerClient,
    /// Registrations from one client address.
    RegistrationsPerClient,
    /// Failed password changes (a wrong current password) of one user: a stolen access
    /// token must not become a way to guess the password.
    FailedPasswordChangesPerUser,
    /// Password-reset requests, and confirmations with a bad token, from one client address.
    PasswordResetsPerClient,
    /// Password-reset requests for one e-mail address, whoever asks: no mailbox gets flooded.
    PasswordResetsPerEmail,
}

/// The limit is used up; the caller may try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("rate limit reached; retry after {0:?}")]
pub struct RetryAfter(pub Duration);

/// Why an attempt was not counted.
#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    /// The quota is used up for now.
    #[error(transparent)]
    Reached(#[from] RetryAfter),
    /// The counts are kept elsewhere (a shared store) and could not be read, and the limiter
    /// is configured to refuse rather than count locally. Retrying later may help.
    #[error("the rate limiter's store is unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl LimitError {
    /// The use case's own error: `reached` for a used-up quota, and for an unavailable store
    /// the same error as an unavailable database, which callers already answer with 503.
    pub fn into_error<E: From<RepositoryError>>(self, reached: impl FnOnce(RetryAfter) -> E) -> E {
        match self {
            Self::Reached(retry) => reached(retry),
            Self::Unavailable(source) => E::from(RepositoryError::Unavailable(source)),
        }
    }
}

/// Counting attempts against limits.
///
/// An attempt is counted before it is made, atomically with the check: of many concurrent
/// attempts, no more than the quota get through, however long each takes (a password check
/// takes tens of milliseconds). An attempt that turns out not to count (a successful log-in)
/// is forgiven afterwards. Counts may live in this process or in a store that every replica
/// shares; the port is asynchronous for the latter.
///
/// # Errors
/// `acquire` returns [`LimitError::Reached`] when `key` has used up `limit` for now, and
/// [`LimitError::Unavailable`] when the counts cannot be reached; nothing is counted in
/// either case.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Counts one attempt of `key` against `limit`, if the quota has room for it.
    async fn acquire(&self, limit: Limit, key: &str) -> Result<(), LimitError>;
    /// Takes back one attempt counted by `acquire` in the current window. Best effort: a
    /// failure to reach the counts is the adapter's to log.
    async fn forgive(&self, limit: Limit, key: &str);
}
