//! The principal cache in front of a mocked store: a hit reads nothing, a change forgets at
//! once, and a read that a change overtook does not put the old answer back.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use todo_adapters_cache::{CacheLimits, CachedPrincipals};
use todo_application::ports::{PrincipalStore, RepositoryError};
use todo_domain::{
    EmailAddress, PasswordHash, Scopes, Session, SessionId, Timestamp, User, UserId, Username,
};
use tokio::sync::Notify;

fn user(raw: i64) -> User {
    User {
        id: UserId::new(raw).unwrap(),
        username: Username::parse(format!("user{raw}")).unwrap(),
        email: EmailAddress::parse(format!("user{raw}@example.com")).unwrap(),
        password_hash: PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        is_superuser: false,
        is_active: true,
        created_at: now(),
    }
}

fn now() -> Timestamp {
    chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap()
}

fn session_id(n: u8) -> SessionId {
    SessionId::parse(format!("{n:032x}")).unwrap()
}

/// A store that counts its reads, answers with `user(n)` and an open session, and can be
/// held mid-read.
#[derive(Default)]
struct Store {
    reads: AtomicUsize,
    held: Option<(Arc<Notify>, Arc<Notify>)>,
}

#[async_trait]
impl PrincipalStore for Store {
    async fn find(
        &self,
        user_id: UserId,
        session: &SessionId,
    ) -> Result<Option<(User, Session)>, RepositoryError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        if let Some((reading, release)) = &self.held {
            reading.notify_one();
            release.notified().await;
        }
        let session = Session::open(session.clone(), user_id, Scopes::allowed_for(false), None, now());
        Ok(Some((user(user_id.get()), session)))
    }
}

const LIMITS: CacheLimits = CacheLimits { capacity: 100, time_to_live: Duration::from_secs(60) };

fn id(raw: i64) -> UserId {
    UserId::new(raw).unwrap()
}

/// A cache in front of a store whose reads wait: each tells `reading` and waits for `release`.
struct Held {
    store: Arc<Store>,
    cache: Arc<CachedPrincipals>,
    reading: Arc<Notify>,
    release: Arc<Notify>,
}

fn held() -> Held {
    let (reading, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let store =
        Arc::new(Store { reads: AtomicUsize::new(0), held: Some((reading.clone(), release.clone())) });
    let cache = Arc::new(CachedPrincipals::new(store.clone(), LIMITS));
    Held { store, cache, reading, release }
}

#[tokio::test]
async fn a_hit_reads_nothing_and_forgetting_a_user_forgets_only_their_sessions() {
    let store = Arc::new(Store::default());
    let cache = CachedPrincipals::new(store.clone(), LIMITS);
    for _ in 0..3 {
        cache.find(id(1), &session_id(1)).await.unwrap().unwrap();
        cache.find(id(1), &session_id(2)).await.unwrap().unwrap();
        cache.find(id(2), &session_id(3)).await.unwrap().unwrap();
    }
    assert_eq!(store.reads.load(Ordering::SeqCst), 3, "one read per principal");

    cache.forget_user(id(1));
    cache.find(id(1), &session_id(1)).await.unwrap().unwrap();
    cache.find(id(1), &session_id(2)).await.unwrap().unwrap();
    cache.find(id(2), &session_id(3)).await.unwrap().unwrap();
    assert_eq!(store.reads.load(Ordering::SeqCst), 5, "user 1's two sessions read again, user 2's not");

    cache.forget_all();
    cache.find(id(2), &session_id(3)).await.unwrap().unwrap();
    assert_eq!(store.reads.load(Ordering::SeqCst), 6);
}

#[tokio::test]
async fn a_read_overtaken_by_a_change_is_not_kept() {
    let Held { store, cache, reading, release } = held();
    let within = |future| tokio::time::timeout(Duration::from_secs(10), future);
    let read = tokio::spawn({
        let cache = cache.clone();
        async move { cache.find(id(1), &session_id(1)).await }
    });
    // The read has begun (it saw the state before the change) when the change is published.
    within(reading.notified()).await.expect("the first read never reached the store");
    cache.forget_user(id(1));
    release.notify_one();
    read.await.unwrap().unwrap().unwrap();
    // The next read goes to the store again: the overtaken answer was not kept.
    let next = tokio::spawn({
        let cache = cache.clone();
        async move { cache.find(id(1), &session_id(1)).await }
    });
    within(reading.notified()).await.expect("served the overtaken answer instead of reading again");
    release.notify_one();
    next.await.unwrap().unwrap().unwrap();
    assert_eq!(store.reads.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn forgetting_everyone_also_stops_a_read_in_flight_from_being_kept() {
    let Held { store, cache, reading, release } = held();
    let find =
        |cache: Arc<CachedPrincipals>| tokio::spawn(async move { cache.find(id(2), &session_id(2)).await });
    let read = find(cache.clone());
    reading.notified().await;
    cache.forget_all();
    release.notify_one();
    read.await.unwrap().unwrap().unwrap();
    let next = find(cache.clone());
    tokio::time::timeout(Duration::from_secs(10), reading.notified())
        .await
        .expect("the overtaken answer was kept");
    release.notify_one();
    next.await.unwrap().unwrap().unwrap();
    assert_eq!(store.reads.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn entries_expire_after_their_time_to_live() {
    let store = Arc::new(Store::default());
    let limits = CacheLimits { capacity: 100, time_to_live: Duration::from_millis(500) };
    let cache = CachedPrincipals::new(store.clone(), limits);
    cache.find(id(1), &session_id(1)).await.unwrap().unwrap();
    cache.find(id(1), &session_id(1)).await.unwrap().unwrap();
    assert_eq!(store.reads.load(Ordering::SeqCst), 1);
    // The time to live is the thing under test: waiting it out is the test.
    tokio::time::sleep(Duration::from_millis(700)).await;
    cache.find(id(1), &session_id(1)).await.unwrap().unwrap();
    assert_eq!(store.reads.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn requests_that_miss_together_wait_for_one_read_of_the_store() {
    let Held { store, cache, reading, release } = held();
    let finds: Vec<_> = (0..10)
        .map(|_| {
            let cache = cache.clone();
            tokio::spawn(async move { cache.find(id(1), &session_id(1)).await })
        })
        .collect();
    tokio::time::timeout(Duration::from_secs(10), reading.notified())
        .await
        .expect("no read reached the store");
    // One thread runs this test: every find has run up to its wait before this one goes on.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(store.reads.load(Ordering::SeqCst), 1, "the others wait for the first read");
    release.notify_one();
    for find in finds {
        assert!(find.await.unwrap().unwrap().is_some());
    }
    assert_eq!(store.reads.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_request_that_begins_after_a_change_is_not_served_a_read_from_before_it() {
    let Held { store, cache, reading, release } = held();
    let within = |future| tokio::time::timeout(Duration::from_secs(10), future);
    let find =
        |cache: Arc<CachedPrincipals>| tokio::spawn(async move { cache.find(id(1), &session_id(1)).await });
    let before = find(cache.clone());
    within(reading.notified()).await.expect("the first read never reached the store");
    cache.forget_user(id(1));
    // Begins after the change, while the read from before it is still in flight.
    let after = find(cache.clone());
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    release.notify_one();
    before.await.unwrap().unwrap().unwrap();
    within(reading.notified()).await.expect("the later request was served the earlier read");
    release.notify_one();
    after.await.unwrap().unwrap().unwrap();
    assert_eq!(store.reads.load(Ordering::SeqCst), 2);
}
