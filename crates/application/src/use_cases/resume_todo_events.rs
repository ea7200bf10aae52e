use std::sync::Arc;

use todo_domain::{EventId, UserId};
use tracing::instrument;

use crate::ports::{RepositoryError, TodoEventLog};

/// Where a stream of a user's todo events starts: after the last event the client saw, if
/// every later event is still kept; otherwise with a reset (the client refetches), from the
/// newest event on. Without a last event, from the newest: only what happens next.
pub struct ResumeTodoEvents {
    log: Arc<dyn TodoEventLog>,
}

/// The start of a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamStart {
    /// The client missed events that are no longer kept: send `{"type":"reset"}` first.
    pub reset: bool,
    /// Deliver the events after this one (all kept ones with `None`).
    pub after: Option<EventId>,
}

impl ResumeTodoEvents {
    pub fn new(log: Arc<dyn TodoEventLog>) -> Self {
        Self { log }
    }

    /// # Errors
    /// The log's.
    #[instrument(name = "resume_todo_events", skip_all, fields(user_id = %user))]
    pub async fn execute(
        &self,
        user: UserId,
        last_seen: Option<i64>,
    ) -> Result<StreamStart, RepositoryError> {
        let bounds = self.log.bounds(user).await?;
        let latest = bounds.latest.map_or(0, EventId::get);
        let from_latest = |reset| StreamStart { reset, after: bounds.latest };
        let Some(seen) = last_seen else { return Ok(from_latest(false)) };
        if seen == latest {
            return Ok(from_latest(false));
        }
        // Ahead of the log (another database, say) or behind what is kept: start over.
        let first_needed = seen.saturating_add(1);
        let kept = bounds.oldest.is_some_and(|oldest| oldest.get() <= first_needed);
        if seen < 0 || seen > latest || !kept {
            return Ok(from_latest(true));
        }
        Ok(StreamStart { reset: false, after: EventId::new(seen).ok() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{EventLogBounds, MockTodoEventLog};
    use crate::use_cases::fixtures::user_id;

    fn id(raw: i64) -> EventId {
        EventId::new(raw).unwrap()
    }

    async fn start(oldest: Option<i64>, latest: Option<i64>, last_seen: Option<i64>) -> StreamStart {
        let mut log = MockTodoEventLog::new();
        let bounds = EventLogBounds { oldest: oldest.map(id), latest: latest.map(id) };
        log.expect_bounds().returning(move |_| Ok(bounds));
        ResumeTodoEvents::new(Arc::new(log)).execute(user_id(1), last_seen).await.unwrap()
    }

    #[tokio::test]
    async fn a_new_stream_starts_after_the_newest_event() {
        assert_eq!(start(Some(1), Some(9), None).await, StreamStart { reset: false, after: Some(id(9)) });
        assert_eq!(start(None, None, None).await, StreamStart { reset: false, after: None });
    }

    #[tokio::test]
    async fn a_resume_replays_what_is_kept() {
        assert_eq!(start(Some(1), Some(9), Some(4)).await, StreamStart { reset: false, after: Some(id(4)) });
        assert_eq!(start(Some(5), Some(9), Some(4)).await, StreamStart { reset: false, after: Some(id(4)) });
        assert_eq!(start(Some(1), Some(9), Some(0)).await, StreamStart { reset: false, after: None });
        assert_eq!(start(Some(5), Some(9), Some(9)).await, StreamStart { reset: false, after: Some(id(9)) });
        assert_eq!(
            start(None, Some(9), Some(9)).await,
            StreamStart { reset: false, after: Some(id(9)) },
            "all pruned, none missed"
        );
    }

    #[tokio::test]
    async fn a_resume_past_what_is_kept_or_ahead_of_the_log_resets() {
        let reset = StreamStart { reset: true, after: Some(id(9)) };
        assert_eq!(start(Some(6), Some(9), Some(4)).await, reset, "event 5 was pruned");
        assert_eq!(start(None, Some(9), Some(4)).await, reset, "everything was pruned");
        assert_eq!(start(Some(1), Some(9), Some(12)).await, reset, "ahead of the log");
        assert_eq!(start(Some(1), Some(9), Some(-1)).await, reset);
        assert_eq!(start(None, None, Some(3)).await, StreamStart { reset: true, after: None });
    }
}
