//! The SMTP adapter against a real (test) SMTP server: delivered, refused, deferred, down.

use std::time::Duration;

use todo_adapters_mail::testing::{Mode, SmtpSink};
use todo_adapters_mail::{SmtpMailer, SmtpSettings};
use todo_application::ports::{Email, MailError, Mailer};
use todo_domain::EmailAddress;

fn mailer(url: String) -> SmtpMailer {
    let from = "TODO API <noreply@todo.example>".parse().unwrap();
    SmtpMailer::new(SmtpSettings { url, from, timeout: Duration::from_secs(2) }).unwrap()
}

fn email() -> Email {
    Email {
        to: EmailAddress::parse("ada@example.com").unwrap(),
        subject: "Welcome to the TODO API, ada".into(),
        text: "Hello ada,\n\n.a line that starts with a dot\n".into(),
        html: Some("<p>Hello ada,</p>".into()),
    }
}

#[tokio::test]
async fn a_message_reaches_the_server_with_its_envelope_headers_and_both_bodies() {
    let sink = SmtpSink::start(Mode::Accept).await;
    mailer(sink.url()).send(email()).await.unwrap();
    let received = sink.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(received[0].from, "noreply@todo.example");
    assert_eq!(received[0].to, ["ada@example.com"]);
    let data = &received[0].data;
    for expected in [
        "To: ada@example.com",
        "Subject: Welcome to the TODO API, ada",
        "Content-Type: multipart/alternative",
        ".a line that starts with a dot",
        "<p>Hello ada,</p>",
    ] {
        assert!(data.contains(expected), "{expected:?} missing from:\n{data}");
    }
}

#[tokio::test]
async fn a_refusal_is_permanent_and_a_deferral_or_a_dead_server_is_not() {
    let sink = SmtpSink::start(Mode::Refuse).await;
    let refused = mailer(sink.url()).send(email()).await;
    assert!(matches!(refused, Err(MailError::Rejected(_))), "{refused:?}");
    sink.set_mode(Mode::Defer);
    let deferred = mailer(sink.url()).send(email()).await;
    assert!(matches!(deferred, Err(MailError::Unavailable(_))), "{deferred:?}");
    let url = sink.url();
    drop(sink);
    let down = mailer(url).send(email()).await;
    assert!(matches!(down, Err(MailError::Unavailable(_))), "{down:?}");
}

#[tokio::test]
async fn a_server_that_never_answers_is_given_up_on_after_the_timeout() {
    let sink = SmtpSink::start(Mode::Stall).await;
    let started = std::time::Instant::now();
    let stalled = mailer(sink.url()).send(email()).await;
    assert!(matches!(stalled, Err(MailError::Unavailable(_))), "{stalled:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "gave up after {:?}", started.elapsed());
}
