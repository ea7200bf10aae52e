//! Keyed writes (`Idempotency-Key`): a client names a write, and sending it again replays
//! the first answer instead of writing twice.
//!
//! The key is claimed before the work; the work's transaction records the answer with the
//! write, so the two commit together; a failed work gives the key back. A process that dies
//! mid-work leaves a claim that others take over once its lease ends.

use std::sync::Arc;

use chrono::TimeDelta;
use todo_domain::{IDEMPOTENCY_KEY_LIFETIME, IdempotencyKey, UserId};

use crate::ports::{Claim, Clock, IdempotencyStore, KeyedRequest, RecordedAnswer, RepositoryError, Secrets};

/// How long a claim holds its key while the work runs: far longer than any request may take
/// (the database deadline ends those first), so only a claim of a dead process outlives it.
const LEASE: TimeDelta = TimeDelta::seconds(60);

/// Keys pruned per statement.
const PRUNE_BATCH: u64 = 1000;

/// What a keyed write answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The work was done now.
    Fresh(RecordedAnswer),
    /// The work was done by an earlier request with the same key: this is its answer.
    Replayed(RecordedAnswer),
}

/// Why a keyed write was refused.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the idempotency key was used for another request")]
    OtherRequest,
    #[error("a request with this idempotency key is still being worked on")]
    InFlight,
}

/// The keys, shared by the use cases that honour them.
pub struct IdempotencyKeys {
    store: Arc<dyn IdempotencyStore>,
    secrets: Arc<dyn Secrets>,
    clock: Arc<dyn Clock>,
}

impl IdempotencyKeys {
    pub fn new(store: Arc<dyn IdempotencyStore>, secrets: Arc<dyn Secrets>, clock: Arc<dyn Clock>) -> Self {
        Self { store, secrets, clock }
    }

    /// The request `key` names: the key, and the hash of `meaning`, the request's canonical
    /// form (what it asks, not how its bytes were laid out).
    pub(crate) fn request(&self, key: IdempotencyKey, meaning: &str) -> KeyedRequest {
        let claim = self.secrets.session_id().as_str().to_owned();
        KeyedRequest { key, fingerprint: self.secrets.hash(meaning), claim }
    }

    /// `Ok(None)`: the key is this request's, do the work. `Ok(Some(answer))`: answer that.
    pub(crate) async fn claim(
        &self,
        owner: UserId,
        request: &KeyedRequest,
    ) -> Result<Option<RecordedAnswer>, ClaimFailure> {
        let now = self.clock.now();
        match self.store.claim(owner, request, now, now + LEASE, now - IDEMPOTENCY_KEY_LIFETIME).await? {
            Claim::Claimed => Ok(None),
            Claim::Answered(answer) => Ok(Some(answer)),
            Claim::OtherRequest => Err(ClaimFailure::Key(KeyError::OtherRequest)),
            Claim::InFlight => Err(ClaimFailure::Key(KeyError::InFlight)),
        }
    }

    /// Gives the key back after its work failed, so that the client may try again. If even
    /// that fails, the claim's lease ends it a minute later.
    pub(crate) async fn release(&self, owner: UserId, request: &KeyedRequest) {
        if let Err(error) = self.store.release(owner, request).await {
            tracing::warn!(%error, "an idempotency key could not be given back; its lease will end it");
        }
    }

    /// Forgets the keys first used more than 24 hours ago; says how many went.
    ///
    /// # Errors
    /// The store's.
    pub async fn prune(&self) -> Result<u64, RepositoryError> {
        let before = self.clock.now() - IDEMPOTENCY_KEY_LIFETIME;
        let mut pruned = 0;
        loop {
            let deleted = self.store.prune(before, PRUNE_BATCH).await?;
            pruned += deleted;
            if deleted < PRUNE_BATCH {
                return Ok(pruned);
            }
        }
    }
}

/// A claim refused, or a store that failed.
#[derive(Debug)]
pub(crate) enum ClaimFailure {
    Key(KeyError),
    Repository(RepositoryError),
}

impl From<RepositoryError> for ClaimFailure {
    fn from(error: RepositoryError) -> Self {
        Self::Repository(error)
    }
}

impl ClaimFailure {
    /// Recording the answer failed: a key no longer held was taken over by another attempt
    /// (this one outran its lease), which is working on it now.
    pub(crate) fn recording(error: RepositoryError) -> Self {
        match error {
            RepositoryError::NotFound => Self::Key(KeyError::InFlight),
            other => Self::Repository(other),
        }
    }

    /// As the error of the use case that claimed.
    pub(crate) fn into_error<E: From<KeyError> + From<RepositoryError>>(self) -> E {
        match self {
            Self::Key(error) => error.into(),
            Self::Repository(error) => error.into(),
        }
    }
}

/// A piece of a canonical form: text that cannot hold NUL (titles and descriptions cannot),
/// ended by one, so that no two different requests share a form.
pub(crate) fn field(form: &mut String, text: &str) {
    form.push_str(text);
    form.push('\0');
}

#[cfg(test)]
mod tests {
    use mockall::predicate::{always, eq};

    use super::*;
    use crate::ports::{MockIdempotencyStore, TokenHash};
    use crate::use_cases::fixtures::{clock, now, secrets, user_id};

    fn key() -> IdempotencyKey {
        IdempotencyKey::parse("k-1").unwrap()
    }

    fn keys(store: MockIdempotencyStore) -> IdempotencyKeys {
        IdempotencyKeys::new(Arc::new(store), Arc::new(secrets()), Arc::new(clock()))
    }

    fn claiming(claim: Claim) -> MockIdempotencyStore {
        let mut store = MockIdempotencyStore::new();
        store
            .expect_claim()
            .with(eq(user_id(2)), always(), eq(now()), eq(now() + LEASE), eq(now() - TimeDelta::hours(24)))
            .times(1)
            .return_once(move |_, _, _, _, _| Ok(claim));
        store
    }

    #[test]
    fn a_request_is_its_key_and_the_hash_of_its_meaning() {
        let request = keys(MockIdempotencyStore::new()).request(key(), "todos.create\0a\0");
        assert_eq!(request.fingerprint, TokenHash("hash-of-todos.create\0a\0".into()));
    }

    #[tokio::test]
    async fn a_claim_says_whether_to_work_replay_or_refuse() {
        let request = keys(MockIdempotencyStore::new()).request(key(), "x");
        assert!(matches!(keys(claiming(Claim::Claimed)).claim(user_id(2), &request).await, Ok(None)));
        let answer = RecordedAnswer { status: 201, body: "{}".into() };
        let replayed = keys(claiming(Claim::Answered(answer.clone()))).claim(user_id(2), &request).await;
        assert_eq!(replayed.unwrap(), Some(answer));
        let other = keys(claiming(Claim::OtherRequest)).claim(user_id(2), &request).await;
        assert!(matches!(other, Err(ClaimFailure::Key(KeyError::OtherRequest))));
        let busy = keys(claiming(Claim::InFlight)).claim(user_id(2), &request).await;
        assert!(matches!(busy, Err(ClaimFailure::Key(KeyError::InFlight))));
    }

    #[tokio::test]
    async fn pruning_goes_on_while_batches_come_back_full() {
        let mut store = MockIdempotencyStore::new();
        let mut batches = vec![3, PRUNE_BATCH, PRUNE_BATCH];
        store
            .expect_prune()
            .with(eq(now() - TimeDelta::hours(24)), eq(PRUNE_BATCH))
            .times(3)
            .returning(move |_, _| Ok(batches.pop().unwrap()));
        assert_eq!(keys(store).prune().await.unwrap(), 2 * PRUNE_BATCH + 3);
    }
}
