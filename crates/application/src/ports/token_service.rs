use std::fmt;

use todo_domain::{Timestamp, UserId};

/// A signed bearer token that proves who the caller is until it expires.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    pub fn new(token: String) -> Self {
        Self(token)
    }

    /// The token itself, to hand to its owner and to no one else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken([REDACTED])")
    }
}

/// What can go wrong with tokens.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Expired, badly signed, signed with another algorithm, malformed or
    /// missing a required claim. Deliberately one variant: callers must not
    /// tell a client which check failed.
    #[error("the token is not valid")]
    Invalid,
    /// A token could not be produced.
    #[error("the token could not be issued")]
    Issue(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Issuing and checking access tokens.
///
/// # Errors
/// `issue` returns [`TokenError::Issue`] when signing fails; `verify` returns
/// [`TokenError::Invalid`] for every token it does not accept.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait TokenService: Send + Sync {
    fn issue(&self, user: UserId, issued_at: Timestamp) -> Result<AccessToken, TokenError>;
    fn verify(&self, token: &str) -> Result<UserId, TokenError>;
}
