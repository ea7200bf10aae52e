//! What a log-in or a refresh hands back, and the one way both make it.

use std::fmt;

use chrono::TimeDelta;
use todo_domain::{Scopes, Session, Timestamp};

use crate::ports::{
    AccessClaims, AccessToken, NewRefreshToken, RepositoryError, Secrets, TokenError, TokenService,
    Transaction,
};

/// An access token and the refresh token that renews it (RFC 6749, section 5.1).
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedTokens {
    pub access: AccessToken,
    /// How long the access token is valid.
    pub expires_in: TimeDelta,
    /// Opaque; stored only as its hash, shown to its owner once.
    pub refresh: String,
    pub scopes: Scopes,
}

impl fmt::Debug for IssuedTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedTokens").field("scopes", &self.scopes).finish_non_exhaustive()
    }
}

/// Why tokens could not be issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// Stores a new refresh token for `session` in `transaction` and signs an access token for it.
/// The caller commits.
pub(super) async fn issue_tokens(
    transaction: &dyn Transaction,
    secrets: &dyn Secrets,
    tokens: &dyn TokenService,
    session: &Session,
    now: Timestamp,
) -> Result<IssuedTokens, IssueError> {
    let refresh = secrets.issue();
    let stored = NewRefreshToken {
        hash: refresh.hash,
        session: session.id.clone(),
        created_at: now,
        expires_at: session.refresh_token_expiry(now),
    };
    transaction.sessions().insert_refresh_token(stored).await?;
    let claims =
        AccessClaims { user: session.user_id, session: session.id.clone(), scopes: session.scopes.clone() };
    let access = tokens.issue(&claims, now)?;
    Ok(IssuedTokens {
        access,
        expires_in: tokens.lifetime(),
        refresh: refresh.secret,
        scopes: session.scopes.clone(),
    })
}
