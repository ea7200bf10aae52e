use std::fmt;

use chrono::TimeDelta;
use todo_domain::{Scopes, SessionId, Timestamp, UserId};

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

/// What a valid access token says: whose it is, of which session, allowing what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    pub user: UserId,
    pub session: SessionId,
    pub scopes: Scopes,
}

/// Issuing and checking access tokens.
///
/// # Errors
/// `issue` returns [`TokenError::Issue`] when signing fails; `verify` returns
/// [`TokenError::Invalid`] for every token it does not accept, including one without a
/// session: a token that could not be revoked is never accepted.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait TokenService: Send + Sync {
    fn issue(&self, claims: &AccessClaims, issued_at: Timestamp) -> Result<AccessToken, TokenError>;
    fn verify(&self, token: &str) -> Result<AccessClaims, TokenError>;
    /// How long an access token is valid after it was issued.
    fn lifetime(&self) -> TimeDelta;
}
