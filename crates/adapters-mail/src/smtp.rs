//! Sending through an SMTP server.

use std::time::Duration;

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use todo_application::ports::{Email, MailError, Mailer};
use tracing::instrument;

use crate::message;

/// Where and how to send.
#[derive(Clone)]
pub struct SmtpSettings {
    /// `smtp://host:port` (no TLS), `smtp://host:port?tls=required` (STARTTLS, or refuse),
    /// `smtp://host:port?tls=opportunistic` or `smtps://host:port` (TLS from the start);
    /// credentials as `smtps://user:password@host`.
    pub url: String,
    pub from: Mailbox,
    /// The longest one delivery may take, from connecting to the server's last answer.
    pub timeout: Duration,
}

/// [`Mailer`] over SMTP (lettre), one connection per message.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    timeout: Duration,
}

impl SmtpMailer {
    /// # Errors
    /// When the URL is not one of the forms [`SmtpSettings::url`] describes.
    pub fn new(settings: SmtpSettings) -> Result<Self, lettre::transport::smtp::Error> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.url)?
            .timeout(Some(settings.timeout))
            .build();
        Ok(Self { transport, from: settings.from, timeout: settings.timeout })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    #[instrument(name = "smtp.send", skip_all)]
    async fn send(&self, email: Email) -> Result<(), MailError> {
        let message = message::build(&self.from, email)?;
        // lettre bounds the connection and each command, but not the wait for the server's
        // greeting: a server that accepts and says nothing would hold the job forever.
        let sent = tokio::time::timeout(self.timeout, self.transport.send(message)).await.map_err(|_| {
            MailError::Unavailable(format!("no answer from the mail server within {:?}", self.timeout).into())
        })?;
        sent.map(drop).map_err(|error| {
            // 5xx: the server refused for good. Anything else (4xx, no connection, a
            // time-out, a TLS failure) may pass later.
            if error.is_permanent() {
                MailError::Rejected(Box::new(error))
            } else {
                MailError::Unavailable(Box::new(error))
            }
        })
    }
}
