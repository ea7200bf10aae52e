//! Shared values for the use-case tests.

use chrono::{TimeZone, Utc};
use todo_domain::{
    EmailAddress, PasswordHash, Timestamp, Todo, TodoDescription, TodoId, TodoTitle, User, UserId, Username,
};

use mockall::predicate::eq;

use crate::ports::{MockClock, MockRateLimiter, MockTodoRepository, RepositoryError};

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
    }
}

pub fn unavailable() -> RepositoryError {
    RepositoryError::Unavailable("connection refused".into())
}

/// A rate limiter that never limits.
pub fn unlimited() -> MockRateLimiter {
    let mut limiter = MockRateLimiter::new();
    limiter.expect_check().returning(|_, _| Ok(()));
    limiter.expect_record().return_const(());
    limiter
}

/// A todo repository whose `find(1)` returns `found`; any other call panics unless expected.
pub fn todos_holding(found: Option<Todo>) -> MockTodoRepository {
    let mut todos = MockTodoRepository::new();
    todos.expect_find().with(eq(todo_id(1))).returning(move |_| Ok(found.clone()));
    todos
}
