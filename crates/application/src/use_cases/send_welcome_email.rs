use std::sync::Arc;

use async_trait::async_trait;
use todo_domain::UserId;
use tracing::instrument;

use crate::jobs::{JobError, JobHandler, WelcomeEmail, decode};
use crate::ports::{MailError, MailTemplates, Mailer, StoredPayload, UserRepository};

/// The welcome e-mail of a new account, sent by a worker after the registration committed.
/// Safe to repeat: at worst the user gets the message twice, never a message about someone else.
pub struct SendWelcomeEmail {
    users: Arc<dyn UserRepository>,
    templates: Arc<dyn MailTemplates>,
    mailer: Arc<dyn Mailer>,
}

impl SendWelcomeEmail {
    pub fn new(
        users: Arc<dyn UserRepository>,
        templates: Arc<dyn MailTemplates>,
        mailer: Arc<dyn Mailer>,
    ) -> Self {
        Self { users, templates, mailer }
    }

    /// Sends the message, or nothing when the account is gone by now.
    ///
    /// # Errors
    /// [`JobError::Retryable`] when the database or the mail server is unavailable,
    /// [`JobError::Permanent`] when the message is refused or cannot be written.
    #[instrument(name = "send_welcome_email", skip_all, fields(user_id = job.user_id))]
    pub async fn execute(&self, job: WelcomeEmail) -> Result<(), JobError> {
        let id = UserId::new(job.user_id).map_err(|error| JobError::Permanent(error.to_string()))?;
        let user = self.users.find_by_id(id).await.map_err(|error| JobError::Retryable(error.to_string()))?;
        let Some(user) = user else { return Ok(()) };
        let email = self
            .templates
            .welcome(&user.email, user.username.as_str())
            .map_err(|error| JobError::Permanent(error.to_string()))?;
        self.mailer.send(email).await.map_err(mail_failure)
    }
}

/// A failed delivery as a job's failure: retried unless the server refused for good.
pub(super) fn mail_failure(error: MailError) -> JobError {
    match error {
        MailError::Unavailable(_) => JobError::Retryable(chain(&error)),
        MailError::Rejected(_) => JobError::Permanent(chain(&error)),
    }
}

#[async_trait]
impl JobHandler for SendWelcomeEmail {
    async fn handle(&self, payload: Arc<dyn StoredPayload>) -> Result<(), JobError> {
        self.execute(decode(&*payload)?).await
    }
}

/// The error and its causes on one line, for the job's `last_error`.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;
    use todo_domain::EmailAddress;

    use super::*;
    use crate::jobs::JsonPayload;
    use crate::ports::{Email, MockMailTemplates, MockMailer, MockUserRepository, TemplateError};
    use crate::use_cases::fixtures::{unavailable, user, user_id};

    fn email() -> Email {
        Email {
            to: EmailAddress::parse("user7@example.com").unwrap(),
            subject: "Welcome".into(),
            text: "Hello user7".into(),
            html: None,
        }
    }

    fn users_holding(found: Option<todo_domain::User>) -> MockUserRepository {
        let mut users = MockUserRepository::new();
        users.expect_find_by_id().with(eq(user_id(7))).returning(move |_| Ok(found.clone()));
        users
    }

    fn templates() -> MockMailTemplates {
        let mut templates = MockMailTemplates::new();
        templates
            .expect_welcome()
            .withf(|to, username| to.as_str() == "user7@example.com" && username == "user7")
            .returning(|_, _| Ok(email()));
        templates
    }

    fn mailer(result: fn() -> Result<(), MailError>) -> MockMailer {
        let mut mailer = MockMailer::new();
        mailer.expect_send().with(eq(email())).times(1).returning(move |_| result());
        mailer
    }

    async fn handle(
        users: MockUserRepository,
        templates: MockMailTemplates,
        mailer: MockMailer,
        payload: &'static str,
    ) -> Result<(), JobError> {
        SendWelcomeEmail::new(Arc::new(users), Arc::new(templates), Arc::new(mailer))
            .handle(Arc::new(JsonPayload(payload)))
            .await
    }

    const PAYLOAD: &str = r#"{"v":1,"user_id":7}"#;

    #[tokio::test]
    async fn the_welcome_email_goes_to_the_user_written_from_the_template() {
        let result = handle(users_holding(Some(user(7))), templates(), mailer(|| Ok(())), PAYLOAD).await;
        assert_eq!(result, Ok(()));
    }

    #[tokio::test]
    async fn an_account_deleted_since_gets_no_email_and_the_job_is_done() {
        let result = handle(users_holding(None), MockMailTemplates::new(), MockMailer::new(), PAYLOAD).await;
        assert_eq!(result, Ok(()));
    }

    #[tokio::test]
    async fn a_mail_server_that_is_down_is_retried_and_one_that_refuses_is_not() {
        let down = || Err(MailError::Unavailable("connection refused".into()));
        let result = handle(users_holding(Some(user(7))), templates(), mailer(down), PAYLOAD).await;
        assert_eq!(
            result,
            Err(JobError::Retryable("the mail server is unavailable: connection refused".into()))
        );
        let refused = || Err(MailError::Rejected("550 no such user".into()));
        let result = handle(users_holding(Some(user(7))), templates(), mailer(refused), PAYLOAD).await;
        assert!(matches!(result, Err(JobError::Permanent(_))), "{result:?}");
    }

    #[tokio::test]
    async fn a_database_that_is_down_is_retried() {
        let mut users = MockUserRepository::new();
        users.expect_find_by_id().returning(|_| Err(unavailable()));
        let result = handle(users, MockMailTemplates::new(), MockMailer::new(), PAYLOAD).await;
        assert!(matches!(result, Err(JobError::Retryable(_))), "{result:?}");
    }

    #[tokio::test]
    async fn a_broken_template_or_payload_is_permanent() {
        let mut templates = MockMailTemplates::new();
        templates.expect_welcome().returning(|_, _| Err(TemplateError("undefined variable".into())));
        let result = handle(users_holding(Some(user(7))), templates, MockMailer::new(), PAYLOAD).await;
        assert!(matches!(result, Err(JobError::Permanent(_))), "{result:?}");
        let result = handle(
            MockUserRepository::new(),
            MockMailTemplates::new(),
            MockMailer::new(),
            r#"{"v":1,"user_id":0}"#,
        )
        .await;
        assert!(matches!(result, Err(JobError::Permanent(_))), "{result:?}");
    }
}
