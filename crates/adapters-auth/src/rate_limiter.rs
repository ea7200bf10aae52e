use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use todo_application::ports::{Limit, RateLimiter, RetryAfter};

/// At most `max` events per `window` for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub max: u32,
    pub window: Duration,
}

/// The quota of each [`Limit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    pub failed_logins_per_username: Quota,
    pub failed_logins_per_client: Quota,
    pub registrations_per_client: Quota,
    pub failed_password_changes_per_user: Quota,
    pub password_resets_per_client: Quota,
    pub password_resets_per_email: Quota,
}

impl Quotas {
    fn of(&self, limit: Limit) -> Quota {
        match limit {
            Limit::FailedLoginsPerUsername => self.failed_logins_per_username,
            Limit::FailedLoginsPerClient => self.failed_logins_per_client,
            Limit::RegistrationsPerClient => self.registrations_per_client,
            Limit::FailedPasswordChangesPerUser => self.failed_password_changes_per_user,
            Limit::PasswordResetsPerClient => self.password_resets_per_client,
            Limit::PasswordResetsPerEmail => self.password_resets_per_email,
        }
    }
}

/// Past this many keys, expired windows are swept out on the next record.
const SWEEP_ABOVE: usize = 10_000;

/// [`RateLimiter`] with a fixed window per key, held in this process's memory.
/// Several instances of the service each count on their own.
pub struct InMemoryRateLimiter {
    quotas: Quotas,
    windows: Mutex<HashMap<(Limit, String), Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
}

impl InMemoryRateLimiter {
    pub fn new(quotas: Quotas) -> Self {
        Self { quotas, windows: Mutex::new(HashMap::new()) }
    }
}

impl RateLimiter for InMemoryRateLimiter {
    fn check(&self, limit: Limit, key: &str) -> Result<(), RetryAfter> {
        let quota = self.quotas.of(limit);
        let windows = self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(window) = windows.get(&(limit, key.to_owned())) else { return Ok(()) };
        let elapsed = window.started.elapsed();
        if elapsed >= quota.window || window.count < quota.max {
            return Ok(());
        }
        // Round up to whole seconds: Retry-After has no fractions.
        let remaining = quota.window - elapsed;
        Err(RetryAfter(Duration::from_secs(remaining.as_secs() + u64::from(remaining.subsec_nanos() > 0))))
    }

    fn record(&self, limit: Limit, key: &str) {
        let quota = self.quotas.of(limit);
        let mut windows = self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|(limit, _), window| window.started.elapsed() < self.quotas.of(*limit).window);
        }
        let now = Instant::now();
        let window = windows.entry((limit, key.to_owned())).or_insert(Window { started: now, count: 0 });
        if now.duration_since(window.started) >= quota.window {
            *window = Window { started: now, count: 0 };
        }
        window.count = window.count.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(max: u32, window: Duration) -> InMemoryRateLimiter {
        let quota = Quota { max, window };
        InMemoryRateLimiter::new(Quotas {
            failed_logins_per_username: quota,
            failed_logins_per_client: quota,
            registrations_per_client: quota,
            failed_password_changes_per_user: quota,
            password_resets_per_client: quota,
            password_resets_per_email: quota,
        })
    }

    #[test]
    fn a_key_is_refused_once_it_has_used_its_quota_and_others_are_not() {
        let limiter = limiter(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(limiter.check(Limit::FailedLoginsPerUsername, "ada").is_ok());
            limiter.record(Limit::FailedLoginsPerUsername, "ada");
        }
        let refused = limiter.check(Limit::FailedLoginsPerUsername, "ada").unwrap_err();
        assert!((59..=60).contains(&refused.0.as_secs()), "{refused:?}");
        assert!(limiter.check(Limit::FailedLoginsPerUsername, "bob").is_ok());
        assert!(limiter.check(Limit::FailedLoginsPerClient, "ada").is_ok(), "limits count separately");
    }

    #[test]
    fn a_new_window_starts_when_the_old_one_ends() {
        let limiter = limiter(1, Duration::from_millis(50));
        limiter.record(Limit::RegistrationsPerClient, "192.0.2.7");
        assert!(limiter.check(Limit::RegistrationsPerClient, "192.0.2.7").is_err());
        std::thread::sleep(Duration::from_millis(60));
        assert!(limiter.check(Limit::RegistrationsPerClient, "192.0.2.7").is_ok());
        limiter.record(Limit::RegistrationsPerClient, "192.0.2.7");
        assert!(limiter.check(Limit::RegistrationsPerClient, "192.0.2.7").is_err());
    }

    #[test]
    fn expired_windows_are_swept_so_memory_stays_bounded() {
        let limiter = limiter(1, Duration::from_millis(1));
        for key in 0..=SWEEP_ABOVE {
            limiter.record(Limit::FailedLoginsPerClient, &key.to_string());
        }
        std::thread::sleep(Duration::from_millis(5));
        limiter.record(Limit::FailedLoginsPerClient, "one more");
        assert_eq!(limiter.windows.lock().unwrap().len(), 1);
    }
}
