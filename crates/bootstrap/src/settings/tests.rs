use super::printed::redact_password;
use super::*;

fn production_with_secret(secret: &str) -> Settings {
    let mut settings = Settings::defaults().unwrap();
    settings.environment = Environment::Production;
    settings.auth.secret = secret.into();
    settings
}

#[test]
fn the_defaults_describe_a_development_service_on_sqlite() {
    let settings = Settings::defaults().unwrap();
    assert_eq!(settings.environment, Environment::Development);
    assert_eq!((settings.server.host.as_str(), settings.server.port), ("127.0.0.1", 8000));
    assert_eq!(settings.database.url, "sqlite://todo.db");
    assert_eq!(settings.server.body_limit_bytes, 1024 * 1024);
    assert_eq!(settings.auth.token_ttl_minutes, 30);
    assert!(settings.check().is_ok());
}

#[test]
fn production_refuses_a_default_empty_or_short_secret() {
    assert!(matches!(production_with_secret(DEVELOPMENT_SECRET).check(), Err(SettingsError::DefaultSecret)));
    assert!(matches!(production_with_secret("").check(), Err(SettingsError::DefaultSecret)));
    assert!(matches!(production_with_secret(&"x".repeat(31)).check(), Err(SettingsError::ShortSecret(31))));
    assert!(production_with_secret(&"x".repeat(32)).check().is_ok());
}

#[test]
fn production_refuses_cors_open_to_any_origin() {
    let mut settings = production_with_secret(&"x".repeat(40));
    settings.cors.allowed_origins = Some(vec!["*".into()]);
    assert!(matches!(settings.check(), Err(SettingsError::AnyOriginInProduction)));
}

#[test]
fn the_summary_shows_no_secret_and_no_database_password() {
    let mut settings = production_with_secret("a very secret signing key of some length");
    settings.database.url = "postgres://todo:hunter2@db.internal:5432/todo".into();
    let summary = settings.summary();
    assert!(summary.contains("database=postgres://todo:***@db.internal:5432/todo"), "{summary}");
    assert!(!summary.contains("hunter2") && !summary.contains("very secret"), "{summary}");
    assert_eq!(redact_password("sqlite://todo.db"), "sqlite://todo.db");
    assert_eq!(
        redact_password("postgres://db/app?sslmode=require&password=hunter2"),
        "postgres://db/app?sslmode=require&password=***"
    );
    assert_eq!(
        redact_password("smtps://mailer:p@ss@smtp.example.com:465"),
        "smtps://mailer:***@smtp.example.com:465"
    );
}

#[test]
fn no_password_of_the_database_or_the_mail_server_appears_in_debug_output() {
    let mut settings = production_with_secret("a very secret signing key of some length");
    settings.database.url = "postgres://todo:hunter2@db.internal:5432/todo".into();
    settings.mail.smtp_url = Some("smtps://mailer:mailpass@smtp.example.com".into());
    let printed = format!("{settings:?} {}", settings.summary());
    assert!(!printed.contains("hunter2") && !printed.contains("mailpass"), "{printed}");
    assert!(printed.contains("mailer:***@smtp.example.com"), "{printed}");
}

#[test]
fn a_job_lease_shorter_than_a_job_may_take_is_refused() {
    let mut settings = Settings::defaults().unwrap();
    settings.jobs.lease_seconds = 30;
    settings.mail.timeout_seconds = 30;
    assert!(matches!(settings.check(), Err(SettingsError::LeaseTooShort { .. })));
    settings.jobs.lease_seconds = 36;
    assert!(settings.check().is_ok());
}

#[test]
fn redis_signals_and_limits_need_a_redis_url_whose_password_is_never_printed() {
    let mut settings = Settings::defaults().unwrap();
    settings.events.signals = super::SignalTransport::Redis;
    assert!(matches!(settings.check(), Err(SettingsError::RedisUrlMissing("events.signals"))));
    settings.events.signals = super::SignalTransport::Database;
    settings.rate_limit.backend = super::LimitBackend::Redis;
    assert!(matches!(settings.check(), Err(SettingsError::RedisUrlMissing("rate_limit.backend"))));
    settings.events.signals = super::SignalTransport::Redis;
    settings.redis.url = Some("redis://:redispass@cache.internal:6379/0".into());
    assert!(settings.check().is_ok());
    let printed = format!("{settings:?} {}", settings.summary());
    assert!(!printed.contains("redispass"), "{printed}");
}

#[test]
fn the_secret_never_appears_in_debug_output() {
    let settings = production_with_secret("a very secret signing key of some length");
    assert!(!format!("{settings:?}").contains("very secret"));
}
