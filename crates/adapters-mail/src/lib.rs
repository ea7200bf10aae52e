//! The mail adapter: the service's messages written from template files
//! ([`MiniJinjaTemplates`]) and sent by SMTP ([`SmtpMailer`]), or, where no SMTP server is
//! configured, kept as `.eml` files in an outbox directory ([`OutboxMailer`]).
//!
//! It may import the application's ports, the domain, lettre and minijinja. SMTP's answers
//! become the port's `MailError` here: a refusal for good, or a server to try again later.

mod message;
mod outbox;
mod smtp;
mod templates;
#[cfg(feature = "testing")]
pub mod testing;

pub use outbox::OutboxMailer;
pub use smtp::{SmtpMailer, SmtpSettings};
pub use templates::MiniJinjaTemplates;
