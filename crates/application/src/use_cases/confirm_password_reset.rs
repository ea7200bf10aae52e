use std::sync::Arc;

use todo_domain::Password;
use tracing::instrument;

use crate::ports::{
    Clock, EventSignals, HashError, Limit, PasswordHasher, PasswordResetRepository, RateLimiter,
    RepositoryError, RetryAfter, Secrets, Signal, UnitOfWork,
};

/// Sets a new password with the token of a reset e-mail, and ends every session of the user.
/// The token works once: using it spends it, and every other reset token of the user.
pub struct ConfirmPasswordReset {
    resets: Arc<dyn PasswordResetRepository>,
    secrets: Arc<dyn Secrets>,
    hasher: Arc<dyn PasswordHasher>,
    unit_of_work: Arc<dyn UnitOfWork>,
    clock: Arc<dyn Clock>,
    limiter: Arc<dyn RateLimiter>,
    signals: Arc<dyn EventSignals>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfirmPasswordResetError {
    /// Unknown, used or expired: one answer for all three.
    #[error("invalid or expired reset token")]
    InvalidToken,
    /// Too many bad tokens (or reset requests) from this client.
    #[error("too many password-reset attempts")]
    TooManyAttempts(RetryAfter),
    #[error(transparent)]
    Hashing(#[from] HashError),
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl ConfirmPasswordReset {
    pub fn new(
        resets: Arc<dyn PasswordResetRepository>,
        secrets: Arc<dyn Secrets>,
        hasher: Arc<dyn PasswordHasher>,
        unit_of_work: Arc<dyn UnitOfWork>,
        clock: Arc<dyn Clock>,
        limiter: Arc<dyn RateLimiter>,
        signals: Arc<dyn EventSignals>,
    ) -> Self {
        Self { resets, secrets, hasher, unit_of_work, clock, limiter, signals }
    }

    /// # Errors
    /// [`ConfirmPasswordResetError`]; nothing changes unless the call succeeds.
    #[instrument(name = "confirm_password_reset", skip_all)]
    pub async fn execute(
        &self,
        token: &str,
        new: Password,
        client: &str,
    ) -> Result<(), ConfirmPasswordResetError> {
        self.limiter
            .acquire(Limit::PasswordResetsPerClient, client)
            .await
            .map_err(|error| error.into_error(ConfirmPasswordResetError::TooManyAttempts))?;
        let hash = self.secrets.hash(token);
        // A bad token is refused before the slow hashing of the new password.
        if self.resets.find_valid(&hash, self.clock.now()).await?.is_none() {
            return Err(ConfirmPasswordResetError::InvalidToken);
        }
        self.limiter.forgive(Limit::PasswordResetsPerClient, client).await;
        let password_hash = self.hasher.hash(new).await?;
        let now = self.clock.now();
        let transaction = self.unit_of_work.begin().await?;
        // Spent here, in the transaction that uses it: of two concurrent uses, one wins.
        let Some(user) = transaction.password_resets().consume(&hash, now).await? else {
            return Err(ConfirmPasswordResetError::InvalidToken);
        };
        // A link sent before the account was deactivated does not bring it back.
        if !transaction.users().find_by_id(user).await?.is_some_and(|user| user.is_active) {
            return Err(ConfirmPasswordResetError::InvalidToken);
        }
        transaction.users().set_password(user, password_hash).await?;
        transaction.sessions().revoke_all(user, None, now).await?;
        transaction.commit().await?;
        // Other sessions' streams close.
        self.signals.publish(user, Signal::Access);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;
    use todo_domain::PasswordHash;

    use super::*;
    use crate::ports::{
        MockPasswordHasher, MockPasswordResetRepository, MockSessionRepository, MockUnitOfWork,
        MockUserRepository, TokenHash,
    };
    use crate::use_cases::fixtures::{
        clock, now, secrets, transaction_with_resets, unlimited, user, user_id,
    };

    fn token_hash() -> TokenHash {
        TokenHash("hash-of-reset-token".into())
    }

    fn resets_finding(valid: bool) -> MockPasswordResetRepository {
        let mut resets = MockPasswordResetRepository::new();
        resets
            .expect_find_valid()
            .with(eq(token_hash()), eq(now()))
            .returning(move |_, _| Ok(valid.then(|| user_id(3))));
        resets
    }

    fn hasher() -> MockPasswordHasher {
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_hash().returning(|_| Ok(PasswordHash::new("$argon2id$new".into())));
        hasher
    }

    /// A transaction in which the token is consumed (by user 3 when `wins`).
    fn transaction(wins: bool) -> MockUnitOfWork {
        let mut resets = MockPasswordResetRepository::new();
        resets
            .expect_consume()
            .with(eq(token_hash()), eq(now()))
            .times(1)
            .returning(move |_, _| Ok(wins.then(|| user_id(3))));
        let mut users = MockUserRepository::new();
        users.expect_find_by_id().with(eq(user_id(3))).returning(|_| Ok(Some(user(3))));
        users
            .expect_set_password()
            .with(eq(user_id(3)), eq(PasswordHash::new("$argon2id$new".into())))
            .times(usize::from(wins))
            .returning(|_, _| Ok(()));
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_revoke_all()
            .with(eq(user_id(3)), eq(None), eq(now()))
            .times(usize::from(wins))
            .returning(|_, _, _| Ok(1));
        transaction_with_resets(sessions, users, resets, wins)
    }

    fn confirm(
        resets: MockPasswordResetRepository,
        hasher: MockPasswordHasher,
        uow: MockUnitOfWork,
        signals: crate::ports::MockEventSignals,
    ) -> ConfirmPasswordReset {
        ConfirmPasswordReset::new(
            Arc::new(resets),
            Arc::new(secrets()),
            Arc::new(hasher),
            Arc::new(uow),
            Arc::new(clock()),
            Arc::new(unlimited()),
            Arc::new(signals),
        )
    }

    fn new_password() -> Password {
        Password::parse("brand-new-password".into()).unwrap()
    }

    #[tokio::test]
    async fn a_valid_token_sets_the_password_and_ends_every_session_in_one_transaction() {
        let confirm = confirm(
            resets_finding(true),
            hasher(),
            transaction(true),
            crate::use_cases::fixtures::signalling(3, crate::ports::Signal::Access, 1),
        );
        confirm.execute("reset-token", new_password(), "192.0.2.7").await.unwrap();
    }

    #[tokio::test]
    async fn a_bad_token_is_refused_before_any_hashing() {
        let confirm = confirm(
            resets_finding(false),
            MockPasswordHasher::new(),
            MockUnitOfWork::new(),
            crate::use_cases::fixtures::silent(),
        );
        let result = confirm.execute("reset-token", new_password(), "192.0.2.7").await;
        assert!(matches!(result, Err(ConfirmPasswordResetError::InvalidToken)), "{result:?}");
    }

    #[tokio::test]
    async fn a_link_of_a_deactivated_account_changes_nothing() {
        let mut resets = MockPasswordResetRepository::new();
        resets.expect_consume().returning(|_, _| Ok(Some(user_id(3))));
        let mut users = MockUserRepository::new();
        users.expect_find_by_id().returning(|_| Ok(Some(todo_domain::User { is_active: false, ..user(3) })));
        let unit_of_work = transaction_with_resets(MockSessionRepository::new(), users, resets, false);
        let confirm =
            confirm(resets_finding(true), hasher(), unit_of_work, crate::use_cases::fixtures::silent());
        let result = confirm.execute("reset-token", new_password(), "192.0.2.7").await;
        assert!(matches!(result, Err(ConfirmPasswordResetError::InvalidToken)), "{result:?}");
    }

    #[tokio::test]
    async fn a_token_spent_meanwhile_by_a_concurrent_use_changes_nothing() {
        let confirm =
            confirm(resets_finding(true), hasher(), transaction(false), crate::use_cases::fixtures::silent());
        let result = confirm.execute("reset-token", new_password(), "192.0.2.7").await;
        assert!(matches!(result, Err(ConfirmPasswordResetError::InvalidToken)), "{result:?}");
    }
}
