use std::sync::Arc;

use chrono::TimeDelta;
use tracing::{instrument, warn};

use super::issued_tokens::{IssueError, IssuedTokens, issue_tokens};
use crate::ports::{
    Clock, EventSignals, RepositoryError, Secrets, Signal, Spent, TokenError, TokenService, UnitOfWork,
};

/// Exchanges a refresh token for a new access token and a new refresh token (rotation): the
/// one presented is spent. A spent token presented again after the grace period is taken
/// for a stolen one, and its whole session is revoked. Everything happens in one transaction,
/// which reads through its own repositories only: a transaction waiting for a pooled connection
/// while it holds a row lock could starve the others, which wait for that lock.
pub struct RefreshSession {
    unit_of_work: Arc<dyn UnitOfWork>,
    secrets: Arc<dyn Secrets>,
    tokens: Arc<dyn TokenService>,
    clock: Arc<dyn Clock>,
    /// How long after a token was spent presenting it again is a client's race, not a theft.
    reuse_grace: TimeDelta,
    signals: Arc<dyn EventSignals>,
}

#[derive(Debug, thiserror::Error)]
pub enum RefreshSessionError {
    /// Unknown, expired, spent, or of a session that is closed: one answer for all.
    #[error("invalid refresh token")]
    InvalidToken,
    /// A spent token came back after the grace period: its session is now revoked.
    #[error("a spent refresh token was presented again; the session is revoked")]
    Reused,
    #[error("the user is inactive")]
    Inactive,
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl From<IssueError> for RefreshSessionError {
    fn from(error: IssueError) -> Self {
        match error {
            IssueError::Token(error) => Self::Token(error),
            IssueError::Repository(error) => Self::Repository(error),
        }
    }
}

impl RefreshSession {
    pub fn new(
        unit_of_work: Arc<dyn UnitOfWork>,
        secrets: Arc<dyn Secrets>,
        tokens: Arc<dyn TokenService>,
        clock: Arc<dyn Clock>,
        reuse_grace: TimeDelta,
        signals: Arc<dyn EventSignals>,
    ) -> Self {
        Self { unit_of_work, secrets, tokens, clock, reuse_grace, signals }
    }

    #[instrument(name = "refresh_session", skip_all)]
    pub async fn execute(&self, refresh_token: &str) -> Result<IssuedTokens, RefreshSessionError> {
        let hash = self.secrets.hash(refresh_token);
        let now = self.clock.now();
        let transaction = self.unit_of_work.begin().await?;
        let sessions = transaction.sessions();
        let id = match sessions.spend_refresh_token(&hash, now).await? {
            Spent::Now(id) => id,
            Spent::Earlier { session, at } if now - at > self.reuse_grace => {
                warn!(session_id = %session, "a spent refresh token was presented again: revoking its session");
                let owner = sessions.find(&session).await?.map(|found| found.user_id);
                if let Some(owner) = owner {
                    sessions.revoke(owner, &session, now).await.or_else(ignore_not_found)?;
                }
                transaction.commit().await?;
                if let Some(owner) = owner {
                    // The stolen session's open streams close.
                    self.signals.publish(owner, Signal::Access);
                }
                return Err(RefreshSessionError::Reused);
            }
            Spent::Earlier { .. } | Spent::Expired | Spent::Unknown => {
                return Err(RefreshSessionError::InvalidToken);
            }
        };
        let session = sessions.find(&id).await?.filter(|session| session.is_active(now));
        let session = session.ok_or(RefreshSessionError::InvalidToken)?;
        let user = transaction.users().find_by_id(session.user_id).await?;
        let user = user.ok_or(RefreshSessionError::InvalidToken)?;
        if !user.is_active {
            return Err(RefreshSessionError::Inactive);
        }
        sessions.touch(&id, now).await?;
        let issued =
            issue_tokens(transaction.as_ref(), self.secrets.as_ref(), self.tokens.as_ref(), &session, now)
                .await?;
        transaction.commit().await?;
        Ok(issued)
    }
}

fn ignore_not_found(error: RepositoryError) -> Result<(), RepositoryError> {
    match error {
        RepositoryError::NotFound => Ok(()),
        other => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;
    use todo_domain::{Session, User};

    use super::*;
    use crate::ports::{MockSessionRepository, MockTokenService, MockUserRepository, TokenHash};
    use crate::use_cases::fixtures::{
        clock, now, secrets, session, session_id, signalling, silent, tokens_issuing, transaction_with_users,
        user, user_id,
    };

    const GRACE: TimeDelta = TimeDelta::seconds(10);

    fn spending(result: Spent) -> MockSessionRepository {
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_spend_refresh_token()
            .with(eq(TokenHash("hash-of-presented".into())), eq(now()))
            .times(1)
            .return_once(move |_, _| Ok(result));
        sessions
    }

    fn finding(mut sessions: MockSessionRepository, found: Option<Session>) -> MockSessionRepository {
        sessions.expect_find().with(eq(session_id())).returning(move |_| Ok(found.clone()));
        sessions
    }

    fn users_holding(found: Option<User>) -> MockUserRepository {
        let mut users = MockUserRepository::new();
        users.expect_find_by_id().with(eq(user_id(1))).returning(move |_| Ok(found.clone()));
        users
    }

    /// Refreshes with a transaction over `sessions` and `users`, committed once when `commits`.
    async fn refresh(
        users: MockUserRepository,
        (sessions, commits): (MockSessionRepository, bool),
        tokens: MockTokenService,
    ) -> Result<IssuedTokens, RefreshSessionError> {
        refresh_signalling(users, (sessions, commits), tokens, silent()).await
    }

    async fn refresh_signalling(
        users: MockUserRepository,
        (sessions, commits): (MockSessionRepository, bool),
        tokens: MockTokenService,
        signals: crate::ports::MockEventSignals,
    ) -> Result<IssuedTokens, RefreshSessionError> {
        let unit_of_work = transaction_with_users(sessions, users, commits);
        let refresh = RefreshSession::new(
            Arc::new(unit_of_work),
            Arc::new(secrets()),
            Arc::new(tokens),
            Arc::new(clock()),
            GRACE,
            Arc::new(signals),
        );
        refresh.execute("presented").await
    }

    #[tokio::test]
    async fn refresh_spends_the_token_and_issues_the_next_pair() {
        let mut sessions = finding(spending(Spent::Now(session_id())), Some(session(1)));
        sessions.expect_touch().with(eq(session_id()), eq(now())).times(1).returning(|_, _| Ok(()));
        sessions
            .expect_insert_refresh_token()
            .withf(|token| token.hash.0 == "hash-of-refresh-secret" && token.session == session_id())
            .times(1)
            .returning(|_| Ok(()));
        let tokens = tokens_issuing(session(1).scopes);
        let issued = refresh(users_holding(Some(user(1))), (sessions, true), tokens).await.unwrap();
        assert_eq!((issued.access.expose(), issued.refresh.as_str()), ("jwt", "refresh-secret"));
    }

    #[tokio::test]
    async fn a_token_spent_within_the_grace_period_is_refused_without_revoking_anything() {
        let spent = Spent::Earlier { session: session_id(), at: now() - GRACE };
        let result =
            refresh(MockUserRepository::new(), (spending(spent), false), MockTokenService::new()).await;
        assert!(matches!(result, Err(RefreshSessionError::InvalidToken)));
    }

    #[tokio::test]
    async fn a_token_spent_before_the_grace_period_revokes_its_session() {
        let spent = Spent::Earlier { session: session_id(), at: now() - GRACE - TimeDelta::seconds(1) };
        let mut sessions = finding(spending(spent), Some(session(1)));
        sessions
            .expect_revoke()
            .with(eq(user_id(1)), eq(session_id()), eq(now()))
            .times(1)
            .returning(|_, _, _| Ok(()));
        let signals = signalling(1, Signal::Access, 1);
        let result =
            refresh_signalling(MockUserRepository::new(), (sessions, true), MockTokenService::new(), signals)
                .await;
        assert!(matches!(result, Err(RefreshSessionError::Reused)));
    }

    #[tokio::test]
    async fn an_unknown_or_expired_token_or_a_closed_session_is_refused() {
        for spent in [Spent::Unknown, Spent::Expired] {
            let result =
                refresh(MockUserRepository::new(), (spending(spent), false), MockTokenService::new()).await;
            assert!(matches!(result, Err(RefreshSessionError::InvalidToken)));
        }
        let revoked = Session { revoked_at: Some(now()), ..session(1) };
        let sessions = finding(spending(Spent::Now(session_id())), Some(revoked));
        let result = refresh(MockUserRepository::new(), (sessions, false), MockTokenService::new()).await;
        assert!(matches!(result, Err(RefreshSessionError::InvalidToken)));
    }

    #[tokio::test]
    async fn a_deactivated_user_gets_no_new_tokens() {
        let sessions = finding(spending(Spent::Now(session_id())), Some(session(1)));
        let inactive = User { is_active: false, ..user(1) };
        let result = refresh(users_holding(Some(inactive)), (sessions, false), MockTokenService::new()).await;
        assert!(matches!(result, Err(RefreshSessionError::Inactive)));
    }
}
