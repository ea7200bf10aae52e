//! Constructor injection, in one place: adapters are built from settings, use
//! cases from adapters, and the HTTP state from use cases. Reading this file
//! tells which implementation stands behind every port.

mod jobs;
mod limits;
mod signals;

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use todo_adapters_auth::{
    Argon2PasswordHasher, HashingParams, JwtSettings, JwtTokenService, RandomSecrets, StoreFailures,
    SystemClock, ThreadHooks,
};
use todo_adapters_db::{
    Pool, SeaOrmApiKeyRepository, SeaOrmAttachmentRepository, SeaOrmHealthCheck, SeaOrmIdempotencyStore,
    SeaOrmPasswordResetRepository, SeaOrmPrincipalStore, SeaOrmSessionRepository, SeaOrmTodoEventLog,
    SeaOrmTodoRepository, SeaOrmUnitOfWork, SeaOrmUserRepository,
};
use todo_adapters_http::AppState;
use todo_adapters_storage::{ObjectStoreBlobs, S3Options, StorageUrl};
use todo_adapters_telemetry::W3cTraceContext;
use todo_application::ports::{
    ApiKeyRepository, AttachmentRepository, BlobStore, Clock, HealthCheck, PasswordHasher,
    PasswordResetRepository, Secrets, SessionRepository, TodoEventLog, TodoRepository, TokenService,
    TraceContext, UnitOfWork, UserRepository,
};
use todo_application::use_cases::{
    AttachFile, AttachmentLimits, Authenticate, AuthenticateApiKey, ChangePassword, CheckReadiness,
    ConfirmPasswordReset, CreateApiKey, CreateTodo, CreateTodoOnce, CredentialStores, DeleteAttachment,
    DeleteTodo, DeleteUser, ExportTodos, FollowTodoEvents, GetAttachment, GetTodo, IdempotencyKeys,
    ImportTodos, ListApiKeys, ListAttachments, ListJobs, ListSessions, ListTodos, ListUsers, LogIn, LogOut,
    LogOutByRefreshToken, RefreshSession, RegisterUser, ReplaceTodo, RequestPasswordReset, RetryJob,
    RevokeApiKey, RevokeSession, SetUserFlags, UpdateTodo,
};

use crate::settings::{Settings, StorageSettings};
use crate::workers::{AbortOnDrop, JobRuntime};
use signals::{cached_principals, signals};

/// How long the readiness probe waits for the database.
const READINESS_TIMEOUT: Duration = Duration::from_secs(1);

/// Everything built: the HTTP layer's use cases, the job workers' runtime, and the tasks
/// that carry live-event signals between processes (stopped when dropped).
pub struct Wired {
    pub http: AppState,
    pub jobs: JobRuntime,
    pub signal_tasks: Vec<AbortOnDrop>,
    /// Rate-limit attempts answered without the shared store, for the metrics.
    pub limit_store_unavailable: StoreFailures,
    /// Which trace a request's span joins (its `traceparent`, if accepted), for the HTTP layer.
    pub traces: Arc<dyn TraceContext>,
}

/// Builds every use case over the real adapters.
///
/// # Errors
/// When the password hasher refuses its parameters, or the mail settings are unusable.
pub fn wire(settings: &Settings, pool: &Pool) -> anyhow::Result<Wired> {
    let deadline = settings.database.query_timeout();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let users: Arc<dyn UserRepository> = Arc::new(SeaOrmUserRepository::new(pool, deadline));
    let resets: Arc<dyn PasswordResetRepository> =
        Arc::new(SeaOrmPasswordResetRepository::new(pool, deadline));
    let api_keys: Arc<dyn ApiKeyRepository> = Arc::new(SeaOrmApiKeyRepository::new(pool, deadline));
    let secrets: Arc<dyn Secrets> = Arc::new(RandomSecrets);
    let events: Arc<dyn TodoEventLog> = Arc::new(SeaOrmTodoEventLog::new(pool, deadline));
    let (principals, forget_principals) =
        cached_principals(Arc::new(SeaOrmPrincipalStore::new(pool, deadline)), &settings.auth);
    let (signals, signal_tasks) = signals(settings, pool, forget_principals)?;
    let idempotency = Arc::new(SeaOrmIdempotencyStore::new(pool, deadline));
    let keys = Arc::new(IdempotencyKeys::new(idempotency, secrets.clone(), clock.clone()));
    let blobs: Arc<dyn BlobStore> = Arc::new(blobs(&settings.storage)?);
    let attachments: Arc<dyn AttachmentRepository> =
        Arc::new(SeaOrmAttachmentRepository::new(pool, deadline));
    // Jobs adopt the context their request stored; requests adopt a caller's only if told to.
    let traces: Arc<dyn TraceContext> = Arc::new(W3cTraceContext::new());
    let request_traces: Arc<dyn TraceContext> =
        Arc::new(W3cTraceContext::for_callers(settings.telemetry.accept_traceparent));
    let stores = jobs::JobStores {
        users: users.clone(),
        resets: resets.clone(),
        events: events.clone(),
        keys: keys.clone(),
        attachments: attachments.clone(),
        blobs: blobs.clone(),
        traces: traces.clone(),
    };
    let jobs = jobs::jobs(settings, pool, stores, secrets.clone(), clock.clone())?;
    let committed = (jobs.wake.clone(), jobs.metrics.clone());
    let unit_of_work: Arc<dyn UnitOfWork> =
        Arc::new(SeaOrmUnitOfWork::new(pool, deadline).with_traces(traces.clone()).on_jobs_committed(
            Arc::new(move |kinds| {
                committed.1.enqueued(kinds);
                committed.0.notify_waiters();
            }),
        ));
    let todos: Arc<dyn TodoRepository> = Arc::new(SeaOrmTodoRepository::new(pool, deadline));
    let sessions: Arc<dyn SessionRepository> = Arc::new(SeaOrmSessionRepository::new(pool, deadline));
    let follow_todo_events = FollowTodoEvents::new(
        events,
        signals.clone(),
        CredentialStores {
            principals: principals.clone(),
            users: users.clone(),
            keys: api_keys.clone(),
            clock: clock.clone(),
        },
        settings.events.max_streams_per_user,
    );
    // Hashing yields the CPU to the requests when the cores are contended, and its memory (19 MiB
    // a hash) goes back to the system once a burst of log-ins is over.
    let hashing_threads = ThreadHooks {
        on_start: Some(Box::new(crate::priority::lower_for_hashing)),
        when_idle: Some(Box::new(crate::allocator::give_back)),
    };
    let hasher: Arc<dyn PasswordHasher> = Arc::new(
        Argon2PasswordHasher::with_hooks(
            HashingParams::default(),
            settings.auth.max_concurrent_hashes,
            hashing_threads,
        )
        .map_err(|error| anyhow::anyhow!("argon2 parameters: {error}"))?,
    );
    let tokens: Arc<dyn TokenService> = Arc::new(JwtTokenService::new(JwtSettings {
        secret: settings.auth.secret.clone(),
        ttl: TimeDelta::minutes(settings.auth.token_ttl_minutes),
    }));
    let (limiter, limit_store_unavailable) = limits::rate_limiter(&settings.rate_limit, &settings.redis)?;

    let http = AppState {
        register_user: RegisterUser::new(
            users.clone(),
            unit_of_work.clone(),
            hasher.clone(),
            clock.clone(),
            limiter.clone(),
        ),
        log_in: LogIn::new(
            users.clone(),
            hasher.clone(),
            unit_of_work.clone(),
            secrets.clone(),
            tokens.clone(),
            clock.clone(),
            limiter.clone(),
        ),
        refresh_session: RefreshSession::new(
            unit_of_work.clone(),
            secrets.clone(),
            tokens.clone(),
            clock.clone(),
            TimeDelta::seconds(settings.auth.refresh_reuse_grace_seconds),
            signals.clone(),
        ),
        log_out: LogOut::new(sessions.clone(), clock.clone(), signals.clone()),
        log_out_by_refresh_token: LogOutByRefreshToken::new(
            sessions.clone(),
            secrets.clone(),
            clock.clone(),
            signals.clone(),
        ),
        list_sessions: ListSessions::new(sessions.clone(), clock.clone()),
        revoke_session: RevokeSession::new(sessions, clock.clone(), signals.clone()),
        authenticate: Authenticate::new(principals, tokens, clock.clone()),
        authenticate_api_key: AuthenticateApiKey::new(api_keys.clone(), secrets.clone(), clock.clone()),
        change_password: ChangePassword::new(
            hasher.clone(),
            unit_of_work.clone(),
            clock.clone(),
            limiter.clone(),
            signals.clone(),
        ),
        request_password_reset: RequestPasswordReset::new(
            unit_of_work.clone(),
            clock.clone(),
            limiter.clone(),
        ),
        confirm_password_reset: ConfirmPasswordReset::new(
            resets,
            secrets.clone(),
            hasher,
            unit_of_work.clone(),
            clock.clone(),
            limiter,
            signals.clone(),
        ),
        create_api_key: CreateApiKey::new(api_keys.clone(), secrets, clock.clone()),
        list_api_keys: ListApiKeys::new(api_keys.clone()),
        revoke_api_key: RevokeApiKey::new(api_keys, clock.clone(), signals.clone()),
        list_users: ListUsers::new(users.clone()),
        set_user_flags: SetUserFlags::new(unit_of_work.clone(), clock.clone(), signals.clone()),
        delete_user: DeleteUser::new(users.clone(), signals.clone()),
        list_jobs: ListJobs::new(jobs.store.clone()),
        retry_job: RetryJob::new(jobs.store.clone(), clock.clone()),
        check_readiness: readiness(pool),
        create_todo: CreateTodo::new(todos.clone(), clock.clone(), signals.clone()),
        list_todos: ListTodos::new(todos.clone()),
        get_todo: GetTodo::new(todos.clone()),
        update_todo: UpdateTodo::new(todos.clone(), clock.clone(), signals.clone()),
        replace_todo: ReplaceTodo::new(todos.clone(), clock.clone(), signals.clone()),
        delete_todo: DeleteTodo::new(todos.clone(), signals.clone()),
        follow_todo_events,
        export_todos: ExportTodos::new(todos.clone()),
        create_todo_once: CreateTodoOnce::new(
            unit_of_work.clone(),
            keys.clone(),
            clock.clone(),
            signals.clone(),
        ),
        import_todos: ImportTodos::new(unit_of_work.clone(), keys, clock.clone(), signals),
        attach_file: AttachFile::new(
            todos.clone(),
            attachments.clone(),
            blobs.clone(),
            unit_of_work,
            clock.clone(),
            AttachmentLimits {
                max_bytes: settings.storage.max_file_bytes,
                quota_bytes: settings.storage.quota_bytes,
            },
        ),
        list_attachments: ListAttachments::new(todos.clone(), attachments.clone()),
        get_attachment: GetAttachment::new(todos.clone(), attachments.clone(), blobs),
        delete_attachment: DeleteAttachment::new(todos.clone(), attachments),
    };
    Ok(Wired { http, jobs, signal_tasks, limit_store_unavailable, traces: request_traces })
}

/// Whether the database answers, within the probe's timeout.
pub fn readiness(pool: &Pool) -> CheckReadiness {
    let database: Arc<dyn HealthCheck> = Arc::new(SeaOrmHealthCheck::new(pool, READINESS_TIMEOUT));
    CheckReadiness::new(database)
}

/// The attachments' blob store: a directory, or S3-compatible object storage.
fn blobs(settings: &StorageSettings) -> anyhow::Result<ObjectStoreBlobs> {
    let url = StorageUrl::parse(&settings.url)?;
    let s3 = S3Options {
        endpoint: settings.s3_endpoint.clone(),
        region: settings.s3_region.clone(),
        access_key_id: settings.s3_access_key_id.clone(),
        secret_access_key: settings.s3_secret_access_key.clone(),
    };
    Ok(ObjectStoreBlobs::open(&url, &s3)?)
}
