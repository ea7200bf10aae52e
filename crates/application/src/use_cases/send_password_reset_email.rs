use std::sync::Arc;

use async_trait::async_trait;
use todo_domain::{EmailAddress, PASSWORD_RESET_LIFETIME};
use tracing::instrument;

use super::send_welcome_email::mail_failure;
use crate::jobs::{JobError, JobHandler, PasswordResetEmail, decode};
use crate::ports::{
    Clock, MailTemplates, Mailer, NewPasswordReset, PasswordResetRepository, Secrets, StoredPayload,
    UserRepository,
};

/// Sends a reset link to the active account with the requested address, if there is one: a
/// fresh single-use token, stored only as its hash, valid [`PASSWORD_RESET_LIFETIME`].
pub struct SendPasswordResetEmail {
    users: Arc<dyn UserRepository>,
    resets: Arc<dyn PasswordResetRepository>,
    secrets: Arc<dyn Secrets>,
    templates: Arc<dyn MailTemplates>,
    mailer: Arc<dyn Mailer>,
    clock: Arc<dyn Clock>,
}

impl SendPasswordResetEmail {
    pub fn new(
        users: Arc<dyn UserRepository>,
        resets: Arc<dyn PasswordResetRepository>,
        secrets: Arc<dyn Secrets>,
        templates: Arc<dyn MailTemplates>,
        mailer: Arc<dyn Mailer>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { users, resets, secrets, templates, mailer, clock }
    }

    /// Nothing is sent for an unknown or deactivated address, and the job is done.
    ///
    /// # Errors
    /// [`JobError::Retryable`] when the database or the mail server is unavailable,
    /// [`JobError::Permanent`] when the message is refused or cannot be written.
    #[instrument(name = "send_password_reset_email", skip_all)]
    pub async fn execute(&self, job: PasswordResetEmail) -> Result<(), JobError> {
        let email = EmailAddress::parse(job.email).map_err(|error| JobError::Permanent(error.to_string()))?;
        let user =
            self.users.find_by_email(&email).await.map_err(|error| JobError::Retryable(error.to_string()))?;
        let Some(user) = user.filter(|user| user.is_active) else { return Ok(()) };
        let issued = self.secrets.issue();
        let now = self.clock.now();
        let reset = NewPasswordReset {
            hash: issued.hash,
            user: user.id,
            created_at: now,
            expires_at: now + PASSWORD_RESET_LIFETIME,
        };
        self.resets.insert(reset).await.map_err(|error| JobError::Retryable(error.to_string()))?;
        let message = self
            .templates
            .password_reset(&user.email, user.username.as_str(), &issued.secret)
            .map_err(|error| JobError::Permanent(error.to_string()))?;
        self.mailer.send(message).await.map_err(mail_failure)
    }
}

#[async_trait]
impl JobHandler for SendPasswordResetEmail {
    async fn handle(&self, payload: Arc<dyn StoredPayload>) -> Result<(), JobError> {
        self.execute(decode(&*payload)?).await
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;

    use super::*;
    use crate::jobs::JsonPayload;
    use crate::ports::{
        Email, MailError, MockMailTemplates, MockMailer, MockPasswordResetRepository, MockUserRepository,
    };
    use crate::use_cases::fixtures::{clock, now, secrets, unavailable, user, user_id};

    fn payload() -> Arc<JsonPayload> {
        Arc::new(JsonPayload(r#"{"v":1,"email":"user7@example.com"}"#))
    }

    fn email() -> Email {
        Email {
            to: EmailAddress::parse("user7@example.com").unwrap(),
            subject: "Reset your password".into(),
            text: "token refresh-secret".into(),
            html: None,
        }
    }

    fn users_holding(found: Option<todo_domain::User>) -> MockUserRepository {
        let mut users = MockUserRepository::new();
        users
            .expect_find_by_email()
            .withf(|email| email.as_str() == "user7@example.com")
            .returning(move |_| Ok(found.clone()));
        users
    }

    fn handler(
        users: MockUserRepository,
        resets: MockPasswordResetRepository,
        templates: MockMailTemplates,
        mailer: MockMailer,
    ) -> SendPasswordResetEmail {
        SendPasswordResetEmail::new(
            Arc::new(users),
            Arc::new(resets),
            Arc::new(secrets()),
            Arc::new(templates),
            Arc::new(mailer),
            Arc::new(clock()),
        )
    }

    fn storing() -> MockPasswordResetRepository {
        let mut resets = MockPasswordResetRepository::new();
        resets
            .expect_insert()
            .with(eq(NewPasswordReset {
                hash: crate::ports::TokenHash("hash-of-refresh-secret".into()),
                user: user_id(7),
                created_at: now(),
                expires_at: now() + PASSWORD_RESET_LIFETIME,
            }))
            .times(1)
            .returning(|_| Ok(()));
        resets
    }

    fn templates() -> MockMailTemplates {
        let mut templates = MockMailTemplates::new();
        templates
            .expect_password_reset()
            .withf(|to, username, token| {
                to.as_str() == "user7@example.com" && username == "user7" && token == "refresh-secret"
            })
            .returning(|_, _, _| Ok(email()));
        templates
    }

    #[tokio::test]
    async fn the_link_carries_a_fresh_token_whose_hash_alone_is_stored() {
        let mut mailer = MockMailer::new();
        mailer.expect_send().with(eq(email())).times(1).returning(|_| Ok(()));
        let handler = handler(users_holding(Some(user(7))), storing(), templates(), mailer);
        assert_eq!(handler.handle(payload()).await, Ok(()));
    }

    #[tokio::test]
    async fn an_unknown_or_deactivated_address_gets_nothing_and_the_job_is_done() {
        let none = handler(
            users_holding(None),
            MockPasswordResetRepository::new(),
            MockMailTemplates::new(),
            MockMailer::new(),
        );
        assert_eq!(none.handle(payload()).await, Ok(()));
        let inactive = todo_domain::User { is_active: false, ..user(7) };
        let handler = handler(
            users_holding(Some(inactive)),
            MockPasswordResetRepository::new(),
            MockMailTemplates::new(),
            MockMailer::new(),
        );
        assert_eq!(handler.handle(payload()).await, Ok(()));
    }

    #[tokio::test]
    async fn failures_are_retried_unless_they_are_for_good() {
        let mut down = MockMailer::new();
        down.expect_send().returning(|_| Err(MailError::Unavailable("connection refused".into())));
        let result =
            handler(users_holding(Some(user(7))), storing(), templates(), down).handle(payload()).await;
        assert!(matches!(result, Err(JobError::Retryable(_))), "{result:?}");
        let mut users = MockUserRepository::new();
        users.expect_find_by_email().returning(|_| Err(unavailable()));
        let result =
            handler(users, MockPasswordResetRepository::new(), MockMailTemplates::new(), MockMailer::new())
                .handle(payload())
                .await;
        assert!(matches!(result, Err(JobError::Retryable(_))), "{result:?}");
    }
}
