//! Background jobs seen from outside: registration queues a welcome e-mail in its own
//! transaction; a worker sends it through a real SMTP server (started by the test); a mail
//! server that is down slows nothing and the mail arrives when it returns; a server that
//! keeps refusing leaves the job dead, and an operator can revive it.

use std::time::{Duration, Instant};

use todo_adapters_mail::testing::{Mode, SmtpSink};
use todo_application::ports::{Job, JobStatus};
use todo_bootstrap::Settings;
use todo_tests::{PASSWORD, TestApp, on_each_backend, spawn_app_with};

const PATIENCE: Duration = Duration::from_secs(20);

/// Retries within milliseconds rather than seconds; idle workers look every 50 ms.
fn quick_jobs(settings: &mut Settings, smtp_url: Option<String>) {
    settings.mail.smtp_url = smtp_url;
    settings.mail.timeout_seconds = 5;
    settings.jobs.poll_interval_ms = 50;
    settings.jobs.retry_base_ms = 20;
    settings.jobs.retry_cap_seconds = 1;
}

/// Polls the stored jobs until `done` holds for the only one, or fails after `PATIENCE`.
async fn wait_for_job(app: &TestApp, done: impl Fn(&Job) -> bool) -> Job {
    let started = Instant::now();
    loop {
        let jobs = app.jobs().await;
        assert!(jobs.len() <= 1, "one job expected: {jobs:?}");
        if let Some(job) = jobs.into_iter().next().filter(&done) {
            return job;
        }
        assert!(started.elapsed() < PATIENCE, "the job never got there: {:?}", app.jobs().await);
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

on_each_backend! {
    async fn registration_sends_a_welcome_email_through_smtp(backend) {
        let sink = SmtpSink::start(Mode::Accept).await;
        let url = sink.url();
        let app = spawn_app_with(backend, |settings| quick_jobs(settings, Some(url))).await;
        assert_eq!(app.register("ada", "Ada@Example.com", PASSWORD).await.status, 201);

        let received = sink.wait_for(1, PATIENCE).await;
        assert_eq!(received[0].to, ["ada@example.com"]);
        assert_eq!(received[0].from, "noreply@localhost");
        assert!(received[0].data.contains("Subject: Welcome to the TODO API, ada"), "{}", received[0].data);
        assert!(received[0].data.contains("Hello ada,"), "{}", received[0].data);
        assert!(!received[0].data.contains(PASSWORD), "a password in a welcome e-mail");
        let job = wait_for_job(&app, |job| job.status == JobStatus::Succeeded).await;
        assert_eq!((job.kind.as_str(), job.attempts), ("welcome_email", 1));

        // The worker counts the job once its outcome is stored: a moment after the test can see it.
        let started = std::time::Instant::now();
        for expected in [
            r#"jobs_enqueued_total{kind="welcome_email"} 1"#,
            r#"jobs_finished_total{kind="welcome_email",outcome="succeeded"} 1"#,
        ] {
            loop {
                let metrics = app.get("/metrics", None).await.text();
                if metrics.contains(expected) {
                    break;
                }
                assert!(started.elapsed() < PATIENCE, "{expected} missing from:\n{metrics}");
                actix_web::rt::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }

    async fn without_an_smtp_server_the_welcome_email_is_written_to_the_outbox(backend) {
        let app = spawn_app_with(backend, |settings| quick_jobs(settings, None)).await;
        assert_eq!(app.register("ada", "ada@example.com", PASSWORD).await.status, 201);
        wait_for_job(&app, |job| job.status == JobStatus::Succeeded).await;
        let outbox = app.outbox();
        assert_eq!(outbox.len(), 1);
        assert!(outbox[0].contains("To: ada@example.com") && outbox[0].contains("Hello ada,"), "{}", outbox[0]);
    }

    async fn a_refused_registration_queues_no_email(backend) {
        let app = spawn_app_with(backend, |settings| quick_jobs(settings, None)).await;
        assert_eq!(app.register("ada", "ada@example.com", PASSWORD).await.status, 201);
        assert_eq!(app.register("ada", "other@example.com", PASSWORD).await.status, 400);
        assert_eq!(app.register("a b", "bad", PASSWORD).await.status, 422);
        wait_for_job(&app, |job| job.status == JobStatus::Succeeded).await;
        assert_eq!(app.jobs().await.len(), 1, "one account, one job");
    }

    async fn a_mail_server_that_is_down_slows_nothing_and_the_mail_arrives_when_it_returns(backend) {
        let port = SmtpSink::start(Mode::Accept).await.port; // free now that it is dropped
        let url = format!("smtp://127.0.0.1:{port}");
        let app = spawn_app_with(backend, |settings| quick_jobs(settings, Some(url))).await;
        let started = Instant::now();
        assert_eq!(app.register("ada", "ada@example.com", PASSWORD).await.status, 201);
        assert!(started.elapsed() < Duration::from_secs(5), "registration waited {:?}", started.elapsed());
        // A second attempt that has failed, not one still running: that one could meet the
        // server started below and succeed on attempt 2.
        let failed = wait_for_job(&app, |job| job.attempts >= 2 && job.status == JobStatus::Failed).await;
        assert!(failed.last_error.as_deref().unwrap_or_default().contains("unavailable"), "{failed:?}");

        let sink = SmtpSink::start_on(port, Mode::Accept).await;
        let received = sink.wait_for(1, PATIENCE).await;
        assert_eq!(received[0].to, ["ada@example.com"]);
        let job = wait_for_job(&app, |job| job.status == JobStatus::Succeeded).await;
        assert!(job.attempts >= 3, "{job:?}");
    }

    async fn a_server_that_keeps_deferring_leaves_the_job_dead_until_an_operator_retries_it(backend) {
        let sink = SmtpSink::start(Mode::Defer).await;
        let url = sink.url();
        let app = spawn_app_with(backend, |settings| quick_jobs(settings, Some(url))).await;
        assert_eq!(app.register("ada", "ada@example.com", PASSWORD).await.status, 201);
        let dead = wait_for_job(&app, |job| job.status == JobStatus::Dead).await;
        assert_eq!((dead.attempts, dead.max_attempts), (12, 12));
        assert!(dead.last_error.as_deref().unwrap_or_default().contains("451"), "{dead:?}");
        assert!(sink.received().is_empty());

        sink.set_mode(Mode::Accept);
        app.retry_job(dead.id).await;
        sink.wait_for(1, PATIENCE).await;
        let revived = wait_for_job(&app, |job| job.status == JobStatus::Succeeded).await;
        assert_eq!(revived.attempts, 1);
    }

    async fn a_server_that_refuses_the_address_leaves_the_job_dead_at_once(backend) {
        let sink = SmtpSink::start(Mode::Refuse).await;
        let url = sink.url();
        let app = spawn_app_with(backend, |settings| quick_jobs(settings, Some(url))).await;
        assert_eq!(app.register("ada", "ada@example.com", PASSWORD).await.status, 201);
        let dead = wait_for_job(&app, |job| job.status == JobStatus::Dead).await;
        assert_eq!(dead.attempts, 1, "a refusal for good is not retried");
        assert!(dead.last_error.as_deref().unwrap_or_default().contains("550"), "{dead:?}");
    }
}
