//! Configuration in three layers: the built-in defaults (`defaults.toml`), then
//! `config/<environment>.toml` if present, then `APP_...` environment variables
//! with `__` between levels (`APP_DATABASE__URL`). The environment is chosen by
//! `APP_ENVIRONMENT`. This is the only code that reads the process environment.

use std::time::Duration;

use config::{Config, ConfigError, Environment as EnvSource, File, FileFormat};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

const DEFAULTS: &str = include_str!("defaults.toml");
const DEVELOPMENT_SECRET: &str = "development-only-secret-change-me-in-production";
const MIN_SECRET_BYTES: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub environment: Environment,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub log: LogSettings,
    pub cors: CorsSettings,
    pub rate_limit: RateLimitSettings,
    pub mail: MailSettings,
    pub jobs: JobSettings,
    pub events: EventSettings,
    pub redis: RedisSettings,
    pub storage: StorageSettings,
    pub telemetry: TelemetrySettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub workers: usize,
    pub body_limit_bytes: usize,
    /// Serving on after SIGTERM, not ready, before the listener closes.
    pub drain_seconds: u64,
    pub shutdown_timeout_seconds: u64,
    pub trust_proxy_headers: bool,
    /// Served under `/static/` when set (`APP_SERVER__STATIC_DIR`).
    pub static_dir: Option<String>,
}

/// Holds the database URL, which may carry a password, so its `Debug` is written by hand.
#[derive(Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: String,
    pub max_connections: u32,
    pub acquire_timeout_ms: u64,
    pub query_timeout_ms: u64,
    /// PostgreSQL: ping a connection before use only if idle this long; 0: always.
    pub ping_idle_after_ms: u64,
    pub migrate_on_start: bool,
    pub sqlite_in_process_reads: bool,
}

/// Where e-mail goes. Holds the SMTP URL, which may carry a password, so its `Debug` is
/// written by hand to hide it.
#[derive(Clone, Deserialize)]
pub struct MailSettings {
    /// Unset: each message is written as an `.eml` file into `outbox_dir`.
    pub smtp_url: Option<String>,
    pub outbox_dir: String,
    pub from: String,
    /// The service as its users reach it, for the links in messages.
    pub link_base_url: String,
    pub timeout_seconds: u64,
}

/// The background jobs this process runs.
#[derive(Debug, Clone, Deserialize)]
pub struct JobSettings {
    /// Jobs run at once; 0: none here (a `todo-api worker` process runs them).
    pub workers: usize,
    /// How often an idle worker looks for due jobs when nothing wakes it.
    pub poll_interval_ms: u64,
    /// How long a claimed job is its worker's; a job still running then may go to another.
    pub lease_seconds: u64,
    /// The first retry's delay, doubled at each failure up to `retry_cap_seconds`.
    pub retry_base_ms: u64,
    pub retry_cap_seconds: u64,
}

/// Live event streams and the event log's retention.
#[derive(Debug, Clone, Deserialize)]
pub struct EventSettings {
    /// How processes tell each other of changes: `database` (PostgreSQL's NOTIFY; nothing
    /// between processes on SQLite, where one process owns the file) or `redis`.
    pub signals: SignalTransport,
    pub keep_alive_seconds: u64,
    pub ping_seconds: u64,
    pub silence_limit_seconds: u64,
    pub send_timeout_seconds: u64,
    pub max_streams_per_user: usize,
    pub notify_coalesce_ms: u64,
    pub retain_events: u64,
    pub retain_hours: u64,
    pub prune_every_seconds: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignalTransport {
    Database,
    Redis,
}

/// Redis, where the configuration uses it. Holds a URL that may carry a password, so its
/// `Debug` is written by hand to hide it.
#[derive(Clone, Deserialize)]
pub struct RedisSettings {
    pub url: Option<String>,
}

/// Holds the signing secret, so its `Debug` is written by hand to hide it.
#[derive(Clone, Deserialize)]
pub struct AuthSettings {
    #[serde(deserialize_with = "secret")]
    pub secret: SecretString,
    pub token_ttl_minutes: i64,
    /// A spent refresh token presented again within this many seconds is a client's race;
    /// later, a theft that revokes the session.
    pub refresh_reuse_grace_seconds: i64,
    pub max_concurrent_hashes: usize,
    /// Principals (the user and session of an access token) kept in memory; 0: none.
    pub principal_cache_capacity: u64,
    /// A kept principal is read again after this long, even if no change was signalled.
    pub principal_cache_ttl_seconds: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    pub format: LogFormat,
    pub filter: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CorsSettings {
    pub allowed_origins: Option<Vec<String>>,
}

/// A configuration that parses but must not be run.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error(transparent)]
    Load(#[from] ConfigError),
    #[error(
        "APP_AUTH__SECRET must be set in production (at least {MIN_SECRET_BYTES} bytes, not the development default)"
    )]
    DefaultSecret,
    #[error("APP_AUTH__SECRET is {0} bytes long; at least {MIN_SECRET_BYTES} are required in production")]
    ShortSecret(usize),
    #[error("auth.token_ttl_minutes must be at least 1, got {0}")]
    TokenTtl(i64),
    #[error("{0} is \"redis\" but redis.url (APP_REDIS__URL) is not set")]
    RedisUrlMissing(&'static str),
    #[error("cors.allowed_origins may not contain \"*\" in production: list the origins")]
    AnyOriginInProduction,
    #[error(
        "jobs.lease_seconds ({lease_ms} ms) must exceed what one job may take: mail.timeout_seconds plus \
         database.query_timeout_ms ({needed_ms} ms); otherwise a slow job would run twice at once"
    )]
    LeaseTooShort { lease_ms: u64, needed_ms: u64 },
    #[error("{0}")]
    Telemetry(String),
}

impl Settings {
    /// The settings of this process: defaults, file, environment variables.
    ///
    /// # Errors
    /// When a layer cannot be read or a value has the wrong type.
    pub fn load() -> Result<Self, SettingsError> {
        let environment = std::env::var("APP_ENVIRONMENT").unwrap_or_else(|_| "development".to_owned());
        let settings: Self = Config::builder()
            .add_source(File::from_str(DEFAULTS, FileFormat::Toml))
            .add_source(File::with_name(&format!("config/{environment}")).required(false))
            .add_source(
                EnvSource::with_prefix("APP")
                    .prefix_separator("_")
                    .separator("__")
                    .try_parsing(true)
                    .list_separator(",")
                    .with_list_parse_key("cors.allowed_origins"),
            )
            .build()?
            .try_deserialize()?;
        Ok(settings)
    }

    /// The built-in defaults alone, for tests and tools that set the rest themselves.
    ///
    /// # Errors
    /// Never for the shipped defaults; kept fallible as `load` is.
    pub fn defaults() -> Result<Self, SettingsError> {
        Ok(Config::builder()
            .add_source(File::from_str(DEFAULTS, FileFormat::Toml))
            .build()?
            .try_deserialize()?)
    }

    /// Refuses what must never run: in production, a missing, short or default
    /// secret, or CORS open to any origin.
    ///
    /// # Errors
    /// The first problem found.
    pub fn check(&self) -> Result<(), SettingsError> {
        if self.auth.token_ttl_minutes < 1 {
            return Err(SettingsError::TokenTtl(self.auth.token_ttl_minutes));
        }
        if self.redis.url.is_none() {
            if self.events.signals == SignalTransport::Redis {
                return Err(SettingsError::RedisUrlMissing("events.signals"));
            }
            if self.rate_limit.backend == LimitBackend::Redis {
                return Err(SettingsError::RedisUrlMissing("rate_limit.backend"));
            }
        }
        if let Some(problem) = self.telemetry.problem() {
            return Err(SettingsError::Telemetry(problem));
        }
        let lease_ms = self.jobs.lease_seconds.saturating_mul(1000);
        let needed_ms =
            self.mail.timeout_seconds.saturating_mul(1000).saturating_add(self.database.query_timeout_ms);
        if lease_ms <= needed_ms {
            return Err(SettingsError::LeaseTooShort { lease_ms, needed_ms });
        }
        if self.environment == Environment::Production {
            let secret = self.auth.secret.expose_secret();
            if secret.is_empty() || secret == DEVELOPMENT_SECRET {
                return Err(SettingsError::DefaultSecret);
            }
            if secret.len() < MIN_SECRET_BYTES {
                return Err(SettingsError::ShortSecret(secret.len()));
            }
            if self.cors.allowed_origins.iter().flatten().any(|origin| origin == "*") {
                return Err(SettingsError::AnyOriginInProduction);
            }
        }
        Ok(())
    }
}

/// Reads a secret without ever holding it in a type that can be printed.
fn secret<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<SecretString, D::Error> {
    String::deserialize(deserializer).map(SecretString::from)
}

impl DatabaseSettings {
    pub fn acquire_timeout(&self) -> Duration {
        Duration::from_millis(self.acquire_timeout_ms)
    }

    pub fn query_timeout(&self) -> Duration {
        Duration::from_millis(self.query_timeout_ms)
    }
}

impl JobSettings {
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_interval_ms)
    }

    pub fn lease(&self) -> Duration {
        Duration::from_secs(self.lease_seconds)
    }
}

mod printed;
mod rate_limit;
mod storage;
mod telemetry;

pub use rate_limit::{LimitBackend, QuotaSettings, RateLimitSettings, WhenLimitStoreUnavailable};
pub use storage::StorageSettings;
pub use telemetry::TelemetrySettings;
#[cfg(test)]
mod tests;
