use std::sync::Arc;

use todo_domain::Password;
use tracing::instrument;

use super::Principal;
use crate::ports::{
    Clock, EventSignals, HashError, Limit, PasswordHasher, RateLimiter, RepositoryError, RetryAfter, Signal,
    UnitOfWork,
};

/// Changes the caller's password, given the current one, and ends every other session of
/// theirs and every reset link sent before: whoever knew the old password is logged out
/// everywhere but here.
pub struct ChangePassword {
    hasher: Arc<dyn PasswordHasher>,
    unit_of_work: Arc<dyn UnitOfWork>,
    clock: Arc<dyn Clock>,
    limiter: Arc<dyn RateLimiter>,
    signals: Arc<dyn EventSignals>,
}

#[derive(Debug, thiserror::Error)]
pub enum ChangePasswordError {
    #[error("incorrect password")]
    IncorrectPassword,
    /// Too many wrong current passwords for this user.
    #[error("too many failed password changes")]
    TooManyAttempts(RetryAfter),
    #[error(transparent)]
    Hashing(#[from] HashError),
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

impl ChangePassword {
    pub fn new(
        hasher: Arc<dyn PasswordHasher>,
        unit_of_work: Arc<dyn UnitOfWork>,
        clock: Arc<dyn Clock>,
        limiter: Arc<dyn RateLimiter>,
        signals: Arc<dyn EventSignals>,
    ) -> Self {
        Self { hasher, unit_of_work, clock, limiter, signals }
    }

    /// # Errors
    /// [`ChangePasswordError`]; nothing is changed unless the call succeeds.
    #[instrument(name = "change_password", skip_all, fields(user_id = %principal.user.id))]
    pub async fn execute(
        &self,
        principal: &Principal,
        current: Password,
        new: Password,
    ) -> Result<(), ChangePasswordError> {
        let user = &principal.user;
        let key = user.id.to_string();
        // Counted before the check, forgiven if right: concurrent guesses cannot all slip through.
        self.limiter
            .acquire(Limit::FailedPasswordChangesPerUser, &key)
            .await
            .map_err(|error| error.into_error(ChangePasswordError::TooManyAttempts))?;
        if !self.hasher.verify(current, Some(user.password_hash.clone())).await? {
            return Err(ChangePasswordError::IncorrectPassword);
        }
        self.limiter.forgive(Limit::FailedPasswordChangesPerUser, &key).await;
        // Hashing is slow: done before the transaction, which holds a writer meanwhile.
        let hash = self.hasher.hash(new).await?;
        let now = self.clock.now();
        let transaction = self.unit_of_work.begin().await?;
        transaction.users().set_password(user.id, hash).await?;
        transaction.sessions().revoke_all(user.id, principal.session().cloned(), now).await?;
        // A reset link e-mailed before the change must not undo it.
        transaction.password_resets().spend_all(user.id, now).await?;
        transaction.commit().await?;
        // Other sessions' streams close.
        self.signals.publish(user.id, Signal::Access);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use mockall::predicate::eq;
    use todo_domain::{PasswordHash, Scopes};

    use super::*;
    use crate::ports::{
        MockPasswordHasher, MockPasswordResetRepository, MockRateLimiter, MockSessionRepository,
        MockUnitOfWork, MockUserRepository,
    };
    use crate::use_cases::Credential;
    use crate::use_cases::fixtures::{
        clock, now, session_id, transaction_with_resets, unlimited, user, user_id,
    };

    fn principal() -> Principal {
        Principal {
            user: user(1),
            credential: Credential::Session(session_id()),
            scopes: Scopes::allowed_for(false),
        }
    }

    fn password(text: &str) -> Password {
        Password::parse(text.to_owned()).unwrap()
    }

    fn hasher(current_matches: bool) -> MockPasswordHasher {
        let mut hasher = MockPasswordHasher::new();
        hasher
            .expect_verify()
            .withf(|password, hash| {
                password.expose() == "old-password" && hash == &Some(user(1).password_hash)
            })
            .returning(move |_, _| Ok(current_matches));
        hasher.expect_hash().returning(|_| Ok(PasswordHash::new("$argon2id$new".into())));
        hasher
    }

    #[tokio::test]
    async fn the_new_hash_is_stored_and_every_other_session_ends_in_one_transaction() {
        let mut users = MockUserRepository::new();
        users
            .expect_set_password()
            .with(eq(user_id(1)), eq(PasswordHash::new("$argon2id$new".into())))
            .times(1)
            .returning(|_, _| Ok(()));
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_revoke_all()
            .with(eq(user_id(1)), eq(Some(session_id())), eq(now()))
            .times(1)
            .returning(|_, _, _| Ok(2));
        let mut resets = MockPasswordResetRepository::new();
        resets.expect_spend_all().with(eq(user_id(1)), eq(now())).times(1).returning(|_, _| Ok(()));
        let change = ChangePassword::new(
            Arc::new(hasher(true)),
            Arc::new(transaction_with_resets(sessions, users, resets, true)),
            Arc::new(clock()),
            Arc::new(unlimited()),
            Arc::new(crate::use_cases::fixtures::signalling(1, crate::ports::Signal::Access, 1)),
        );
        change.execute(&principal(), password("old-password"), password("new-password")).await.unwrap();
    }

    #[tokio::test]
    async fn a_wrong_current_password_changes_nothing_and_is_counted() {
        let mut limiter = MockRateLimiter::new();
        limiter
            .expect_acquire()
            .with(eq(Limit::FailedPasswordChangesPerUser), eq("1"))
            .times(1)
            .returning(|_, _| Ok(()));
        limiter.expect_forgive().never();
        let change = ChangePassword::new(
            Arc::new(hasher(false)),
            Arc::new(MockUnitOfWork::new()),
            Arc::new(clock()),
            Arc::new(limiter),
            Arc::new(crate::use_cases::fixtures::silent()),
        );
        let result = change.execute(&principal(), password("old-password"), password("new-password")).await;
        assert!(matches!(result, Err(ChangePasswordError::IncorrectPassword)), "{result:?}");
    }

    #[tokio::test]
    async fn past_the_limit_no_password_is_checked() {
        let mut limiter = MockRateLimiter::new();
        limiter.expect_acquire().returning(|_, _| Err(RetryAfter(Duration::from_secs(60)).into()));
        let change = ChangePassword::new(
            Arc::new(MockPasswordHasher::new()),
            Arc::new(MockUnitOfWork::new()),
            Arc::new(clock()),
            Arc::new(limiter),
            Arc::new(crate::use_cases::fixtures::silent()),
        );
        let result = change.execute(&principal(), password("old-password"), password("new-password")).await;
        assert!(matches!(result, Err(ChangePasswordError::TooManyAttempts(_))), "{result:?}");
    }
}
