//! Rate limits counted in Redis: one quota for every replica, and a configured answer when
//! Redis cannot be reached.

use serde_json::json;
use todo_bootstrap::settings::{LimitBackend, QuotaSettings, WhenLimitStoreUnavailable};
use todo_tests::{Backend, PASSWORD, TestApp, spawn_app_with};

fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// A key prefix no other test or run uses.
fn fresh_prefix() -> String {
    format!("test:shared_limits:{}", uuid::Uuid::new_v4())
}

async fn unavailable_count(app: &TestApp) -> u64 {
    let metrics = app.get("/metrics", None).await.text();
    let line = metrics
        .lines()
        .find(|line| line.starts_with("rate_limit_store_unavailable_total "))
        .unwrap_or_else(|| panic!("no rate_limit_store_unavailable_total in {metrics}"));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

#[actix_web::test]
#[ignore = "needs PostgreSQL and Redis: TEST_POSTGRES_URL=... cargo test -- --include-ignored"]
async fn three_replicas_allow_the_configured_failed_logins_once_not_three_times_postgres() {
    let prefix = fresh_prefix();
    let first = spawn_app_with(Backend::Postgres, |settings| {
        settings.redis.url = Some(redis_url());
        settings.rate_limit.backend = LimitBackend::Redis;
        settings.rate_limit.key_prefix = prefix;
        settings.rate_limit.failed_logins_per_username = QuotaSettings { max: 4, window_seconds: 600 };
    })
    .await;
    let replicas = [first.spawn_replica().await, first.spawn_replica().await];
    let replicas: Vec<&TestApp> = std::iter::once(&first).chain(replicas.iter()).collect();
    replicas[0].user_token("ada").await;
    let mut statuses = Vec::new();
    for attempt in 0..12 {
        let replica = replicas[attempt % replicas.len()];
        statuses.push(replica.log_in(&[("username", "ada"), ("password", "wrong guess")]).await.status);
    }
    assert_eq!(statuses.iter().filter(|status| **status == 401).count(), 4, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|status| **status == 429).count(), 8, "{statuses:?}");
    for replica in &replicas {
        let locked = replica.log_in(&[("username", "ada"), ("password", PASSWORD)]).await;
        assert_eq!(locked.status, 429, "every replica refuses, even the right password");
        assert_eq!(unavailable_count(replica).await, 0);
    }
}

#[actix_web::test]
async fn an_unreachable_redis_refuses_log_ins_with_503_when_so_configured() {
    let app = spawn_app_with(Backend::Sqlite, |settings| {
        // Nothing listens on port 1 of loopback.
        settings.redis.url = Some("redis://127.0.0.1:1".to_owned());
        settings.rate_limit.backend = LimitBackend::Redis;
        settings.rate_limit.when_unavailable = WhenLimitStoreUnavailable::Refuse;
    })
    .await;
    let refused = app.log_in(&[("username", "ada"), ("password", PASSWORD)]).await;
    assert_eq!(refused.status, 503, "{}", refused.text());
    assert_eq!(refused.json(), json!({ "detail": "Service temporarily unavailable" }));
    let registration = app.register("ada", "ada@example.com", PASSWORD).await;
    assert_eq!(registration.status, 503, "{}", registration.text());
    assert_eq!(unavailable_count(&app).await, 2);
}

#[actix_web::test]
async fn an_unreachable_redis_means_local_counts_by_default() {
    let app = spawn_app_with(Backend::Sqlite, |settings| {
        settings.redis.url = Some("redis://127.0.0.1:1".to_owned());
        settings.rate_limit.backend = LimitBackend::Redis;
        settings.rate_limit.failed_logins_per_username = QuotaSettings { max: 2, window_seconds: 600 };
    })
    .await;
    app.user_token("ada").await;
    let before = unavailable_count(&app).await;
    for _ in 0..2 {
        assert_eq!(app.log_in(&[("username", "ada"), ("password", "wrong guess")]).await.status, 401);
    }
    assert_eq!(app.log_in(&[("username", "ada"), ("password", "wrong guess")]).await.status, 429);
    // Two failed log-ins checked against two limits each, and one refused at the first:
    // every one answered without Redis, and counted.
    assert_eq!(unavailable_count(&app).await - before, 5);
}
