use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use todo_domain::UserId;
use tracing::instrument;

use super::stream_access::AccessCheck;
use super::todo_event_feed::TodoEventFeed;
use super::{Principal, ResumeTodoEvents};
use crate::ports::{
    ApiKeyRepository, Clock, EventSignals, PrincipalStore, RepositoryError, TodoEventLog, UserRepository,
};

/// Opens a live stream of the caller's todo events: from where a reconnecting client left off
/// (or a reset when that is no longer kept), then each change as it is committed, in any
/// process. The transport (SSE, WebSocket) is the caller's; this decides what to send.
pub struct FollowTodoEvents {
    resume: ResumeTodoEvents,
    log: Arc<dyn TodoEventLog>,
    signals: Arc<dyn EventSignals>,
    access: Arc<AccessCheck>,
    slots: Arc<StreamSlots>,
    batch: u64,
}

/// The ports a stream reads its credential back from.
pub struct CredentialStores {
    pub principals: Arc<dyn PrincipalStore>,
    pub users: Arc<dyn UserRepository>,
    pub keys: Arc<dyn ApiKeyRepository>,
    pub clock: Arc<dyn Clock>,
}

#[derive(Debug, thiserror::Error)]
pub enum FollowTodoEventsError {
    /// The user already has as many open streams as allowed (in this process).
    #[error("too many open event streams")]
    TooManyStreams { max: usize },
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// How many events a stream reads from the log at a time.
const BATCH: u64 = 100;

impl FollowTodoEvents {
    /// At most `max_streams_per_user` feeds of one user are open at once.
    pub fn new(
        log: Arc<dyn TodoEventLog>,
        signals: Arc<dyn EventSignals>,
        stores: CredentialStores,
        max_streams_per_user: usize,
    ) -> Self {
        Self {
            resume: ResumeTodoEvents::new(log.clone()),
            log,
            signals,
            access: Arc::new(AccessCheck::new(stores)),
            slots: Arc::new(StreamSlots { max: max_streams_per_user, open: Mutex::default() }),
            batch: BATCH,
        }
    }

    /// `last_seen`: the last event id the client received, when it resumes.
    ///
    /// # Errors
    /// [`FollowTodoEventsError`].
    #[instrument(name = "follow_todo_events", skip_all, fields(user_id = %principal.user.id))]
    pub async fn execute(
        &self,
        principal: &Principal,
        last_seen: Option<i64>,
    ) -> Result<TodoEventFeed, FollowTodoEventsError> {
        let user = principal.user.id;
        let slot = StreamSlots::take(&self.slots, user)?;
        // Listen first, then read where the log stands: a change committed in between is
        // both signalled and read, never neither.
        let subscription = self.signals.subscribe(user);
        let start = self.resume.execute(user, last_seen).await?;
        Ok(TodoEventFeed::new(
            principal,
            start,
            self.log.clone(),
            self.access.clone(),
            subscription,
            Box::new(slot),
            self.batch,
        ))
    }

    /// Open feeds, all users together.
    pub fn open_streams(&self) -> usize {
        self.slots.open.lock().unwrap_or_else(PoisonError::into_inner).values().sum()
    }
}

/// How many feeds each user has open.
struct StreamSlots {
    max: usize,
    open: Mutex<HashMap<UserId, usize>>,
}

impl StreamSlots {
    fn take(slots: &Arc<Self>, user: UserId) -> Result<StreamSlot, FollowTodoEventsError> {
        let mut open = slots.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(user).or_default();
        if *count >= slots.max {
            return Err(FollowTodoEventsError::TooManyStreams { max: slots.max });
        }
        *count += 1;
        Ok(StreamSlot { slots: slots.clone(), user })
    }
}

/// One open feed's place; given back when the feed is dropped.
struct StreamSlot {
    slots: Arc<StreamSlots>,
    user: UserId,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.user) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use todo_domain::Scopes;

    use super::*;
    use crate::ports::{
        EventLogBounds, MockApiKeyRepository, MockEventSignals, MockPrincipalStore, MockTodoEventLog,
        MockUserRepository, SignalSubscription, Signals,
    };
    use crate::use_cases::Credential;
    use crate::use_cases::fixtures::{clock, session_id, user};

    struct Never;

    #[async_trait::async_trait]
    impl SignalSubscription for Never {
        async fn next(&mut self) -> Signals {
            std::future::pending().await
        }
    }

    fn follow(max: usize) -> FollowTodoEvents {
        let mut log = MockTodoEventLog::new();
        log.expect_bounds().returning(|_| Ok(EventLogBounds::default()));
        let mut signals = MockEventSignals::new();
        signals.expect_subscribe().returning(|_| Box::new(Never));
        let stores = CredentialStores {
            principals: Arc::new(MockPrincipalStore::new()),
            users: Arc::new(MockUserRepository::new()),
            keys: Arc::new(MockApiKeyRepository::new()),
            clock: Arc::new(clock()),
        };
        FollowTodoEvents::new(Arc::new(log), Arc::new(signals), stores, max)
    }

    fn principal(id: i64) -> Principal {
        Principal {
            user: user(id),
            credential: Credential::Session(session_id()),
            scopes: Scopes::parse("todos:read").unwrap(),
        }
    }

    #[tokio::test]
    async fn a_user_holds_at_most_the_allowed_streams_and_gets_them_back_when_closed() {
        let follow = follow(2);
        let first = follow.execute(&principal(1), None).await.unwrap();
        let _second = follow.execute(&principal(1), None).await.unwrap();
        let third = follow.execute(&principal(1), None).await;
        assert!(matches!(third, Err(FollowTodoEventsError::TooManyStreams { max: 2 })), "{:?}", third.err());
        assert!(follow.execute(&principal(2), None).await.is_ok(), "another user's are their own");
        assert_eq!(follow.open_streams(), 2, "the refused one and the dropped one are not counted");
        drop(first);
        assert!(follow.execute(&principal(1), None).await.is_ok());
    }
}
