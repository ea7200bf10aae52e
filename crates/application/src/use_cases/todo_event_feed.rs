use std::collections::VecDeque;
use std::sync::Arc;

use todo_domain::{EventId, TodoEvent, UserId};

use super::stream_access::AccessCheck;
use super::{Credential, Principal, StreamStart};
use crate::ports::{RepositoryError, SignalSubscription, Signals, TodoEventLog};

/// What a live stream sends next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedItem {
    /// Events were missed that are no longer kept: the client should refetch. The stream
    /// goes on after `after` (the newest event when the reset was decided).
    Reset {
        after: Option<EventId>,
    },
    Event(TodoEvent),
    /// The stream's session or API key was revoked, or its user deactivated or deleted:
    /// close the stream.
    Revoked,
}

/// One open stream of a user's todo events, started by [`super::FollowTodoEvents`]. It reads
/// the log whenever its signals (or the caller, with [`TodoEventFeed::recheck`]) say so, and
/// checks its credential when they say access changed. Holds one of its user's stream slots
/// until dropped.
pub struct TodoEventFeed {
    user: UserId,
    credential: Credential,
    log: Arc<dyn TodoEventLog>,
    access: Arc<AccessCheck>,
    subscription: Box<dyn SignalSubscription>,
    _slot: Box<dyn Send + Sync>,
    batch: u64,
    after: Option<EventId>,
    ready: VecDeque<FeedItem>,
    /// What to look at before waiting again.
    look: Signals,
}

impl TodoEventFeed {
    pub(super) fn new(
        principal: &Principal,
        start: StreamStart,
        log: Arc<dyn TodoEventLog>,
        access: Arc<AccessCheck>,
        subscription: Box<dyn SignalSubscription>,
        slot: Box<dyn Send + Sync>,
        batch: u64,
    ) -> Self {
        let ready = if start.reset {
            VecDeque::from([FeedItem::Reset { after: start.after }])
        } else {
            VecDeque::new()
        };
        Self {
            user: principal.user.id,
            credential: principal.credential.clone(),
            log,
            access,
            subscription,
            _slot: slot,
            batch,
            after: start.after,
            ready,
            look: Signals { todos: true, access: false },
        }
    }

    /// The next item, waiting for one as long as it takes. Cancel-safe: dropping the future
    /// loses nothing, the next call picks up where it stood.
    ///
    /// # Errors
    /// The log's or the credential store's; the stream should then close (the client resumes).
    pub async fn next(&mut self) -> Result<FeedItem, RepositoryError> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Ok(item);
            }
            if self.look.access {
                if !self.access.still_valid(self.user, &self.credential).await? {
                    return Ok(FeedItem::Revoked);
                }
                self.look.access = false;
            }
            if self.look.todos {
                self.read().await?;
                continue;
            }
            self.look = self.subscription.next().await;
        }
    }

    /// Looks at the log and the credential on the next call, signalled or not: a safety net
    /// for a lost signal, run on each keep-alive.
    pub fn recheck(&mut self) {
        self.look = Signals::ALL;
    }

    /// The last event id delivered or skipped.
    pub fn position(&self) -> Option<EventId> {
        self.after
    }

    async fn read(&mut self) -> Result<(), RepositoryError> {
        let events = self.log.after(self.user, self.after, self.batch).await?;
        let full = events.len() as u64 >= self.batch;
        // Ids have no holes but what pruning leaves, so the next one is known.
        let expected = self.after.map_or(1, |after| after.get() + 1);
        let gapless = events.iter().zip(expected..).all(|(event, id)| event.id.get() == id);
        if !gapless {
            // Pruned while this stream lagged behind: the client must refetch.
            let latest = self.log.bounds(self.user).await?.latest;
            self.after = latest;
            self.ready.push_back(FeedItem::Reset { after: latest });
            return Ok(());
        }
        if let Some(last) = events.last() {
            self.after = Some(last.id);
        }
        self.ready.extend(events.into_iter().map(FeedItem::Event));
        self.look.todos = full;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use mockall::predicate::eq;
    use todo_domain::{Scopes, Session, TodoChange};

    use super::*;
    use crate::ports::{
        EventLogBounds, MockApiKeyRepository, MockPrincipalStore, MockTodoEventLog, MockUserRepository,
    };
    use crate::use_cases::CredentialStores;
    use crate::use_cases::fixtures::{clock, now, session, session_id, todo, user, user_id};

    /// Signals handed out one by one from a list, then none.
    struct Scripted(Arc<Mutex<VecDeque<Signals>>>);

    #[async_trait::async_trait]
    impl SignalSubscription for Scripted {
        async fn next(&mut self) -> Signals {
            let next = self.0.lock().unwrap().pop_front();
            match next {
                Some(signals) => signals,
                None => std::future::pending().await,
            }
        }
    }

    fn id(raw: i64) -> EventId {
        EventId::new(raw).unwrap()
    }

    fn event(raw: i64) -> TodoEvent {
        TodoEvent {
            id: id(raw),
            user: user_id(1),
            change: TodoChange::Updated(todo(raw, 1)),
            recorded_at: now(),
        }
    }

    fn principal() -> Principal {
        Principal {
            user: user(1),
            credential: Credential::Session(session_id()),
            scopes: Scopes::parse("todos:read").unwrap(),
        }
    }

    fn feed(
        log: MockTodoEventLog,
        principals: MockPrincipalStore,
        after: Option<i64>,
        signals: &[Signals],
    ) -> TodoEventFeed {
        let stores = CredentialStores {
            principals: Arc::new(principals),
            users: Arc::new(MockUserRepository::new()),
            keys: Arc::new(MockApiKeyRepository::new()),
            clock: Arc::new(clock()),
        };
        TodoEventFeed::new(
            &principal(),
            StreamStart { reset: false, after: after.map(id) },
            Arc::new(log),
            Arc::new(AccessCheck::new(stores)),
            Box::new(Scripted(Arc::new(Mutex::new(signals.iter().copied().collect())))),
            Box::new(()),
            2,
        )
    }

    fn todos_changed() -> Signals {
        Signals { todos: true, access: false }
    }

    #[tokio::test]
    async fn events_are_read_in_batches_from_where_the_stream_stands_and_again_when_signalled() {
        let mut log = MockTodoEventLog::new();
        log.expect_after()
            .with(eq(user_id(1)), eq(Some(id(4))), eq(2))
            .returning(|_, _, _| Ok(vec![event(5), event(6)]));
        log.expect_after()
            .with(eq(user_id(1)), eq(Some(id(6))), eq(2))
            .times(1)
            .returning(|_, _, _| Ok(vec![event(7)]));
        log.expect_after()
            .with(eq(user_id(1)), eq(Some(id(7))), eq(2))
            .times(1)
            .returning(|_, _, _| Ok(vec![]));
        log.expect_after()
            .with(eq(user_id(1)), eq(Some(id(7))), eq(2))
            .returning(|_, _, _| Ok(vec![event(8)]));
        let mut feed = feed(log, MockPrincipalStore::new(), Some(4), &[todos_changed(), todos_changed()]);
        for expected in 5..=8 {
            assert_eq!(feed.next().await.unwrap(), FeedItem::Event(event(expected)));
        }
        assert_eq!(feed.position(), Some(id(8)));
    }

    #[tokio::test]
    async fn a_gap_in_the_log_means_pruned_events_were_missed_and_resets() {
        let mut log = MockTodoEventLog::new();
        log.expect_after().returning(|_, _, _| Ok(vec![event(9)]));
        log.expect_bounds().returning(|_| Ok(EventLogBounds { oldest: Some(id(9)), latest: Some(id(12)) }));
        let mut feed = feed(log, MockPrincipalStore::new(), Some(4), &[]);
        assert_eq!(feed.next().await.unwrap(), FeedItem::Reset { after: Some(id(12)) });
        assert_eq!(feed.position(), Some(id(12)));
    }

    #[tokio::test]
    async fn an_access_signal_checks_the_session_and_closes_a_revoked_one() {
        let mut log = MockTodoEventLog::new();
        log.expect_after().returning(|_, _, _| Ok(vec![]));
        let mut principals = MockPrincipalStore::new();
        principals
            .expect_find()
            .with(eq(user_id(1)), eq(session_id()))
            .times(1)
            .returning(|_, _| Ok(Some((user(1), session(1)))));
        let revoked = Session { revoked_at: Some(now()), ..session(1) };
        principals.expect_find().returning(move |_, _| Ok(Some((user(1), revoked.clone()))));
        let access = Signals { todos: false, access: true };
        let mut feed = feed(log, principals, None, &[access, Signals::ALL]);
        assert_eq!(feed.next().await.unwrap(), FeedItem::Revoked, "open, then revoked");
    }

    #[tokio::test]
    async fn a_recheck_reads_the_log_and_the_credential_without_a_signal() {
        let mut log = MockTodoEventLog::new();
        log.expect_after().times(1).returning(|_, _, _| Ok(vec![]));
        log.expect_after().returning(|_, _, _| Ok(vec![event(1)]));
        let mut principals = MockPrincipalStore::new();
        principals.expect_find().times(1).returning(|_, _| Ok(Some((user(1), session(1)))));
        let mut feed = feed(log, principals, None, &[]);
        let waited = tokio::time::timeout(std::time::Duration::from_millis(20), feed.next()).await;
        assert!(waited.is_err(), "nothing yet, and no signal");
        feed.recheck();
        let item = feed.next().await.unwrap();
        assert!(
            matches!(item, FeedItem::Event(ref found) if found.id == id(1) && found.change == TodoChange::Updated(todo(1, 1))),
            "{item:?}"
        );
    }
}
