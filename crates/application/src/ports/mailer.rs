use async_trait::async_trait;
use todo_domain::EmailAddress;

type Source = Box<dyn std::error::Error + Send + Sync>;

/// One message, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: EmailAddress,
    pub subject: String,
    pub text: String,
    /// An HTML alternative to the text, when the template has one.
    pub html: Option<String>,
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The server is unreachable or answered "try later": sending again may work.
    #[error("the mail server is unavailable")]
    Unavailable(#[source] Source),
    /// The server refused the message for good (a bad address, a rejected sender).
    #[error("the mail server refused the message")]
    Rejected(#[source] Source),
}

/// Sends e-mail.
///
/// # Errors
/// [`MailError`], telling whether a later attempt may succeed.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, email: Email) -> Result<(), MailError>;
}

/// A template could not be rendered: a bug in the template, never the caller's input.
#[derive(Debug, thiserror::Error)]
#[error("the e-mail template could not be rendered")]
pub struct TemplateError(#[source] pub Source);

/// The messages the service sends, written from templates.
///
/// # Errors
/// [`TemplateError`] when a template is broken.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait MailTemplates: Send + Sync {
    fn welcome(&self, to: &EmailAddress, username: &str) -> Result<Email, TemplateError>;
    /// The message carrying a reset link with `token`, the secret itself.
    fn password_reset(&self, to: &EmailAddress, username: &str, token: &str) -> Result<Email, TemplateError>;
}
