//! When a failed attempt runs again: exponential backoff with jitter.

use std::time::Duration;

use chrono::TimeDelta;
use todo_domain::Timestamp;

use crate::ports::JobId;

/// Attempt `n` (from 1) that failed waits about `base * 2^(n-1)`, at most `cap`, then a
/// random-looking share of that (half to all of it), so that jobs that failed together do
/// not all come back at the same instant. The share is derived from the job and attempt,
/// which keeps the policy a pure function: the same inputs give the same delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: Duration,
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { base: Duration::from_secs(2), cap: Duration::from_secs(15 * 60) }
    }
}

impl RetryPolicy {
    /// How long to wait after failed attempt `attempt` of job `job`.
    pub fn delay(&self, job: JobId, attempt: u32) -> Duration {
        let doubled = self.base.saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(31)));
        let ceiling = doubled.min(self.cap);
        ceiling.mul_f64(0.5 + 0.5 * unit_interval(job.0, attempt))
    }

    /// When failed attempt `attempt` of `job`, failing at `now`, runs again.
    pub fn retry_at(&self, job: JobId, attempt: u32, now: Timestamp) -> Timestamp {
        now + TimeDelta::from_std(self.delay(job, attempt)).unwrap_or(TimeDelta::MAX)
    }
}

/// A number in [0, 1) that looks random but is a hash of its inputs (splitmix64).
fn unit_interval(job: i64, attempt: u32) -> f64 {
    let mut x = (job as u64) ^ (u64::from(attempt) << 48);
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: RetryPolicy = RetryPolicy { base: Duration::from_secs(2), cap: Duration::from_secs(60) };

    #[test]
    fn delays_double_up_to_the_cap_and_keep_at_least_half() {
        for (attempt, ceiling) in [(1, 2), (2, 4), (3, 8), (5, 32), (6, 60), (40, 60)] {
            let ceiling = Duration::from_secs(ceiling);
            for job in 1..50 {
                let delay = POLICY.delay(JobId(job), attempt);
                assert!(delay >= ceiling / 2 && delay <= ceiling, "attempt {attempt}, job {job}: {delay:?}");
            }
        }
    }

    #[test]
    fn jobs_that_failed_together_come_back_at_different_times() {
        let delays: std::collections::BTreeSet<_> = (1..100).map(|job| POLICY.delay(JobId(job), 3)).collect();
        assert!(delays.len() > 90, "only {} distinct delays", delays.len());
        assert_eq!(POLICY.delay(JobId(7), 3), POLICY.delay(JobId(7), 3), "the same inputs, the same delay");
    }
}
