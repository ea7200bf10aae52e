//! Shared values for the use-case tests.

use chrono::{TimeZone, Utc};
use todo_domain::{
    ApiKeyId, EmailAddress, PasswordHash, Revision, Scopes, Session, SessionId, Timestamp, Todo,
    TodoDescription, TodoId, TodoTitle, User, UserId, Username,
};

use mockall::predicate::eq;

use crate::ports::{
    AccessToken, IssuedSecret, MockClock, MockRateLimiter, MockSecrets, MockSessionRepository,
    MockTodoRepository, MockTokenService, MockTransaction, MockUnitOfWork, RepositoryError,
    SessionRepository, TokenHash,
};

pub fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 21, 10, 15, 30).unwrap()
}

pub fn clock() -> MockClock {
    let mut clock = MockClock::new();
    clock.expect_now().returning(now);
    clock
}

pub fn user_id(raw: i64) -> UserId {
    UserId::new(raw).unwrap()
}

pub fn todo_id(raw: i64) -> TodoId {
    TodoId::new(raw).unwrap()
}

pub fn user(id: i64) -> User {
    User {
        id: user_id(id),
        username: Username::parse(format!("user{id}")).unwrap(),
        email: EmailAddress::parse(format!("user{id}@example.com")).unwrap(),
        password_hash: PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        is_superuser: false,
        is_active: true,
        created_at: now(),
    }
}

pub fn todo(id: i64, owner: i64) -> Todo {
    Todo {
        id: todo_id(id),
        owner: user_id(owner),
        title: TodoTitle::parse(format!("todo {id}")).unwrap(),
        description: Some(TodoDescription::parse("details").unwrap()),
        completed: false,
        created_at: now(),
        updated_at: None,
        revision: Revision::FIRST,
    }
}

pub fn api_key_id() -> ApiKeyId {
    ApiKeyId::parse("fedcba9876543210fedcba9876543210").unwrap()
}

pub fn session_id() -> SessionId {
    SessionId::parse("0123456789abcdef0123456789abcdef").unwrap()
}

/// A session of user `owner`, opened at `now()` with every todo scope.
pub fn session(owner: i64) -> Session {
    Session::open(session_id(), user_id(owner), Scopes::allowed_for(false), Some("curl/8"), now())
}

pub fn unavailable() -> RepositoryError {
    RepositoryError::Unavailable("connection refused".into())
}

/// A rate limiter that never limits.
pub fn unlimited() -> MockRateLimiter {
    let mut limiter = MockRateLimiter::new();
    limiter.expect_acquire().returning(|_, _| Ok(()));
    limiter.expect_forgive().return_const(());
    limiter
}

/// A todo repository whose `find(1)` returns `found`; any other call panics unless expected.
pub fn todos_holding(found: Option<Todo>) -> MockTodoRepository {
    let mut todos = MockTodoRepository::new();
    todos.expect_find().with(eq(todo_id(1))).returning(move |_| Ok(found.clone()));
    todos
}

/// Secrets that are always the same: session `session_id()`, refresh token `refresh-secret`
/// (hashed as `hash-of-<secret>`).
pub fn secrets() -> MockSecrets {
    let mut secrets = MockSecrets::new();
    secrets.expect_session_id().returning(session_id);
    secrets.expect_api_key_id().returning(api_key_id);
    secrets.expect_issue().returning(|| IssuedSecret {
        secret: "refresh-secret".into(),
        hash: TokenHash("hash-of-refresh-secret".into()),
    });
    secrets.expect_hash().returning(|secret| TokenHash(format!("hash-of-{secret}")));
    secrets
}

/// A token service that signs `jwt` for user 1's session with `scopes`, valid 30 minutes.
pub fn tokens_issuing(scopes: todo_domain::Scopes) -> MockTokenService {
    let mut tokens = MockTokenService::new();
    tokens
        .expect_issue()
        .withf(move |claims, at| {
            claims.user == user_id(1)
                && claims.session == session_id()
                && claims.scopes == scopes
                && *at == now()
        })
        .returning(|_, _| Ok(AccessToken::new("jwt".into())));
    tokens.expect_lifetime().return_const(chrono::TimeDelta::minutes(30));
    tokens
}

/// A unit of work whose one transaction stores `expected` and its first refresh token.
pub fn opening_sessions(expected: Session) -> MockUnitOfWork {
    unit_of_work_opening(expected, true)
}

/// The same, for a log-in that fails after storing and must not commit.
pub fn opening_sessions_without_commit(expected: Session) -> MockUnitOfWork {
    unit_of_work_opening(expected, false)
}

fn unit_of_work_opening(expected: Session, commits: bool) -> MockUnitOfWork {
    let mut sessions = MockSessionRepository::new();
    let expires_at = expected.refresh_token_expiry(now());
    sessions.expect_insert().withf(move |session| *session == expected).times(1).returning(|_| Ok(()));
    sessions
        .expect_insert_refresh_token()
        .withf(move |token| {
            token.hash.0 == "hash-of-refresh-secret"
                && token.session == session_id()
                && token.expires_at == expires_at
        })
        .times(1)
        .returning(|_| Ok(()));
    transaction_with(sessions, commits)
}

/// A unit of work whose one transaction works through `sessions`, committed once when
/// `commits`, never otherwise.
pub fn transaction_with(sessions: MockSessionRepository, commits: bool) -> MockUnitOfWork {
    transaction_with_users(sessions, crate::ports::MockUserRepository::new(), commits)
}

/// The same, with `users` for the transaction's user repository.
pub fn transaction_with_users(
    sessions: MockSessionRepository,
    users: crate::ports::MockUserRepository,
    commits: bool,
) -> MockUnitOfWork {
    transaction_with_resets(sessions, users, crate::ports::MockPasswordResetRepository::new(), commits)
}

/// The same, with `resets` for the transaction's password-reset tokens.
pub fn transaction_with_resets(
    sessions: MockSessionRepository,
    users: crate::ports::MockUserRepository,
    resets: crate::ports::MockPasswordResetRepository,
    commits: bool,
) -> MockUnitOfWork {
    let mut transaction = MockTransaction::new();
    transaction.expect_sessions().return_const(Box::new(sessions) as Box<dyn SessionRepository>);
    transaction.expect_users().return_const(Box::new(users) as Box<dyn crate::ports::UserRepository>);
    transaction
        .expect_password_resets()
        .return_const(Box::new(resets) as Box<dyn crate::ports::PasswordResetRepository>);
    transaction.expect_commit().times(usize::from(commits)).returning(|| Ok(()));
    let mut unit_of_work = MockUnitOfWork::new();
    unit_of_work.expect_begin().return_once(move || Ok(Box::new(transaction)));
    unit_of_work
}

/// Signals that expect `user` to be told `signal`, exactly `times` times, and nothing else.
pub fn signalling(user: i64, signal: crate::ports::Signal, times: usize) -> crate::ports::MockEventSignals {
    let mut signals = crate::ports::MockEventSignals::new();
    signals.expect_publish().with(eq(user_id(user)), eq(signal)).times(times).return_const(());
    signals
}

/// Signals that must not be told anything.
pub fn silent() -> crate::ports::MockEventSignals {
    crate::ports::MockEventSignals::new()
}
