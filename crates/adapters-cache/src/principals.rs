//! [`CachedPrincipals`]: the decorator pattern in the hexagon. It implements the port it wraps,
//! [`PrincipalStore`], so that `Authenticate` cannot tell it from the database; it answers the
//! hottest read of the service (the user and session of every access token) from memory, and
//! leaves every other decision where it was: whether the session is still open at this instant,
//! whether the user is active, is judged by the use case on what it returns, as before.
//!
//! What it must never do is answer for a principal that changed. Every change that matters
//! (a session revoked, all of a user's sessions, a password changed or reset, a user deactivated
//! or deleted) is published by its use case as an access signal (`Signal::Access`) after it
//! commits. Bootstrap hands those signals to [`CachedPrincipals::forget_user`]: in this process
//! synchronously, before the request that made the change answers; from other processes through
//! the same fan-out as live events, within milliseconds. A short time-to-live is the safety net
//! for a signal that never came (another process on SQLite, a broadcast lost with its connection:
//! a reconnect forgets everything, [`CachedPrincipals::forget_all`]).
//!
//! A read that started before a change and finishes after it must not put the old answer back:
//! each change moves an epoch forward, and a miss stores what it read only if the epoch did not
//! move while it read.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use moka::sync::Cache;
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

/// A [`PrincipalStore`] that remembers what `inner` answered.
pub struct CachedPrincipals {
    inner: Arc<dyn PrincipalStore>,
    entries: Cache<(UserId, SessionId), (User, Session)>,
    /// Moves forward at every change; held while a miss stores its answer.
    epoch: Mutex<u64>,
}

impl CachedPrincipals {
    pub fn new(inner: Arc<dyn PrincipalStore>, limits: CacheLimits) -> Self {
        let entries = Cache::builder()
            .max_capacity(limits.capacity)
            .time_to_live(limits.time_to_live)
            .support_invalidation_closures()
            .build();
        Self { inner, entries, epoch: Mutex::new(0) }
    }

    /// Forgets every session of `user`: something about them changed.
    pub fn forget_user(&self, user: UserId) {
        let mut epoch = self.lock();
        *epoch += 1;
        // Built with support_invalidation_closures, this cannot fail.
        if self.entries.invalidate_entries_if(move |(owner, _), _| *owner == user).is_err() {
            self.entries.invalidate_all();
        }
    }

    /// Forgets everyone: changes may have been missed.
    pub fn forget_all(&self) {
        let mut epoch = self.lock();
        *epoch += 1;
        self.entries.invalidate_all();
    }

    /// How many principals are held now (approximately: moka counts lazily).
    pub fn len(&self) -> u64 {
        self.entries.entry_count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, u64> {
        self.epoch.lock().unwrap_or_else(PoisonError::into_inner)
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
        if let Some(found) = self.entries.get(&key) {
            return Ok(Some(found));
        }
        let before = *self.lock();
        let found = self.inner.find(user, session).await?;
        // Absent principals are not kept: a token for a session that does not exist is
        // refused by the store each time, and nothing can be forgotten too late.
        if let Some(found) = &found {
            let epoch = self.lock();
            if *epoch == before {
                self.entries.insert(key, found.clone());
            }
        }
        Ok(found)
    }
}
