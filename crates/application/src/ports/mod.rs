//! Ports: the capabilities the use cases need, as traits. Each documents the
//! errors it may return; adapters translate their technology's errors into them.

mod api_keys;
mod attachments;
mod clock;
mod event_signals;
mod events;
mod health_check;
mod idempotency;
mod job_payload;
mod jobs;
mod mailer;
mod password_hasher;
mod password_resets;
mod rate_limiter;
mod repository_error;
mod sessions;
mod todo_repository;
mod token_service;
mod trace_context;
mod unit_of_work;
mod user_repository;

pub use api_keys::ApiKeyRepository;
pub use attachments::{
    AttachmentRepository, AttachmentUsage, BlobError, BlobKey, BlobStore, ByteStream, NewAttachment,
    StoredBlob,
};
pub use clock::Clock;
pub use event_signals::{EventSignals, Signal, SignalSubscription, Signals};
pub use events::{EventLogBounds, TodoEventLog};
pub use health_check::{HealthCheck, HealthCheckError};
pub use idempotency::{Claim, IdempotencyStore, KeyedRequest, RecordedAnswer};
pub use job_payload::{Payload, StoredPayload};
pub use jobs::{ClaimedJob, Job, JobId, JobQueue, JobStatus, JobStore, NewJob, QueueStats};
pub use mailer::{Email, MailError, MailTemplates, Mailer, TemplateError};
pub use password_hasher::{HashError, PasswordHasher};
pub use password_resets::{NewPasswordReset, PasswordResetRepository};
pub use rate_limiter::{Limit, LimitError, RateLimiter, RetryAfter};
pub use repository_error::{RepositoryError, UniqueKey};
pub use sessions::{
    IssuedSecret, NewRefreshToken, PrincipalStore, Secrets, SessionRepository, Spent, TokenHash,
};
pub use todo_repository::TodoRepository;
pub use token_service::{AccessClaims, AccessToken, TokenError, TokenService};
pub use trace_context::TraceContext;
pub use unit_of_work::{Transaction, UnitOfWork};
pub use user_repository::{UserFlags, UserOverview, UserRepository};

#[cfg(any(test, feature = "mocks"))]
pub use api_keys::MockApiKeyRepository;
#[cfg(any(test, feature = "mocks"))]
pub use attachments::{MockAttachmentRepository, MockBlobStore};
#[cfg(any(test, feature = "mocks"))]
pub use clock::MockClock;
#[cfg(any(test, feature = "mocks"))]
pub use event_signals::MockEventSignals;
#[cfg(any(test, feature = "mocks"))]
pub use events::MockTodoEventLog;
#[cfg(any(test, feature = "mocks"))]
pub use health_check::MockHealthCheck;
#[cfg(any(test, feature = "mocks"))]
pub use idempotency::MockIdempotencyStore;
#[cfg(any(test, feature = "mocks"))]
pub use jobs::{MockJobQueue, MockJobStore};
#[cfg(any(test, feature = "mocks"))]
pub use mailer::{MockMailTemplates, MockMailer};
#[cfg(any(test, feature = "mocks"))]
pub use password_hasher::MockPasswordHasher;
#[cfg(any(test, feature = "mocks"))]
pub use password_resets::MockPasswordResetRepository;
#[cfg(any(test, feature = "mocks"))]
pub use rate_limiter::MockRateLimiter;
#[cfg(any(test, feature = "mocks"))]
pub use sessions::{MockPrincipalStore, MockSecrets, MockSessionRepository};
#[cfg(any(test, feature = "mocks"))]
pub use todo_repository::MockTodoRepository;
#[cfg(any(test, feature = "mocks"))]
pub use token_service::MockTokenService;
#[cfg(any(test, feature = "mocks"))]
pub use trace_context::MockTraceContext;
#[cfg(any(test, feature = "mocks"))]
pub use unit_of_work::{MockTransaction, MockUnitOfWork};
#[cfg(any(test, feature = "mocks"))]
pub use user_repository::MockUserRepository;
