//! What only SQLite has: a file another process can lock, in-memory databases, URLs.

use std::time::{Duration, Instant};

use chrono::Utc;
use tempfile::TempDir;
use todo_adapters_db::{
    DatabaseOptions, Pool, SeaOrmTodoRepository, SeaOrmUnitOfWork, SeaOrmUserRepository, connect, migrate_up,
};
use todo_application::ports::{RepositoryError, TodoRepository, UnitOfWork, UserRepository};
use todo_domain::{EmailAddress, NewTodo, NewUser, PasswordHash, TodoTitle, User, Username};

fn options(url: &str, in_process_reads: bool, deadline: Duration) -> DatabaseOptions {
    DatabaseOptions {
        url: url.to_owned(),
        max_connections: 4,
        acquire_timeout: deadline,
        query_timeout: deadline,
        in_process_reads,
        http_threads: 0,
        ping_idle_after: Duration::ZERO,
    }
}

fn file_url(directory: &TempDir) -> String {
    format!("sqlite://{}", directory.path().join("todo.db").display())
}

fn new_user(name: &str) -> NewUser {
    NewUser {
        username: Username::parse(name).unwrap(),
        email: EmailAddress::parse(format!("{name}@example.com")).unwrap(),
        password_hash: PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        is_superuser: false,
        created_at: Utc::now(),
    }
}

fn new_todo(owner: &User) -> NewTodo {
    NewTodo {
        owner: owner.id,
        title: TodoTitle::parse("one").unwrap(),
        description: None,
        completed: false,
        created_at: Utc::now(),
    }
}

async fn migrated(options: &DatabaseOptions) -> Pool {
    let pool = connect(options).await.unwrap();
    migrate_up(pool.db()).await.unwrap();
    pool
}

/// Another process holds the write lock: writes and transactions give up with
/// `Unavailable` once the deadline has passed (never before, never long after), reads go
/// on as if nothing happened, and once the lock is released everything works again.
async fn a_locked_file_makes_writes_unavailable_within_the_deadline_while_reads_go_on(
    in_process_reads: bool,
) {
    let directory = tempfile::tempdir().unwrap();
    let deadline = Duration::from_millis(300);
    let pool = migrated(&options(&file_url(&directory), in_process_reads, deadline)).await;
    let (users, todos) =
        (SeaOrmUserRepository::new(&pool, deadline), SeaOrmTodoRepository::new(&pool, deadline));
    let unit_of_work = SeaOrmUnitOfWork::new(&pool, deadline);
    let ada = users.insert(new_user("ada")).await.unwrap();

    let other = rusqlite::Connection::open(directory.path().join("todo.db")).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    for attempt in 0..2 {
        let started = Instant::now();
        let refused = todos.insert(new_todo(&ada)).await;
        let waited = started.elapsed();
        assert!(matches!(refused, Err(RepositoryError::Unavailable(_))), "attempt {attempt}: {refused:?}");
        assert!(waited >= deadline && waited < deadline * 4, "attempt {attempt} gave up after {waited:?}");
    }
    let started = Instant::now();
    let refused = unit_of_work.begin().await.err();
    assert!(matches!(refused, Some(RepositoryError::Unavailable(_))), "{refused:?}");
    assert!(started.elapsed() < deadline * 4, "begin gave up after {:?}", started.elapsed());
    let started = Instant::now();
    assert_eq!(users.find_by_id(ada.id).await.unwrap(), Some(ada.clone()));
    assert!(started.elapsed() < deadline, "a read waited {:?}", started.elapsed());

    other.execute_batch("ROLLBACK").unwrap();
    assert!(todos.insert(new_todo(&ada)).await.is_ok(), "writes did not recover");
    let transaction = unit_of_work.begin().await.unwrap();
    transaction.todos().insert(new_todo(&ada)).await.unwrap();
    transaction.commit().await.unwrap();
}

#[tokio::test]
async fn a_locked_file_makes_writes_unavailable_within_the_deadline_while_in_process_reads_go_on() {
    a_locked_file_makes_writes_unavailable_within_the_deadline_while_reads_go_on(true).await;
}

#[tokio::test]
async fn a_locked_file_makes_writes_unavailable_within_the_deadline_while_sqlx_reads_go_on() {
    a_locked_file_makes_writes_unavailable_within_the_deadline_while_reads_go_on(false).await;
}

#[tokio::test]
async fn an_in_memory_database_keeps_its_rows_and_runs_transactions() {
    let deadline = Duration::from_secs(5);
    let pool = migrated(&options("sqlite::memory:", true, deadline)).await;
    let users = SeaOrmUserRepository::new(&pool, deadline);
    let transaction = SeaOrmUnitOfWork::new(&pool, deadline).begin().await.unwrap();
    let ada = transaction.users().insert(new_user("ada")).await.unwrap();
    transaction.commit().await.unwrap();
    assert_eq!(users.find_by_id(ada.id).await.unwrap(), Some(ada));
    assert_eq!(pool.stats().unwrap().max, 1, "one connection, which does everything");
}

#[tokio::test]
async fn urls_it_cannot_honour_are_refused_at_connect() {
    let options = |url: &str| options(url, true, Duration::from_secs(1));
    let error = connect(&options("sqlite://todo.db?cache=shared")).await.unwrap_err();
    assert!(error.to_string().contains("unsupported parameter `cache=shared`"), "{error}");
    let directory = tempfile::tempdir().unwrap();
    let missing = format!("{}?mode=rw", file_url(&directory));
    assert!(connect(&options(&missing)).await.is_err(), "mode=rw created a missing file");
    assert!(!directory.path().join("todo.db").exists());
}

#[tokio::test]
async fn the_pool_reports_every_connection() {
    let directory = tempfile::tempdir().unwrap();
    let pool = migrated(&options(&file_url(&directory), true, Duration::from_secs(1))).await;
    // Of 4: two writers, two sqlx readers, and two in-process readers besides.
    assert_eq!(pool.stats().unwrap().max, 6);
}
