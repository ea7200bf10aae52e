//! An [`Email`] as an RFC 5322 message.

use lettre::Message;
use lettre::message::{Mailbox, MultiPart, SinglePart, header::ContentType};
use todo_application::ports::{Email, MailError};

/// The message from `from` to the e-mail's recipient: plain text, or text and HTML as
/// alternatives.
pub(crate) fn build(from: &Mailbox, email: Email) -> Result<Message, MailError> {
    let to: Mailbox = email.to.as_str().parse().map_err(|error| MailError::Rejected(Box::new(error)))?;
    let builder = Message::builder().from(from.clone()).to(to).subject(email.subject);
    let text = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.text);
    let message = match email.html {
        Some(html) => builder.multipart(
            MultiPart::alternative()
                .singlepart(text)
                .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html)),
        ),
        None => builder.singlepart(text),
    };
    message.map_err(|error| MailError::Rejected(Box::new(error)))
}
