//! What the service prints of its settings: the start-up summary and the `Debug` forms, with
//! every secret masked (the signing key, database and SMTP passwords).

use std::fmt;

use super::{
    AuthSettings, DatabaseSettings, MailSettings, RedisSettings, Settings, StorageSettings, TelemetrySettings,
};

impl Settings {
    /// A one-line description of the effective settings for the start-up log:
    /// no signing secret, and no password in the database URL.
    pub fn summary(&self) -> String {
        format!(
            "environment={:?} listen={}:{} workers={} body_limit={}B database={} pool={} acquire_timeout={}ms \
             query_timeout={}ms migrate_on_start={} sqlite_in_process_reads={} token_ttl={}min log={:?} cors={:?} trust_proxy_headers={} \
             static_dir={:?} mail={} job_workers={} event_signals={:?} redis={} storage={} traces={}",
            self.environment,
            self.server.host,
            self.server.port,
            self.server.workers,
            self.server.body_limit_bytes,
            redact_password(&self.database.url),
            self.database.max_connections,
            self.database.acquire_timeout_ms,
            self.database.query_timeout_ms,
            self.database.migrate_on_start,
            self.database.sqlite_in_process_reads,
            self.auth.token_ttl_minutes,
            self.log.format,
            self.cors.allowed_origins,
            self.server.trust_proxy_headers,
            self.server.static_dir,
            self.mail
                .smtp_url
                .as_deref()
                .map_or_else(|| format!("outbox:{}", self.mail.outbox_dir), redact_password),
            self.jobs.workers,
            self.events.signals,
            self.redis.url.as_deref().map_or_else(|| "none".to_owned(), redact_password),
            self.storage.url,
            self.telemetry.otlp_endpoint.as_deref().map_or_else(|| "off".to_owned(), redact_password),
        )
    }
}

impl fmt::Debug for TelemetrySettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelemetrySettings")
            .field("otlp_endpoint", &self.otlp_endpoint.as_deref().map(redact_password))
            .field("service_name", &self.service_name)
            .field("sample_ratio", &self.sample_ratio)
            .field("accept_traceparent", &self.accept_traceparent)
            .finish()
    }
}

/// `postgres://user:secret@host/db` as `postgres://user:***@host/db`.
/// Also `?password=secret` as `?password=***`.
pub(super) fn redact_password(url: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(base, query)| (base, Some(query)));
    let credentials = base.split_once("://").and_then(|(scheme, rest)| {
        let (credentials, host) = rest.rsplit_once('@')?;
        let (user, _password) = credentials.split_once(':')?;
        Some(format!("{scheme}://{user}:***@{host}"))
    });
    let base = credentials.unwrap_or_else(|| base.to_owned());
    let Some(query) = query else { return base };
    let parameters: Vec<String> = query
        .split('&')
        .map(|parameter| match parameter.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
            _ => parameter.to_owned(),
        })
        .collect();
    format!("{base}?{}", parameters.join("&"))
}

impl fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &redact_password(&self.url))
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout_ms", &self.acquire_timeout_ms)
            .field("query_timeout_ms", &self.query_timeout_ms)
            .field("ping_idle_after_ms", &self.ping_idle_after_ms)
            .field("migrate_on_start", &self.migrate_on_start)
            .field("sqlite_in_process_reads", &self.sqlite_in_process_reads)
            .finish()
    }
}

impl fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSettings").field("url", &self.url.as_deref().map(redact_password)).finish()
    }
}

impl fmt::Debug for StorageSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StorageSettings")
            .field("url", &self.url)
            .field("s3_endpoint", &self.s3_endpoint)
            .field("s3_region", &self.s3_region)
            .field("s3_access_key_id", &self.s3_access_key_id)
            .field("s3_secret_access_key", &self.s3_secret_access_key.as_ref().map(|_| "***"))
            .field("max_file_bytes", &self.max_file_bytes)
            .field("quota_bytes", &self.quota_bytes)
            .field("sweep_every_seconds", &self.sweep_every_seconds)
            .finish()
    }
}

impl fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailSettings")
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_password))
            .field("outbox_dir", &self.outbox_dir)
            .field("from", &self.from)
            .field("link_base_url", &self.link_base_url)
            .field("timeout_seconds", &self.timeout_seconds)
            .finish()
    }
}

impl fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthSettings")
            .field("secret", &"[REDACTED]")
            .field("token_ttl_minutes", &self.token_ttl_minutes)
            .field("refresh_reuse_grace_seconds", &self.refresh_reuse_grace_seconds)
            .field("max_concurrent_hashes", &self.max_concurrent_hashes)
            .field("principal_cache_capacity", &self.principal_cache_capacity)
            .field("principal_cache_ttl_seconds", &self.principal_cache_ttl_seconds)
            .finish()
    }
}
