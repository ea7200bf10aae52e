//! Constructor injection, in one place: adapters are built from settings, use
//! cases from adapters, and the HTTP state from use cases. Reading this file
//! tells which implementation stands behind every port.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use todo_adapters_auth::{
    Argon2PasswordHasher, HashingParams, InMemoryRateLimiter, JwtSettings, JwtTokenService, Quota, Quotas,
    SystemClock,
};
use todo_adapters_db::{Pool, SeaOrmHealthCheck, SeaOrmTodoRepository, SeaOrmUserRepository};
use todo_adapters_http::AppState;
use todo_application::ports::{
    Clock, HealthCheck, PasswordHasher, RateLimiter, TodoRepository, TokenService, UserRepository,
};
use todo_application::use_cases::{
    Authenticate, CheckReadiness, CreateTodo, DeleteTodo, GetTodo, ListTodos, LogIn, RegisterUser,
    ReplaceTodo, UpdateTodo,
};

use crate::settings::{QuotaSettings, Settings};

/// How long the readiness probe waits for the database.
const READINESS_TIMEOUT: Duration = Duration::from_secs(1);

/// Builds every use case over the real adapters.
///
/// # Errors
/// When the password hasher refuses its parameters.
pub fn app_state(settings: &Settings, pool: &Pool) -> anyhow::Result<AppState> {
    let deadline = settings.database.query_timeout();
    let users: Arc<dyn UserRepository> = Arc::new(SeaOrmUserRepository::new(pool, deadline));
    let todos: Arc<dyn TodoRepository> = Arc::new(SeaOrmTodoRepository::new(pool, deadline));
    let database: Arc<dyn HealthCheck> = Arc::new(SeaOrmHealthCheck::new(pool, READINESS_TIMEOUT));
    let hasher: Arc<dyn PasswordHasher> = Arc::new(
        Argon2PasswordHasher::new(HashingParams::default(), settings.auth.max_concurrent_hashes)
            .map_err(|error| anyhow::anyhow!("argon2 parameters: {error}"))?,
    );
    let tokens: Arc<dyn TokenService> = Arc::new(JwtTokenService::new(JwtSettings {
        secret: settings.auth.secret.clone(),
        ttl: TimeDelta::minutes(settings.auth.token_ttl_minutes),
    }));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let limits = &settings.rate_limit;
    let limiter: Arc<dyn RateLimiter> = Arc::new(InMemoryRateLimiter::new(Quotas {
        failed_logins_per_username: quota(limits.failed_logins_per_username),
        failed_logins_per_client: quota(limits.failed_logins_per_client),
        registrations_per_client: quota(limits.registrations_per_client),
    }));

    Ok(AppState {
        register_user: RegisterUser::new(users.clone(), hasher.clone(), clock.clone(), limiter.clone()),
        log_in: LogIn::new(users.clone(), hasher, tokens.clone(), clock.clone(), limiter),
        authenticate: Authenticate::new(users, tokens),
        check_readiness: CheckReadiness::new(database),
        create_todo: CreateTodo::new(todos.clone(), clock.clone()),
        list_todos: ListTodos::new(todos.clone()),
        get_todo: GetTodo::new(todos.clone()),
        update_todo: UpdateTodo::new(todos.clone(), clock.clone()),
        replace_todo: ReplaceTodo::new(todos.clone(), clock),
        delete_todo: DeleteTodo::new(todos),
    })
}

fn quota(settings: QuotaSettings) -> Quota {
    Quota { max: settings.max, window: Duration::from_secs(settings.window_seconds) }
}
