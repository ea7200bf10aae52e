//! The rate limits' settings: the quotas, and where their counts live.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct RateLimitSettings {
    pub backend: LimitBackend,
    pub when_unavailable: WhenLimitStoreUnavailable,
    pub redis_timeout_ms: u64,
    pub key_prefix: String,
    pub failed_logins_per_username: QuotaSettings,
    pub failed_logins_per_client: QuotaSettings,
    pub registrations_per_client: QuotaSettings,
    pub failed_password_changes_per_user: QuotaSettings,
    pub password_resets_per_client: QuotaSettings,
    pub password_resets_per_email: QuotaSettings,
}

/// Where the counts live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LimitBackend {
    /// This process's memory: each replica counts on its own.
    Memory,
    /// Redis (`redis.url`): every replica counts against the same quota.
    Redis,
}

/// With the counts in Redis, what an attempt gets while Redis cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WhenLimitStoreUnavailable {
    /// Counted in this process meanwhile.
    Local,
    /// Refused with 503.
    Refuse,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct QuotaSettings {
    pub max: u32,
    pub window_seconds: u64,
}
