//! Background jobs: the kinds of work the service does after answering, their payloads
//! (versioned; the job store picks the format), how a failed attempt is retried, and the
//! handlers the workers run.
//! Every kind is registered in one place, `JobHandlers`, built by the composition root.

mod handlers;
mod payloads;
mod retry;

#[cfg(any(test, feature = "mocks"))]
pub use handlers::MockJobHandler;
pub use handlers::{JobError, JobHandler, JobHandlers};
#[cfg(test)]
pub(crate) use payloads::JsonPayload;
pub use payloads::{JobPayload, PasswordResetEmail, WelcomeEmail, decode};
pub use retry::RetryPolicy;
