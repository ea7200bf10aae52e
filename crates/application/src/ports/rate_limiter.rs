use std::time::Duration;

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

/// Counting attempts against limits.
///
/// An attempt is counted before it is made, atomically with the check: of many concurrent
/// attempts, no more than the quota get through, however long each takes (a password check
/// takes tens of milliseconds). An attempt that turns out not to count (a successful log-in)
/// is forgiven afterwards.
///
/// # Errors
/// `acquire` returns [`RetryAfter`] when `key` has used up `limit` for now; nothing is counted.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait RateLimiter: Send + Sync {
    /// Counts one attempt of `key` against `limit`, if the quota has room for it.
    fn acquire(&self, limit: Limit, key: &str) -> Result<(), RetryAfter>;
    /// Takes back one attempt counted by `acquire` in the current window.
    fn forgive(&self, limit: Limit, key: &str);
}
