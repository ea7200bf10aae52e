use std::time::Duration;

use mockall::predicate::eq;
use todo_domain::User;

use super::*;
use crate::ports::{
    MockPasswordHasher, MockRateLimiter, MockTokenService, MockUnitOfWork, MockUserRepository,
};
use crate::use_cases::fixtures::{
    clock, opening_sessions, secrets, session, tokens_issuing, unavailable, unlimited, user,
};

fn users_with_ada() -> MockUserRepository {
    let mut users = MockUserRepository::new();
    users.expect_find_by_username().returning(|name| Ok((name.as_str() == "user1").then(|| user(1))));
    users
}

fn hasher_answering(matches: bool, expect_hash: bool) -> MockPasswordHasher {
    let mut hasher = MockPasswordHasher::new();
    hasher
        .expect_verify()
        .withf(move |_, hash| hash.is_some() == expect_hash)
        .times(1)
        .returning(move |_, _| Ok(matches));
    hasher
}

struct Parts {
    users: MockUserRepository,
    hasher: MockPasswordHasher,
    unit_of_work: MockUnitOfWork,
    tokens: MockTokenService,
    limiter: MockRateLimiter,
}

/// A log-in that must fail before any session is opened.
fn refused(users: MockUserRepository, hasher: MockPasswordHasher) -> Parts {
    Parts {
        users,
        hasher,
        unit_of_work: MockUnitOfWork::new(),
        tokens: MockTokenService::new(),
        limiter: unlimited(),
    }
}

async fn log_in(parts: Parts, username: &str, scope: &str) -> Result<IssuedTokens, LogInError> {
    let Parts { users, hasher, unit_of_work, tokens, limiter } = parts;
    let log_in = LogIn::new(
        Arc::new(users),
        Arc::new(hasher),
        Arc::new(unit_of_work),
        Arc::new(secrets()),
        Arc::new(tokens),
        Arc::new(clock()),
        Arc::new(limiter),
    );
    let password = Password::from_attempt("secret".into());
    let attempt = LogInAttempt { username, password, scope, client: "192.0.2.7", user_agent: Some("curl/8") };
    log_in.execute(attempt).await
}

fn succeeding(expected: &Session) -> Parts {
    Parts {
        users: users_with_ada(),
        hasher: hasher_answering(true, true),
        unit_of_work: opening_sessions(expected.clone()),
        tokens: tokens_issuing(expected.scopes.clone()),
        limiter: unlimited(),
    }
}

#[tokio::test]
async fn log_in_opens_a_session_and_issues_both_tokens_for_the_right_password() {
    let issued = log_in(succeeding(&session(1)), "user1", "").await.unwrap();
    assert_eq!(issued.access.expose(), "jwt");
    assert_eq!(issued.refresh, "refresh-secret");
    assert_eq!(issued.scopes.to_string(), "todos:read todos:write");
    assert_eq!(issued.expires_in, chrono::TimeDelta::minutes(30));
}

#[tokio::test]
async fn log_in_narrows_the_session_to_the_scopes_asked_for() {
    let read_only = Session { scopes: Scopes::parse("todos:read").unwrap(), ..session(1) };
    let issued = log_in(succeeding(&read_only), "user1", "todos:read").await.unwrap();
    assert_eq!(issued.scopes.to_string(), "todos:read");
    // `admin` is dropped for a user who may not have it; alone, nothing is left.
    let issued = log_in(succeeding(&read_only), "user1", "admin todos:read").await.unwrap();
    assert_eq!(issued.scopes.to_string(), "todos:read");
    let result = log_in(refused(users_with_ada(), hasher_answering(true, true)), "user1", "admin").await;
    assert!(matches!(result, Err(LogInError::InvalidScope)));
}

#[tokio::test]
async fn log_in_refuses_an_unknown_scope_before_any_work() {
    let result =
        log_in(refused(MockUserRepository::new(), MockPasswordHasher::new()), "user1", "todos:delete").await;
    assert!(matches!(result, Err(LogInError::InvalidScope)));
}

#[tokio::test]
async fn log_in_refuses_a_wrong_password() {
    let result = log_in(refused(users_with_ada(), hasher_answering(false, true)), "user1", "").await;
    assert!(matches!(result, Err(LogInError::InvalidCredentials)));
}

#[tokio::test]
async fn log_in_verifies_against_the_dummy_hash_for_an_unknown_user() {
    let result = log_in(refused(users_with_ada(), hasher_answering(true, false)), "nobody", "").await;
    assert!(matches!(result, Err(LogInError::InvalidCredentials)));
}

#[tokio::test]
async fn log_in_treats_an_impossible_username_as_unknown_without_a_lookup() {
    let users = MockUserRepository::new(); // any lookup would panic
    let result = log_in(refused(users, hasher_answering(true, false)), "no such name!", "").await;
    assert!(matches!(result, Err(LogInError::InvalidCredentials)));
}

#[tokio::test]
async fn log_in_refuses_a_deactivated_user_with_the_right_password() {
    let mut users = MockUserRepository::new();
    users.expect_find_by_username().returning(|_| Ok(Some(User { is_active: false, ..user(1) })));
    let result = log_in(refused(users, hasher_answering(true, true)), "user1", "").await;
    assert!(matches!(result, Err(LogInError::Inactive)));
}

#[tokio::test]
async fn log_in_passes_hashing_token_and_storage_failures_on() {
    let mut hasher = MockPasswordHasher::new();
    hasher.expect_verify().returning(|_, _| Err(HashError("corrupt hash".into())));
    let result = log_in(refused(users_with_ada(), hasher), "user1", "").await;
    assert!(matches!(result, Err(LogInError::Hashing(_))));

    let mut tokens = MockTokenService::new();
    tokens.expect_issue().returning(|_, _| Err(TokenError::Issue("no key".into())));
    let failing = Parts {
        unit_of_work: crate::use_cases::fixtures::opening_sessions_without_commit(session(1)),
        tokens,
        ..refused(users_with_ada(), hasher_answering(true, true))
    };
    let result = log_in(failing, "user1", "").await;
    assert!(matches!(result, Err(LogInError::Token(TokenError::Issue(_)))));

    let mut users = MockUserRepository::new();
    users.expect_find_by_username().returning(|_| Err(unavailable()));
    let result = log_in(refused(users, MockPasswordHasher::new()), "user1", "").await;
    assert!(matches!(result, Err(LogInError::Repository(_))));
}

#[tokio::test]
async fn log_in_counts_a_failure_against_the_username_and_the_client() {
    let mut limiter = MockRateLimiter::new();
    limiter
        .expect_acquire()
        .with(eq(Limit::FailedLoginsPerUsername), eq("user1"))
        .times(1)
        .returning(|_, _| Ok(()));
    limiter
        .expect_acquire()
        .with(eq(Limit::FailedLoginsPerClient), eq("192.0.2.7"))
        .times(1)
        .returning(|_, _| Ok(()));
    limiter.expect_forgive().never();
    let parts = Parts { limiter, ..refused(users_with_ada(), hasher_answering(false, true)) };
    assert!(matches!(log_in(parts, "user1", "").await, Err(LogInError::InvalidCredentials)));
}

#[tokio::test]
async fn log_in_forgives_both_counts_when_it_succeeds() {
    let mut limiter = MockRateLimiter::new();
    limiter.expect_acquire().times(2).returning(|_, _| Ok(()));
    limiter.expect_forgive().with(eq(Limit::FailedLoginsPerUsername), eq("user1")).times(1).return_const(());
    limiter
        .expect_forgive()
        .with(eq(Limit::FailedLoginsPerClient), eq("192.0.2.7"))
        .times(1)
        .return_const(());
    let parts = Parts { limiter, ..succeeding(&session(1)) };
    assert!(log_in(parts, "user1", "").await.is_ok());
}

#[tokio::test]
async fn log_in_refuses_before_checking_any_password_once_a_limit_is_reached() {
    for exhausted in [Limit::FailedLoginsPerUsername, Limit::FailedLoginsPerClient] {
        let mut limiter = MockRateLimiter::new();
        limiter.expect_acquire().returning(move |limit, _| {
            if limit == exhausted { Err(RetryAfter(Duration::from_secs(42)).into()) } else { Ok(()) }
        });
        // A place taken under the first limit is given back when the second refuses.
        let forgiven = usize::from(exhausted == Limit::FailedLoginsPerClient);
        limiter.expect_forgive().times(forgiven).return_const(());
        // No lookup, no hashing: the mocks would panic if called.
        let parts = Parts { limiter, ..refused(MockUserRepository::new(), MockPasswordHasher::new()) };
        let result = log_in(parts, "user1", "").await;
        assert!(matches!(result, Err(LogInError::TooManyAttempts(RetryAfter(d))) if d.as_secs() == 42));
    }
}
