//! Sending nowhere: each message kept as an `.eml` file, for development without a mail server.

use std::path::PathBuf;

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::{AsyncFileTransport, AsyncTransport, Tokio1Executor};
use todo_application::ports::{Email, MailError, Mailer};
use tracing::{info, instrument};

use crate::message;

/// [`Mailer`] that writes each message into a directory as `<uuid>.eml`, readable by any
/// mail client. Used when no SMTP server is configured.
pub struct OutboxMailer {
    transport: AsyncFileTransport<Tokio1Executor>,
    directory: PathBuf,
    from: Mailbox,
}

impl OutboxMailer {
    /// Writes into `directory`, created with the first message.
    pub fn new(directory: PathBuf, from: Mailbox) -> Self {
        Self { transport: AsyncFileTransport::new(&directory), directory, from }
    }
}

#[async_trait]
impl Mailer for OutboxMailer {
    #[instrument(name = "outbox.send", skip_all)]
    async fn send(&self, email: Email) -> Result<(), MailError> {
        let message = message::build(&self.from, email)?;
        tokio::fs::create_dir_all(&self.directory)
            .await
            .map_err(|error| MailError::Unavailable(Box::new(error)))?;
        let id =
            self.transport.send(message).await.map_err(|error| MailError::Unavailable(Box::new(error)))?;
        info!(file = %self.directory.join(format!("{id}.eml")).display(), "e-mail written to the outbox");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use todo_domain::EmailAddress;

    use super::*;

    #[tokio::test]
    async fn each_message_becomes_an_eml_file_in_the_outbox() {
        let directory = tempfile::tempdir().unwrap();
        let outbox = directory.path().join("mail");
        let mailer = OutboxMailer::new(outbox.clone(), "TODO API <noreply@todo.example>".parse().unwrap());
        let email = Email {
            to: EmailAddress::parse("ada@example.com").unwrap(),
            subject: "Welcome".into(),
            text: "Hello ada".into(),
            html: Some("<p>Hello ada</p>".into()),
        };
        mailer.send(email).await.unwrap();
        let files: Vec<_> = std::fs::read_dir(&outbox).unwrap().map(|entry| entry.unwrap().path()).collect();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].extension().and_then(|e| e.to_str()), Some("eml"));
        let eml = std::fs::read_to_string(&files[0]).unwrap();
        for expected in [
            "To: ada@example.com",
            "From: \"TODO API\" <noreply@todo.example>",
            "Subject: Welcome",
            "Hello ada",
            "<p>Hello ada</p>",
        ] {
            assert!(eml.contains(expected), "{expected:?} missing from:\n{eml}");
        }
    }
}
