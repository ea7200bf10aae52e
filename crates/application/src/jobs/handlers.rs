//! The work behind each kind of job, registered in one place.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;

use super::JobPayload;
use crate::ports::StoredPayload;

/// Why an attempt failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Something outside may recover (a server down, a timeout): try again later.
    #[error("{0}")]
    Retryable(String),
    /// Trying again cannot help (a payload this code cannot read): the job is dead at once.
    #[error("{0}")]
    Permanent(String),
}

/// Does one kind of job. A job runs at least once: after a crash it may run again, so a
/// handler must be safe to repeat.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait JobHandler: Send + Sync {
    /// Does the job whose payload, as stored, is `payload` (read it with `crate::jobs::decode`).
    async fn handle(&self, payload: Arc<dyn StoredPayload>) -> Result<(), JobError>;
}

/// Every kind of job the workers know, with its handler.
#[derive(Default, Clone)]
pub struct JobHandlers {
    by_kind: HashMap<&'static str, Arc<dyn JobHandler>>,
}

impl JobHandlers {
    /// Adds the handler of jobs whose payload is `P`.
    ///
    /// # Panics
    /// When the kind is registered twice: a wiring bug.
    #[must_use]
    pub fn with<P: JobPayload>(mut self, handler: Arc<dyn JobHandler>) -> Self {
        let previous = self.by_kind.insert(P::KIND, handler);
        assert!(previous.is_none(), "BUG: job kind {} registered twice", P::KIND);
        self
    }

    /// Adds a handler under any kind name: for benchmarks and tests of the queue itself.
    #[must_use]
    pub fn with_kind(mut self, kind: &'static str, handler: Arc<dyn JobHandler>) -> Self {
        self.by_kind.insert(kind, handler);
        self
    }

    pub fn get(&self, kind: &str) -> Option<&Arc<dyn JobHandler>> {
        self.by_kind.get(kind)
    }

    /// The registered kinds, sorted.
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut kinds: Vec<_> = self.by_kind.keys().copied().collect();
        kinds.sort_unstable();
        kinds
    }
}
