use std::sync::Arc;

use todo_domain::{Password, Scopes, Session, Username};
use tracing::instrument;

use super::issued_tokens::{IssueError, IssuedTokens, issue_tokens};
use crate::ports::{
    Clock, HashError, Limit, PasswordHasher, RateLimiter, RepositoryError, RetryAfter, Secrets, TokenError,
    TokenService, UnitOfWork, UserRepository,
};

/// Exchanges a username and password for a new session: an access token and a refresh
/// token. Failed attempts are counted per username and per client; past either limit,
/// attempts are refused before any password is checked.
pub struct LogIn {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    unit_of_work: Arc<dyn UnitOfWork>,
    secrets: Arc<dyn Secrets>,
    tokens: Arc<dyn TokenService>,
    clock: Arc<dyn Clock>,
    limiter: Arc<dyn RateLimiter>,
}

/// One attempt, as the client made it.
#[derive(Debug)]
pub struct LogInAttempt<'a> {
    /// Taken as typed: a name that could never be registered is simply unknown.
    pub username: &'a str,
    pub password: Password,
    /// The scopes asked for, space-separated; empty for all the user may have.
    pub scope: &'a str,
    /// The caller's network address, for the rate limits.
    pub client: &'a str,
    pub user_agent: Option<&'a str>,
}

#[derive(Debug, thiserror::Error)]
pub enum LogInError {
    /// Unknown username or wrong password: one answer for both.
    #[error("incorrect username or password")]
    InvalidCredentials,
    /// The password was right but the account is deactivated.
    #[error("the user is inactive")]
    Inactive,
    /// A scope that does not exist, or none the user may have.
    #[error("invalid scope")]
    InvalidScope,
    /// Too many failed attempts for this username or from this client.
    #[error("too many failed log-ins")]
    TooManyAttempts(RetryAfter),
    #[error(transparent)]
    Hashing(#[from] HashError),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl From<IssueError> for LogInError {
    fn from(error: IssueError) -> Self {
        match error {
            IssueError::Token(error) => Self::Token(error),
            IssueError::Repository(error) => Self::Repository(error),
        }
    }
}

impl LogIn {
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        unit_of_work: Arc<dyn UnitOfWork>,
        secrets: Arc<dyn Secrets>,
        tokens: Arc<dyn TokenService>,
        clock: Arc<dyn Clock>,
        limiter: Arc<dyn RateLimiter>,
    ) -> Self {
        Self { users, hasher, unit_of_work, secrets, tokens, clock, limiter }
    }

    /// Every path that checks a password verifies a hash, so timing tells nothing.
    #[instrument(name = "log_in", skip_all)]
    pub async fn execute(&self, attempt: LogInAttempt<'_>) -> Result<IssuedTokens, LogInError> {
        let LogInAttempt { username, password, scope, client, user_agent } = attempt;
        let requested = Scopes::parse(scope).map_err(|_| LogInError::InvalidScope)?;
        // Counted before the password is checked, forgiven if it is right: concurrent guesses
        // cannot all slip through while the hashes are being verified.
        self.limiter
            .acquire(Limit::FailedLoginsPerUsername, username)
            .await
            .map_err(|error| error.into_error(LogInError::TooManyAttempts))?;
        if let Err(error) = self.limiter.acquire(Limit::FailedLoginsPerClient, client).await {
            self.limiter.forgive(Limit::FailedLoginsPerUsername, username).await;
            return Err(error.into_error(LogInError::TooManyAttempts));
        }
        let user = match Username::parse(username) {
            Ok(username) => self.users.find_by_username(&username).await?,
            Err(_) => None,
        };
        let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
        let matches = self.hasher.verify(password, stored_hash).await?;
        let Some(user) = user.filter(|_| matches) else {
            return Err(LogInError::InvalidCredentials);
        };
        self.limiter.forgive(Limit::FailedLoginsPerUsername, username).await;
        self.limiter.forgive(Limit::FailedLoginsPerClient, client).await;
        if !user.is_active {
            return Err(LogInError::Inactive);
        }
        let allowed = Scopes::allowed_for(user.is_superuser);
        let scopes = if requested.is_empty() {
            allowed
        } else {
            requested.iter().filter(|s| allowed.contains(*s)).collect()
        };
        if scopes.is_empty() {
            return Err(LogInError::InvalidScope);
        }
        let now = self.clock.now();
        let session = Session::open(self.secrets.session_id(), user.id, scopes, user_agent, now);
        let transaction = self.unit_of_work.begin().await?;
        transaction.sessions().insert(&session).await?;
        let issued =
            issue_tokens(transaction.as_ref(), self.secrets.as_ref(), self.tokens.as_ref(), &session, now)
                .await?;
        transaction.commit().await?;
        Ok(issued)
    }
}

#[cfg(test)]
mod tests;
