use std::sync::Arc;

use todo_domain::{EmailAddress, NewUser, Password, User, Username};
use tracing::instrument;

use crate::ports::{Clock, HashError, PasswordHasher, RepositoryError, UniqueKey, UserFlags, UserRepository};

/// Makes a superuser, for operators at the command line: a new account, or (promoting) an
/// existing one found by username. No rate limit and no welcome e-mail: whoever runs this
/// already holds the database.
pub struct CreateSuperuser {
    users: Arc<dyn UserRepository>,
    hasher: Arc<dyn PasswordHasher>,
    clock: Arc<dyn Clock>,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateSuperuserError {
    #[error("the username is already registered (promote the user instead)")]
    UsernameTaken,
    #[error("the e-mail address is already registered")]
    EmailTaken,
    #[error("no user has this username")]
    NotFound,
    #[error(transparent)]
    Hashing(#[from] HashError),
    #[error(transparent)]
    Repository(RepositoryError),
}

impl From<RepositoryError> for CreateSuperuserError {
    fn from(error: RepositoryError) -> Self {
        match error {
            RepositoryError::Conflict(UniqueKey::Username) => Self::UsernameTaken,
            RepositoryError::Conflict(UniqueKey::Email) => Self::EmailTaken,
            RepositoryError::NotFound => Self::NotFound,
            other => Self::Repository(other),
        }
    }
}

impl CreateSuperuser {
    pub fn new(
        users: Arc<dyn UserRepository>,
        hasher: Arc<dyn PasswordHasher>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { users, hasher, clock }
    }

    /// A new active superuser.
    ///
    /// # Errors
    /// [`CreateSuperuserError`].
    #[instrument(name = "create_superuser", skip_all, fields(username = %username))]
    pub async fn create(
        &self,
        username: Username,
        email: EmailAddress,
        password: Password,
    ) -> Result<User, CreateSuperuserError> {
        let password_hash = self.hasher.hash(password).await?;
        let user =
            NewUser { username, email, password_hash, is_superuser: true, created_at: self.clock.now() };
        Ok(self.users.insert(user).await?)
    }

    /// Makes the user `username` a superuser, active.
    ///
    /// # Errors
    /// [`CreateSuperuserError::NotFound`], or the store's.
    #[instrument(name = "promote_user", skip_all, fields(username = %username))]
    pub async fn promote(&self, username: &Username) -> Result<User, CreateSuperuserError> {
        let user = self.users.find_by_username(username).await?.ok_or(CreateSuperuserError::NotFound)?;
        let flags = UserFlags { is_active: Some(true), is_superuser: Some(true) };
        self.users.set_flags(user.id, flags).await?;
        Ok(User { is_active: true, is_superuser: true, ..user })
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;
    use todo_domain::PasswordHash;

    use super::*;
    use crate::ports::{MockPasswordHasher, MockUserRepository};
    use crate::use_cases::fixtures::{clock, now, user, user_id};

    fn hasher() -> MockPasswordHasher {
        let mut hasher = MockPasswordHasher::new();
        hasher.expect_hash().returning(|_| Ok(PasswordHash::new("$argon2id$root".into())));
        hasher
    }

    #[tokio::test]
    async fn a_new_superuser_is_stored_with_the_flag_and_a_hash() {
        let mut users = MockUserRepository::new();
        users
            .expect_insert()
            .with(eq(NewUser {
                username: Username::parse("root").unwrap(),
                email: EmailAddress::parse("root@example.com").unwrap(),
                password_hash: PasswordHash::new("$argon2id$root".into()),
                is_superuser: true,
                created_at: now(),
            }))
            .times(1)
            .returning(|_| Ok(User { is_superuser: true, ..user(1) }));
        let create = CreateSuperuser::new(Arc::new(users), Arc::new(hasher()), Arc::new(clock()));
        let created = create
            .create(
                Username::parse("root").unwrap(),
                EmailAddress::parse("root@example.com").unwrap(),
                Password::parse("long-enough".into()).unwrap(),
            )
            .await
            .unwrap();
        assert!(created.is_superuser);
    }

    #[tokio::test]
    async fn promoting_sets_both_flags_and_an_unknown_name_is_not_found() {
        let mut users = MockUserRepository::new();
        users.expect_find_by_username().returning(|name| Ok((name.as_str() == "user1").then(|| user(1))));
        users
            .expect_set_flags()
            .with(eq(user_id(1)), eq(UserFlags { is_active: Some(true), is_superuser: Some(true) }))
            .times(1)
            .returning(|_, _| Ok(()));
        let create =
            CreateSuperuser::new(Arc::new(users), Arc::new(MockPasswordHasher::new()), Arc::new(clock()));
        assert!(create.promote(&Username::parse("user1").unwrap()).await.unwrap().is_superuser);
        let result = create.promote(&Username::parse("nobody").unwrap()).await;
        assert!(matches!(result, Err(CreateSuperuserError::NotFound)), "{result:?}");
    }
}
