//! [`CachedPrincipals`]: the decorator pattern in the hexagon. It implements the port it wraps,
//! [`PrincipalStore`], so that `Authenticate` cannot tell it from the database; it answers the
//! hottest read of the service (the user and session of every access token) from memory, and
//! leaves every other decision where it was: whether the session is still open at this instant,
//! whether the user is active, is judged by the use case on what it returns, as before.
//!
//! What it must never do is answer for a principal that changed. Every change that matters
//! (a session revoked, all of a user's sessions, a password changed or reset, a user deactivated,
//! demoted or deleted) is published by its use case as an access signal (`Signal::Access`) after
//! it commits. Bootstrap hands those signals to [`CachedPrincipals::forget_user`]: in this process
//! synchronously, before the request that made the change answers; from other processes through
//! the same fan-out as live events, within milliseconds. A short time-to-live (1 s by default)
//! bounds the rest: a signal lost with its connection, or never sent (a process stopped between
//! its commit and its broadcast, a change made in SQL behind the service's back).
//!
//! Forgetting does not rely on removing entries (a cache may apply removals lazily): every
//! entry carries the epoch at which its read began, every forget records the epoch at which it
//! happened, and an entry older than the last forget of its user (or of everyone) is a miss.
//! So a read that started before a change and finished after it is never served either.
//!
//! The requests that miss together (all of a busy client's, the moment its entry expires) wait
//! for one read of the store instead of each making one: a burst of reads of one principal at
//! every expiry, on connections idle since the last, held PostgreSQL requests for up to the
//! acquire timeout (bench/README.md, "The principal cache's reloads").

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use moka::future::Cache;
use todo_application::ports::{PrincipalStore, RepositoryError};
use todo_domain::{Session, SessionId, User, UserId};

/// How big and how fresh the cache is.
#[derive(Debug, Clone, Copy)]
pub struct CacheLimits {
    /// At most this many principals (one per open session in use).
    pub capacity: u64,
    /// An entry is read again from the store after this long, signal or not.
    pub time_to_live: Duration,
}

/// A principal as read, with the epoch at which its read began.
#[derive(Clone)]
struct Entry {
    user: User,
    session: Session,
    read_at: u64,
}

/// A [`PrincipalStore`] that remembers what `inner` answered.
pub struct CachedPrincipals {
    inner: Arc<dyn PrincipalStore>,
    entries: Cache<(UserId, SessionId), Entry>,
    /// Counts forgets; an entry read before a forget of its user is stale.
    epoch: AtomicU64,
    /// The epoch of the last forget of each user, with when it happened: kept as long as an
    /// entry it makes stale could still live.
    forgotten: Mutex<HashMap<UserId, (u64, Instant)>>,
    /// The epoch of the last forget of everyone.
    forgotten_all: AtomicU64,
    time_to_live: Duration,
}

impl CachedPrincipals {
    pub fn new(inner: Arc<dyn PrincipalStore>, limits: CacheLimits) -> Self {
        let entries =
            Cache::builder().max_capacity(limits.capacity).time_to_live(limits.time_to_live).build();
        Self {
            inner,
            entries,
            epoch: AtomicU64::new(0),
            forgotten: Mutex::default(),
            forgotten_all: AtomicU64::new(0),
            time_to_live: limits.time_to_live,
        }
    }

    /// Forgets every session of `user`: something about them changed.
    pub fn forget_user(&self, user: UserId) {
        let now = Instant::now();
        let mut forgotten = self.forgotten.lock().unwrap_or_else(PoisonError::into_inner);
        let epoch = self.epoch.fetch_add(1, Ordering::SeqCst) + 1;
        forgotten.insert(user, (epoch, now));
        // An entry outlives its time to live by nothing: older records make nothing stale.
        if forgotten.len() > 1024 {
            let keep = self.time_to_live + Duration::from_secs(1);
            forgotten.retain(|_, (_, at)| now.duration_since(*at) <= keep);
        }
    }

    /// Forgets everyone: changes may have been missed.
    pub fn forget_all(&self) {
        let epoch = self.epoch.fetch_add(1, Ordering::SeqCst) + 1;
        self.forgotten_all.store(epoch, Ordering::SeqCst);
        self.entries.invalidate_all();
    }

    /// Reads the principal from the store, as an entry to keep; `Absent` is not kept.
    async fn load(&self, user: UserId, session: &SessionId) -> Result<Entry, Miss> {
        // Read before the store is asked: a forget that happens while it answers is later.
        let read_at = self.epoch.load(Ordering::SeqCst);
        match self.inner.find(user, session).await {
            Ok(Some((user, session))) => Ok(Entry { user, session, read_at }),
            Ok(None) => Err(Miss::Absent),
            Err(error) => Err(Miss::Store(error)),
        }
    }

    /// How many principals are held now (approximately: the cache counts lazily).
    pub fn len(&self) -> u64 {
        self.entries.entry_count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The epoch of the last forget of `user` or of everyone.
    fn forgotten_at(&self, user: UserId) -> u64 {
        let all = self.forgotten_all.load(Ordering::SeqCst);
        let forgotten = self.forgotten.lock().unwrap_or_else(PoisonError::into_inner);
        forgotten.get(&user).map_or(all, |(epoch, _)| all.max(*epoch))
    }

    /// Whether `entry` was read after the last forget of its user and of everyone.
    fn fresh(&self, user: UserId, entry: &Entry) -> bool {
        entry.read_at >= self.forgotten_at(user)
    }
}

#[async_trait]
impl PrincipalStore for CachedPrincipals {
    async fn find(
        &self,
        user: UserId,
        session: &SessionId,
    ) -> Result<Option<(User, Session)>, RepositoryError> {
        let key = (user, session.clone());
        let begun = self.epoch.load(Ordering::SeqCst);
        if let Some(entry) = self.entries.get(&key).await {
            if self.fresh(user, &entry) {
                return Ok(Some((entry.user, entry.session)));
            }
            self.entries.invalidate(&key).await;
        }
        // One read for all who miss at once; moka keeps what it returns.
        match self.entries.try_get_with(key.clone(), self.load(user, session)).await {
            Ok(entry) => {
                let forgotten = self.forgotten_at(user);
                if entry.read_at >= forgotten {
                    return Ok(Some((entry.user, entry.session)));
                }
                // A forget overtook the read: the answer is not kept. It may still answer this
                // call if the forget came after the call began (the two were concurrent); a
                // call that began after the forget asks the store itself.
                self.entries.invalidate(&key).await;
                if forgotten > begun {
                    Ok(Some((entry.user, entry.session)))
                } else {
                    self.inner.find(user, session).await
                }
            }
            // Absent principals are not kept: a token for a session that does not exist is
            // refused by the store each time, and nothing can be forgotten too late.
            Err(miss) => match &*miss {
                Miss::Absent => Ok(None),
                Miss::Store(error) => Err(shared(error, &miss)),
            },
        }
    }
}

/// Why a read of the store left nothing to keep.
#[derive(Debug)]
enum Miss {
    Absent,
    Store(RepositoryError),
}

impl fmt::Display for Miss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Absent => f.write_str("no such principal"),
            Self::Store(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for Miss {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Absent => None,
            Self::Store(error) => error.source(),
        }
    }
}

/// The store's error, as each of the requests that waited for the same read gets it: the same
/// kind (unavailable stays a 503), the shared original as its source.
fn shared(error: &RepositoryError, miss: &Arc<Miss>) -> RepositoryError {
    let source = Box::new(SharedMiss(miss.clone()));
    match error {
        RepositoryError::NotFound => RepositoryError::NotFound,
        RepositoryError::Stale => RepositoryError::Stale,
        RepositoryError::Conflict(key) => RepositoryError::Conflict(*key),
        RepositoryError::Unavailable(_) => RepositoryError::Unavailable(source),
        RepositoryError::Unexpected(_) => RepositoryError::Unexpected(source),
    }
}

#[derive(Debug)]
struct SharedMiss(Arc<Miss>);

impl fmt::Display for SharedMiss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for SharedMiss {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}
