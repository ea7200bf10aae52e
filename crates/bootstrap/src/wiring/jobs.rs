//! The background jobs' side of the wiring: the queue, every kind of job with its handler,
//! the mailer they send through, and the housekeeping that job workers do.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::TimeDelta;
use todo_adapters_db::{Pool, SeaOrmJobStore};
use todo_adapters_mail::{MiniJinjaTemplates, OutboxMailer, SmtpMailer, SmtpSettings};
use todo_application::jobs::{JobHandlers, PasswordResetEmail, RetryPolicy, WelcomeEmail};
use todo_application::ports::{
    AttachmentRepository, BlobStore, Clock, JobStore, MailTemplates, Mailer, PasswordResetRepository,
    Secrets, TodoEventLog, TraceContext, UserRepository,
};
use todo_application::use_cases::{
    IdempotencyKeys, ProcessNextJob, PruneTodoEvents, SendPasswordResetEmail, SendWelcomeEmail,
    SweepOrphanBlobs,
};
use tokio::sync::Notify;

use crate::metrics::JobMetrics;
use crate::settings::{MailSettings, Settings};
use crate::workers::JobRuntime;

/// What the jobs and the housekeeping read and write, beside the queue.
pub(super) struct JobStores {
    pub users: Arc<dyn UserRepository>,
    pub resets: Arc<dyn PasswordResetRepository>,
    pub events: Arc<dyn TodoEventLog>,
    pub keys: Arc<IdempotencyKeys>,
    pub attachments: Arc<dyn AttachmentRepository>,
    pub blobs: Arc<dyn BlobStore>,
    /// Each job runs in the trace it was enqueued in.
    pub traces: Arc<dyn TraceContext>,
}

/// The job queue, every kind of job with its handler (registered here and only here), and
/// what the workers need to run them, the pruning of the event log and of idempotency keys
/// included.
pub(super) fn jobs(
    settings: &Settings,
    pool: &Pool,
    JobStores { users, resets, events, keys, attachments, blobs, traces }: JobStores,
    secrets: Arc<dyn Secrets>,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<JobRuntime> {
    let store: Arc<dyn JobStore> = Arc::new(SeaOrmJobStore::new(pool, settings.database.query_timeout()));
    let templates: Arc<dyn MailTemplates> = Arc::new(
        MiniJinjaTemplates::new(&settings.mail.link_base_url).context("the e-mail templates do not parse")?,
    );
    let mailer = mailer(&settings.mail)?;
    let reset_email = SendPasswordResetEmail::new(
        users.clone(),
        resets,
        secrets,
        templates.clone(),
        mailer.clone(),
        clock.clone(),
    );
    let handlers = JobHandlers::default()
        .with::<WelcomeEmail>(Arc::new(SendWelcomeEmail::new(users, templates, mailer)))
        .with::<PasswordResetEmail>(Arc::new(reset_email));
    let jobs = &settings.jobs;
    let retry = RetryPolicy {
        base: Duration::from_millis(jobs.retry_base_ms),
        cap: Duration::from_secs(jobs.retry_cap_seconds),
    };
    let process =
        ProcessNextJob::new(store.clone(), handlers, clock.clone(), retry, jobs.lease()).with_traces(traces);
    Ok(JobRuntime {
        process: Arc::new(process),
        store,
        clock: clock.clone(),
        wake: Arc::new(Notify::new()),
        metrics: JobMetrics::default(),
        poll_interval: jobs.poll_interval(),
        prune_events: Arc::new(PruneTodoEvents::new(
            events,
            clock.clone(),
            settings.events.retain_events,
            TimeDelta::hours(i64::try_from(settings.events.retain_hours).unwrap_or(24)),
        )),
        prune_keys: keys,
        prune_every: Duration::from_secs(settings.events.prune_every_seconds.max(1)),
        sweep_blobs: Arc::new(SweepOrphanBlobs::new(attachments, blobs, clock)),
        sweep_every: Duration::from_secs(settings.storage.sweep_every_seconds.max(1)),
    })
}

/// SMTP when a server is configured; otherwise `.eml` files in the outbox directory.
fn mailer(settings: &MailSettings) -> anyhow::Result<Arc<dyn Mailer>> {
    let from =
        settings.from.parse().with_context(|| format!("mail.from {:?} is not an address", settings.from))?;
    Ok(match &settings.smtp_url {
        Some(url) => Arc::new(
            SmtpMailer::new(SmtpSettings {
                url: url.clone(),
                from,
                timeout: Duration::from_secs(settings.timeout_seconds),
            })
            .context("mail.smtp_url is not an SMTP URL (smtp://, smtps://)")?,
        ),
        None => Arc::new(OutboxMailer::new(PathBuf::from(&settings.outbox_dir), from)),
    })
}
