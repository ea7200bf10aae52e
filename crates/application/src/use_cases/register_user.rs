use std::sync::Arc;

use todo_domain::{EmailAddress, NewUser, Password, User, Username};
use tracing::instrument;

use crate::ports::{Clock, HashError, PasswordHasher, RepositoryError, UniqueKey, UserRepository};

/// Creates an account: unique username and e-mail, password stored only as a hash.
pub struct RegisterUser {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    clock: Arc<dyn Clock>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegisterUserError {
    #[error("the username is already registered")]
    UsernameTaken,
    #[error("the e-mail address is already registered")]
    EmailTaken,
    #[error(transparent)]
    Hashing(#[from] HashError),
    #[error(transparent)]
    Repository(RepositoryError),
}

/// A uniqueness conflict at insert time is the same answer as the check before
/// it: the check only makes the common case cheap, the database decides races.
impl From<RepositoryError> for RegisterUserError {
    fn from(error: RepositoryError) -> Self {
        match error {
            RepositoryError::Conflict(UniqueKey::Username) => Self::UsernameTaken,
            RepositoryError::Conflict(UniqueKey::Email) => Self::EmailTaken,
            other => Self::Repository(other),
        }
    }
}

impl RegisterUser {
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { users, hasher, clock }
    }

    #[instrument(name = "register_user", skip_all, fields(username = %username))]
    pub async fn execute(
        &self,
        username: Username,
        email: EmailAddress,
        password: Password,
    ) -> Result<User, RegisterUserError> {
        if self.users.find_by_username(&username).await?.is_some() {
            return Err(RegisterUserError::UsernameTaken);
        }
        if self.users.find_by_email(&email).await?.is_some() {
            return Err(RegisterUserError::EmailTaken);
        }
        let password_hash = self.hasher.hash(password).await?;
        let user = NewUser { username, email, password_hash, created_at: self.clock.now() };
        Ok(self.users.insert(user).await?)
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;
    use todo_domain::PasswordHash;

    use super::*;
    use crate::ports::{MockPasswordHasher, MockUserRepository};
    use crate::use_cases::fixtures::{clock, now, unavailable, user};

    fn input() -> (Username, EmailAddress, Password) {
        (
            Username::parse("ada").unwrap(),
            EmailAddress::parse("ada@example.com").unwrap(),
            Password::parse("correct horse".into()).unwrap(),
        )
    }

    fn no_one_registered() -> MockUserRepository {
        let mut users = MockUserRepository::new();
        users.expect_find_by_username().returning(|_| Ok(None));
        users.expect_find_by_email().returning(|_| Ok(None));
        users
    }

    fn hasher() -> MockPasswordHasher {
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_hash().returning(|_| Ok(PasswordHash::new("$argon2id$hash".into())));
        hasher
    }

    async fn register(
        users: MockUserRepository,
        hasher: MockPasswordHasher,
    ) -> Result<User, RegisterUserError> {
        let (username, email, password) = input();
        RegisterUser::new(Arc::new(users), Arc::new(hasher), Arc::new(clock()))
            .execute(username, email, password)
            .await
    }

    #[tokio::test]
    async fn register_user_stores_the_hash_and_the_time_never_the_password() {
        let mut users = no_one_registered();
        let expected = NewUser {
            username: Username::parse("ada").unwrap(),
            email: EmailAddress::parse("ada@example.com").unwrap(),
            password_hash: PasswordHash::new("$argon2id$hash".into()),
            created_at: now(),
        };
        users.expect_insert().with(eq(expected)).times(1).returning(|_| Ok(user(1)));
        assert_eq!(register(users, hasher()).await.unwrap(), user(1));
    }

    #[tokio::test]
    async fn register_user_refuses_a_taken_username_before_hashing() {
        let mut users = MockUserRepository::new();
        users.expect_find_by_username().returning(|_| Ok(Some(user(1))));
        let result = register(users, MockPasswordHasher::new()).await;
        assert!(matches!(result, Err(RegisterUserError::UsernameTaken)));
    }

    #[tokio::test]
    async fn register_user_refuses_a_taken_email() {
        let mut users = MockUserRepository::new();
        users.expect_find_by_username().returning(|_| Ok(None));
        users.expect_find_by_email().returning(|_| Ok(Some(user(1))));
        let result = register(users, MockPasswordHasher::new()).await;
        assert!(matches!(result, Err(RegisterUserError::EmailTaken)));
    }

    #[tokio::test]
    async fn register_user_reports_a_race_lost_at_insert_as_taken() {
        for (key, username_taken) in [(UniqueKey::Username, true), (UniqueKey::Email, false)] {
            let mut users = no_one_registered();
            users.expect_insert().returning(move |_| Err(RepositoryError::Conflict(key)));
            let result = register(users, hasher()).await;
            match result {
                Err(RegisterUserError::UsernameTaken) => assert!(username_taken),
                Err(RegisterUserError::EmailTaken) => assert!(!username_taken),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn register_user_passes_hashing_failures_on() {
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_hash().returning(|_| Err(HashError("no blocking thread".into())));
        let result = register(no_one_registered(), hasher).await;
        assert!(matches!(result, Err(RegisterUserError::Hashing(_))));
    }

    #[tokio::test]
    async fn register_user_passes_storage_failures_on() {
        let mut users = MockUserRepository::new();
        users.expect_find_by_username().returning(|_| Err(unavailable()));
        let result = register(users, MockPasswordHasher::new()).await;
        assert!(matches!(result, Err(RegisterUserError::Repository(RepositoryError::Unavailable(_)))));
    }
}
