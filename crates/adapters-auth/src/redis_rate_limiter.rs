//! [`RateLimiter`] whose counts live in Redis, so that every replica of the service counts
//! against the same quota. Each key is a sliding-window log (a sorted set of attempt times),
//! checked and counted by one Lua script: Redis runs a script alone, so of many concurrent
//! attempts from many replicas no more than the quota get through. The time is Redis's own
//! (`TIME`), so replicas whose clocks disagree still agree on the windows.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Script};
use todo_application::ports::{Limit, LimitError, RateLimiter, RetryAfter};

use crate::rate_limiter::{InMemoryRateLimiter, Quotas};

/// Drops the attempts older than the window, then counts this one if the quota has room.
/// Answers 0 when counted, else the milliseconds until the oldest attempt leaves the window.
const ACQUIRE: &str = r"
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local max, window = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms - window)
if redis.call('ZCARD', KEYS[1]) >= max then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + window - now_ms)
end
redis.call('ZADD', KEYS[1], now_ms, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return 0
";

/// After Redis fails, it is left alone this long: a Redis that hangs would otherwise add its
/// timeout to every attempt.
const REST_AFTER_FAILURE: Duration = Duration::from_secs(1);

/// What to do when Redis cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenUnavailable {
    /// Count in this process's memory meanwhile: each replica then allows the quota.
    CountLocally,
    /// Refuse the attempt: the use case answers 503.
    Refuse,
}

/// How the limiter reaches Redis.
#[derive(Debug, Clone)]
pub struct RedisLimiterOptions {
    /// `redis://[:password@]host:port[/db]`.
    pub url: String,
    /// Put before every key (`{prefix}:{limit}:{key}`), so that deployments or tests sharing
    /// one Redis keep their counts apart.
    pub key_prefix: String,
    /// The longest a connection or a call may take before Redis counts as unavailable.
    pub timeout: Duration,
    pub when_unavailable: WhenUnavailable,
}

/// Attempts answered without Redis (counted locally or refused), for the metrics.
#[derive(Debug, Clone, Default)]
pub struct StoreFailures(Arc<AtomicU64>);

impl StoreFailures {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

pub struct RedisRateLimiter {
    client: redis::Client,
    options: RedisLimiterOptions,
    quotas: Quotas,
    script: Script,
    /// Opened on first use, and again after a failure; cloned for each call.
    connection: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    resting_until: Mutex<Option<Instant>>,
    local: InMemoryRateLimiter,
    failures: StoreFailures,
    /// Makes each attempt's member of the sorted set unique across replicas.
    member_prefix: u64,
    sequence: AtomicU64,
}

impl RedisRateLimiter {
    /// Connects lazily: the service starts while Redis is down.
    ///
    /// # Errors
    /// When `url` is not a Redis URL.
    pub fn new(options: RedisLimiterOptions, quotas: Quotas) -> Result<Self, redis::RedisError> {
        let mut random = [0; 8];
        getrandom::fill(&mut random).map_err(|error| std::io::Error::other(error.to_string()))?;
        Ok(Self {
            client: redis::Client::open(options.url.as_str())?,
            options,
            quotas,
            script: Script::new(ACQUIRE),
            connection: tokio::sync::Mutex::new(None),
            resting_until: Mutex::new(None),
            local: InMemoryRateLimiter::new(quotas),
            failures: StoreFailures::default(),
            member_prefix: u64::from_le_bytes(random),
            sequence: AtomicU64::new(0),
        })
    }

    pub fn failures(&self) -> StoreFailures {
        self.failures.clone()
    }

    fn key(&self, limit: Limit, key: &str) -> String {
        format!("{}:{}:{key}", self.options.key_prefix, limit_name(limit))
    }

    async fn connection(&self) -> Result<MultiplexedConnection, redis::RedisError> {
        let mut connection = self.connection.lock().await;
        if let Some(open) = connection.as_ref() {
            return Ok(open.clone());
        }
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.options.timeout))
            .set_response_timeout(Some(self.options.timeout));
        let opened = self.client.get_multiplexed_async_connection_with_config(&config).await?;
        Ok(connection.insert(opened).clone())
    }

    /// Runs `call` against Redis unless it is resting after a failure; `None` if it is, or
    /// if the call failed (which starts a rest).
    async fn call<T>(
        &self,
        call: impl AsyncFnOnce(MultiplexedConnection) -> redis::RedisResult<T>,
    ) -> Option<T> {
        if self.resting_until().is_some_and(|until| Instant::now() < until) {
            return None;
        }
        let outcome = match self.connection().await {
            Ok(connection) => tokio::time::timeout(self.options.timeout, call(connection))
                .await
                .unwrap_or_else(|_| Err(std::io::Error::from(std::io::ErrorKind::TimedOut).into())),
            Err(error) => Err(error),
        };
        match outcome {
            Ok(value) => Some(value),
            Err(error) => {
                self.rest();
                *self.connection.lock().await = None;
                tracing::warn!(
                    %error,
                    fallback = ?self.options.when_unavailable,
                    "the rate limiter cannot reach Redis; trying again in {REST_AFTER_FAILURE:?}"
                );
                None
            }
        }
    }

    fn resting_until(&self) -> Option<Instant> {
        *self.resting_until.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn rest(&self) {
        *self.resting_until.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some(Instant::now() + REST_AFTER_FAILURE);
    }

    fn unavailable(&self, limit: Limit, key: &str) -> Result<(), LimitError> {
        self.failures.0.fetch_add(1, Ordering::Relaxed);
        match self.options.when_unavailable {
            WhenUnavailable::CountLocally => Ok(self.local.try_acquire(limit, key)?),
            WhenUnavailable::Refuse => Err(LimitError::Unavailable("Redis cannot be reached".into())),
        }
    }
}

#[async_trait]
impl RateLimiter for RedisRateLimiter {
    async fn acquire(&self, limit: Limit, key: &str) -> Result<(), LimitError> {
        let quota = self.quotas.of(limit);
        let window_ms = u64::try_from(quota.window.as_millis()).unwrap_or(u64::MAX).max(1);
        let member = format!("{:016x}-{}", self.member_prefix, self.sequence.fetch_add(1, Ordering::Relaxed));
        let redis_key = self.key(limit, key);
        let answer = self
            .call(async |mut connection| {
                self.script
                    .key(&redis_key)
                    .arg(quota.max)
                    .arg(window_ms)
                    .arg(&member)
                    .invoke_async::<u64>(&mut connection)
                    .await
            })
            .await;
        match answer {
            Some(0) => Ok(()),
            // Retry-After has no fractions: round up to whole seconds.
            Some(wait_ms) => Err(RetryAfter(Duration::from_secs(wait_ms.div_ceil(1000))).into()),
            None => self.unavailable(limit, key),
        }
    }

    async fn forgive(&self, limit: Limit, key: &str) {
        let redis_key = self.key(limit, key);
        let forgiven = self
            .call(async |mut connection| {
                redis::cmd("ZPOPMAX").arg(&redis_key).query_async::<Vec<String>>(&mut connection).await
            })
            .await;
        if forgiven.is_none() && self.options.when_unavailable == WhenUnavailable::CountLocally {
            self.local.forgive_now(limit, key);
        }
    }
}

/// The limit's part of the Redis key: stable, as counts outlive a deploy.
fn limit_name(limit: Limit) -> &'static str {
    match limit {
        Limit::FailedLoginsPerUsername => "failed_logins_per_username",
        Limit::FailedLoginsPerClient => "failed_logins_per_client",
        Limit::RegistrationsPerClient => "registrations_per_client",
        Limit::FailedPasswordChangesPerUser => "failed_password_changes_per_user",
        Limit::PasswordResetsPerClient => "password_resets_per_client",
        Limit::PasswordResetsPerEmail => "password_resets_per_email",
    }
}
