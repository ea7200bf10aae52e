use std::sync::Arc;

use chrono::TimeDelta;
use tracing::instrument;

use crate::ports::{Clock, RepositoryError, TodoEventLog};

/// Keeps each user's event log bounded: an event goes once it is both older than the
/// retention period and not among the user's newest `keep_last`. A client that resumes from
/// a pruned event gets a reset.
pub struct PruneTodoEvents {
    log: Arc<dyn TodoEventLog>,
    clock: Arc<dyn Clock>,
    keep_last: u64,
    keep_for: TimeDelta,
}

impl PruneTodoEvents {
    pub fn new(
        log: Arc<dyn TodoEventLog>,
        clock: Arc<dyn Clock>,
        keep_last: u64,
        keep_for: TimeDelta,
    ) -> Self {
        Self { log, clock, keep_last, keep_for }
    }

    /// Says how many events went.
    ///
    /// # Errors
    /// The log's.
    #[instrument(name = "prune_todo_events", skip_all)]
    pub async fn execute(&self) -> Result<u64, RepositoryError> {
        self.log.prune(self.keep_last, self.clock.now() - self.keep_for).await
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;

    use super::*;
    use crate::ports::MockTodoEventLog;
    use crate::use_cases::fixtures::{clock, now};

    #[tokio::test]
    async fn events_older_than_the_period_and_beyond_the_newest_go() {
        let mut log = MockTodoEventLog::new();
        log.expect_prune().with(eq(1000), eq(now() - TimeDelta::hours(24))).times(1).returning(|_, _| Ok(7));
        let prune = PruneTodoEvents::new(Arc::new(log), Arc::new(clock()), 1000, TimeDelta::hours(24));
        assert_eq!(prune.execute().await.unwrap(), 7);
    }
}
