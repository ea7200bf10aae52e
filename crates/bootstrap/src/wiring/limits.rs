//! The rate limiter behind the `RateLimiter` port: counts in this process's memory, or in
//! Redis for every replica at once (ADR 0017).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use todo_adapters_auth::{
    InMemoryRateLimiter, Quota, Quotas, RedisLimiterOptions, RedisRateLimiter, StoreFailures, WhenUnavailable,
};
use todo_application::ports::RateLimiter;

use crate::settings::{
    LimitBackend, QuotaSettings, RateLimitSettings, RedisSettings, WhenLimitStoreUnavailable,
};

/// The limiter the settings choose, and its count of attempts answered without Redis (always
/// zero in memory).
///
/// # Errors
/// When `redis.url` is missing or not a Redis URL while the store is Redis.
pub fn rate_limiter(
    limits: &RateLimitSettings,
    redis: &RedisSettings,
) -> anyhow::Result<(Arc<dyn RateLimiter>, StoreFailures)> {
    let quotas = Quotas {
        failed_logins_per_username: quota(limits.failed_logins_per_username),
        failed_logins_per_client: quota(limits.failed_logins_per_client),
        registrations_per_client: quota(limits.registrations_per_client),
        failed_password_changes_per_user: quota(limits.failed_password_changes_per_user),
        password_resets_per_client: quota(limits.password_resets_per_client),
        password_resets_per_email: quota(limits.password_resets_per_email),
    };
    if limits.backend == LimitBackend::Memory {
        return Ok((Arc::new(InMemoryRateLimiter::new(quotas)), StoreFailures::default()));
    }
    let url = redis.url.clone().context("rate_limit.backend is \"redis\" but redis.url is not set")?;
    let options = RedisLimiterOptions {
        url,
        key_prefix: limits.key_prefix.clone(),
        timeout: Duration::from_millis(limits.redis_timeout_ms.max(1)),
        when_unavailable: match limits.when_unavailable {
            WhenLimitStoreUnavailable::Local => WhenUnavailable::CountLocally,
            WhenLimitStoreUnavailable::Refuse => WhenUnavailable::Refuse,
        },
    };
    let limiter = RedisRateLimiter::new(options, quotas)
        .map_err(|error| anyhow::anyhow!("redis.url is not a Redis URL: {error}"))?;
    let failures = limiter.failures();
    Ok((Arc::new(limiter), failures))
}

fn quota(settings: QuotaSettings) -> Quota {
    Quota { max: settings.max, window: Duration::from_secs(settings.window_seconds) }
}
