//! The Redis rate limiter against the Redis server on 127.0.0.1:6379 (or `TEST_REDIS_URL`),
//! each test under a key prefix of its own; and against Redis servers that refuse or hang.

use std::sync::Arc;
use std::time::{Duration, Instant};

use todo_adapters_auth::{Quota, Quotas, RedisLimiterOptions, RedisRateLimiter, WhenUnavailable};
use todo_application::ports::{Limit, LimitError, RateLimiter};

fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

fn quotas(max: u32, window: Duration) -> Quotas {
    Quotas::uniform(Quota { max, window })
}

fn limiter(url: &str, prefix: &str, when_unavailable: WhenUnavailable, quotas: Quotas) -> RedisRateLimiter {
    let options = RedisLimiterOptions {
        url: url.to_owned(),
        key_prefix: prefix.to_owned(),
        timeout: Duration::from_millis(200),
        when_unavailable,
    };
    RedisRateLimiter::new(options, quotas).unwrap()
}

/// A prefix no other test or run uses.
fn prefix(test: &str) -> String {
    format!("test:{test}:{}", uuid::Uuid::new_v4())
}

fn retry_secs(result: Result<(), LimitError>) -> u64 {
    match result {
        Err(LimitError::Reached(retry)) => retry.0.as_secs(),
        other => panic!("expected the limit to be reached, got {other:?}"),
    }
}

#[tokio::test]
#[ignore = "needs Redis on 127.0.0.1:6379 (or TEST_REDIS_URL): cargo test -- --include-ignored"]
async fn a_key_is_refused_once_it_has_used_its_quota_and_others_are_not() {
    let limiter =
        limiter(&redis_url(), &prefix("quota"), WhenUnavailable::Refuse, quotas(3, Duration::from_secs(60)));
    for _ in 0..3 {
        limiter.acquire(Limit::FailedLoginsPerUsername, "ada").await.unwrap();
    }
    let retry = retry_secs(limiter.acquire(Limit::FailedLoginsPerUsername, "ada").await);
    assert!((59..=60).contains(&retry), "Retry-After {retry} s");
    limiter.acquire(Limit::FailedLoginsPerUsername, "bob").await.unwrap();
    limiter.acquire(Limit::FailedLoginsPerClient, "ada").await.expect("limits count separately");
    assert_eq!(limiter.failures().get(), 0);
}

#[tokio::test]
#[ignore = "needs Redis on 127.0.0.1:6379 (or TEST_REDIS_URL): cargo test -- --include-ignored"]
async fn replicas_share_one_quota_however_many_attempts_race() {
    let prefix = prefix("shared");
    let quotas = quotas(7, Duration::from_secs(60));
    let replicas: Vec<Arc<RedisRateLimiter>> =
        (0..3).map(|_| Arc::new(limiter(&redis_url(), &prefix, WhenUnavailable::Refuse, quotas))).collect();
    let attempts: Vec<_> = (0..60)
        .map(|attempt| {
            let replica = replicas[attempt % replicas.len()].clone();
            tokio::spawn(async move { replica.acquire(Limit::FailedLoginsPerUsername, "ada").await })
        })
        .collect();
    let mut passed = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(()) => passed += 1,
            Err(LimitError::Reached(_)) => {}
            Err(error) => panic!("{error}"),
        }
    }
    assert_eq!(passed, 7, "three replicas together allow the quota once");
}

#[tokio::test]
#[ignore = "needs Redis on 127.0.0.1:6379 (or TEST_REDIS_URL): cargo test -- --include-ignored"]
async fn a_forgiven_attempt_frees_its_place_in_every_replica() {
    let prefix = prefix("forgive");
    let quotas = quotas(2, Duration::from_secs(60));
    let (one, two) = (
        limiter(&redis_url(), &prefix, WhenUnavailable::Refuse, quotas),
        limiter(&redis_url(), &prefix, WhenUnavailable::Refuse, quotas),
    );
    one.acquire(Limit::FailedPasswordChangesPerUser, "7").await.unwrap();
    two.acquire(Limit::FailedPasswordChangesPerUser, "7").await.unwrap();
    retry_secs(one.acquire(Limit::FailedPasswordChangesPerUser, "7").await);
    two.forgive(Limit::FailedPasswordChangesPerUser, "7").await;
    one.acquire(Limit::FailedPasswordChangesPerUser, "7").await.expect("the forgiven place is free");
    retry_secs(two.acquire(Limit::FailedPasswordChangesPerUser, "7").await);
    // Forgiving a key with no attempts leaves nothing behind that could outlive its window.
    one.forgive(Limit::FailedPasswordChangesPerUser, "nobody").await;
    let mut connection =
        redis::Client::open(redis_url()).unwrap().get_multiplexed_async_connection().await.unwrap();
    let key = format!("{prefix}:failed_password_changes_per_user:nobody");
    let exists: bool = redis::cmd("EXISTS").arg(&key).query_async(&mut connection).await.unwrap();
    assert!(!exists);
}

#[tokio::test]
#[ignore = "needs Redis on 127.0.0.1:6379 (or TEST_REDIS_URL): cargo test -- --include-ignored"]
async fn the_window_slides_attempts_leave_it_as_they_age() {
    let limiter =
        limiter(&redis_url(), &prefix("slide"), WhenUnavailable::Refuse, quotas(2, Duration::from_secs(1)));
    limiter.acquire(Limit::RegistrationsPerClient, "192.0.2.7").await.unwrap();
    limiter.acquire(Limit::RegistrationsPerClient, "192.0.2.7").await.unwrap();
    assert_eq!(retry_secs(limiter.acquire(Limit::RegistrationsPerClient, "192.0.2.7").await), 1);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match limiter.acquire(Limit::RegistrationsPerClient, "192.0.2.7").await {
            Ok(()) => break,
            Err(LimitError::Reached(_)) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => panic!("the oldest attempt never left the window: {other:?}"),
        }
    }
}

#[tokio::test]
async fn an_unreachable_redis_means_local_counts_or_refusals_as_configured() {
    // Nothing listens on port 1 of loopback: every connection is refused at once.
    let unreachable = "redis://127.0.0.1:1";
    let local =
        limiter(unreachable, "test", WhenUnavailable::CountLocally, quotas(2, Duration::from_secs(60)));
    local.acquire(Limit::FailedLoginsPerUsername, "ada").await.unwrap();
    local.acquire(Limit::FailedLoginsPerUsername, "ada").await.unwrap();
    retry_secs(local.acquire(Limit::FailedLoginsPerUsername, "ada").await);
    local.forgive(Limit::FailedLoginsPerUsername, "ada").await;
    local.acquire(Limit::FailedLoginsPerUsername, "ada").await.expect("forgiven locally too");
    assert_eq!(local.failures().get(), 4, "every attempt answered without Redis is counted");

    let refusing = limiter(unreachable, "test", WhenUnavailable::Refuse, quotas(2, Duration::from_secs(60)));
    let refused = refusing.acquire(Limit::FailedLoginsPerUsername, "ada").await;
    assert!(matches!(refused, Err(LimitError::Unavailable(_))), "{refused:?}");
    assert_eq!(refusing.failures().get(), 1);
}

#[tokio::test]
async fn a_redis_that_hangs_costs_one_timeout_then_is_left_alone_for_a_while() {
    // Accepts connections, counts them, and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("redis://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = accepted.clone();
    let held = tokio::spawn(async move {
        let mut connections = Vec::new();
        while let Ok((connection, _)) = listener.accept().await {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            connections.push(connection);
        }
    });
    let limiter = limiter(&url, "test", WhenUnavailable::CountLocally, quotas(5, Duration::from_secs(60)));
    let started = Instant::now();
    limiter.acquire(Limit::FailedLoginsPerClient, "192.0.2.7").await.unwrap();
    let first = started.elapsed();
    assert!(first >= Duration::from_millis(150), "the timeout was not waited for: {first:?}");
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
    for _ in 0..4 {
        limiter.acquire(Limit::FailedLoginsPerClient, "192.0.2.7").await.unwrap();
    }
    retry_secs(limiter.acquire(Limit::FailedLoginsPerClient, "192.0.2.7").await);
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1, "Redis was tried again at once");
    assert_eq!(limiter.failures().get(), 6);
    held.abort();
}
