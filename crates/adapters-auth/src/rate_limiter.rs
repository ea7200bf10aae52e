use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use todo_application::ports::{Limit, LimitError, RateLimiter, RetryAfter};

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
    /// The same quota for every limit, as tests and small set-ups want.
    pub fn uniform(quota: Quota) -> Self {
        Self {
            failed_logins_per_username: quota,
            failed_logins_per_client: quota,
            registrations_per_client: quota,
            failed_password_changes_per_user: quota,
            password_resets_per_client: quota,
            password_resets_per_email: quota,
        }
    }

    pub(crate) fn of(&self, limit: Limit) -> Quota {
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

impl InMemoryRateLimiter {
    /// [`RateLimiter::acquire`], without waiting: it never does.
    ///
    /// # Errors
    /// [`RetryAfter`] when the quota is used up.
    pub fn try_acquire(&self, limit: Limit, key: &str) -> Result<(), RetryAfter> {
        let quota = self.quotas.of(limit);
        // One lock for the check and the count: concurrent attempts cannot all pass the check.
        let mut windows = self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|(limit, _), window| window.started.elapsed() < self.quotas.of(*limit).window);
        }
        let now = Instant::now();
        let window = windows.entry((limit, key.to_owned())).or_insert(Window { started: now, count: 0 });
        let elapsed = now.duration_since(window.started);
        if elapsed >= quota.window {
            *window = Window { started: now, count: 0 };
        } else if window.count >= quota.max {
            // Round up to whole seconds: Retry-After has no fractions.
            let remaining = quota.window - elapsed;
            return Err(RetryAfter(Duration::from_secs(
                remaining.as_secs() + u64::from(remaining.subsec_nanos() > 0),
            )));
        }
        window.count = window.count.saturating_add(1);
        Ok(())
    }

    /// [`RateLimiter::forgive`], without waiting.
    pub fn forgive_now(&self, limit: Limit, key: &str) {
        let quota = self.quotas.of(limit);
        let mut windows = self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(window) = windows.get_mut(&(limit, key.to_owned()))
            && window.started.elapsed() < quota.window
        {
            window.count = window.count.saturating_sub(1);
        }
    }
}

#[async_trait]
impl RateLimiter for InMemoryRateLimiter {
    async fn acquire(&self, limit: Limit, key: &str) -> Result<(), LimitError> {
        Ok(self.try_acquire(limit, key)?)
    }

    async fn forgive(&self, limit: Limit, key: &str) {
        self.forgive_now(limit, key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(max: u32, window: Duration) -> InMemoryRateLimiter {
        InMemoryRateLimiter::new(Quotas::uniform(Quota { max, window }))
    }

    #[test]
    fn a_key_is_refused_once_it_has_used_its_quota_and_others_are_not() {
        let limiter = limiter(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(limiter.try_acquire(Limit::FailedLoginsPerUsername, "ada").is_ok());
        }
        let refused = limiter.try_acquire(Limit::FailedLoginsPerUsername, "ada").unwrap_err();
        assert!((59..=60).contains(&refused.0.as_secs()), "{refused:?}");
        assert!(limiter.try_acquire(Limit::FailedLoginsPerUsername, "bob").is_ok());
        assert!(limiter.try_acquire(Limit::FailedLoginsPerClient, "ada").is_ok(), "limits count separately");
    }

    #[test]
    fn a_forgiven_attempt_frees_its_place_and_a_refused_one_takes_none() {
        let limiter = limiter(2, Duration::from_secs(60));
        assert!(limiter.try_acquire(Limit::FailedLoginsPerUsername, "ada").is_ok());
        assert!(limiter.try_acquire(Limit::FailedLoginsPerUsername, "ada").is_ok());
        assert!(limiter.try_acquire(Limit::FailedLoginsPerUsername, "ada").is_err());
        limiter.forgive_now(Limit::FailedLoginsPerUsername, "ada");
        assert!(limiter.try_acquire(Limit::FailedLoginsPerUsername, "ada").is_ok());
        assert!(limiter.try_acquire(Limit::FailedLoginsPerUsername, "ada").is_err());
        limiter.forgive_now(Limit::FailedLoginsPerUsername, "nobody");
        assert!(
            limiter.windows.lock().unwrap().get(&(Limit::FailedLoginsPerUsername, "nobody".into())).is_none()
        );
    }

    #[test]
    fn of_concurrent_attempts_no_more_than_the_quota_get_through() {
        let limiter = std::sync::Arc::new(limiter(10, Duration::from_secs(60)));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let limiter = limiter.clone();
                std::thread::spawn(move || {
                    (0..50)
                        .filter(|_| limiter.try_acquire(Limit::FailedPasswordChangesPerUser, "7").is_ok())
                        .count()
                })
            })
            .collect();
        let passed: usize = threads.into_iter().map(|thread| thread.join().unwrap()).sum();
        assert_eq!(passed, 10);
    }

    #[test]
    fn a_new_window_starts_when_the_old_one_ends() {
        let limiter = limiter(1, Duration::from_millis(50));
        assert!(limiter.try_acquire(Limit::RegistrationsPerClient, "192.0.2.7").is_ok());
        assert!(limiter.try_acquire(Limit::RegistrationsPerClient, "192.0.2.7").is_err());
        std::thread::sleep(Duration::from_millis(60));
        assert!(limiter.try_acquire(Limit::RegistrationsPerClient, "192.0.2.7").is_ok());
        assert!(limiter.try_acquire(Limit::RegistrationsPerClient, "192.0.2.7").is_err());
    }

    #[test]
    fn expired_windows_are_swept_so_memory_stays_bounded() {
        let limiter = limiter(1, Duration::from_millis(1));
        for key in 0..=SWEEP_ABOVE {
            assert!(limiter.try_acquire(Limit::FailedLoginsPerClient, &key.to_string()).is_ok());
        }
        std::thread::sleep(Duration::from_millis(5));
        assert!(limiter.try_acquire(Limit::FailedLoginsPerClient, "one more").is_ok());
        assert_eq!(limiter.windows.lock().unwrap().len(), 1);
    }
}
