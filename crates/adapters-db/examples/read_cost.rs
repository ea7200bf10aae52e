//! The hot reads on one idle thread: the repositories with SQLite reads through sqlx and
//! in-process, against the same statements on bare rusqlite, the floor of any SQLite
//! adapter (docs/adr/0001-sqlite-driver.md).
//! `cargo run --release -p todo-adapters-db --example read_cost`

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};
use todo_adapters_db::testing::{Backend, TestDatabase};
use todo_adapters_db::{DatabaseOptions, SeaOrmTodoRepository, SeaOrmUserRepository, connect, migrate_up};
use todo_application::ports::{TodoRepository, UserRepository};
use todo_domain::{
    EmailAddress, NewTodo, NewUser, Page, PasswordHash, TodoDescription, TodoFilter, TodoTitle, UserId,
    Username,
};

const ROUNDS: u32 = 20_000;
const USER_BY_ID: &str =
    "SELECT id, username, email, password_hash, is_active, created_at FROM users WHERE id = ? LIMIT 1";
const TODOS_OF_USER: &str = "SELECT id, user_id, title, description, completed, created_at, updated_at \
     FROM todos WHERE user_id = ? ORDER BY id LIMIT 100 OFFSET 0";

/// Runs `read` ROUNDS times and prints the mean time of one.
async fn time<F: Future<Output = ()>>(name: &str, mut read: impl FnMut() -> F) {
    let started = Instant::now();
    for _ in 0..ROUNDS {
        read().await;
    }
    println!("{name:<46} {:>7.2} us", started.elapsed().as_secs_f64() * 1e6 / f64::from(ROUNDS));
}

fn bare_user(connection: &Connection, id: i64) -> rusqlite::Result<()> {
    let mut statement = connection.prepare_cached(USER_BY_ID)?;
    let mut rows = statement.query([id])?;
    let row = rows.next()?.expect("the user");
    let user: (i64, String, String, String, bool, String) =
        (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?);
    assert!(DateTime::parse_from_rfc3339(&user.5).is_ok());
    Ok(())
}

fn bare_list(connection: &Connection, owner: i64) -> rusqlite::Result<()> {
    let mut statement = connection.prepare_cached(TODOS_OF_USER)?;
    let mut rows = statement.query([owner])?;
    let mut todos = Vec::new();
    while let Some(row) = rows.next()? {
        let todo: (i64, i64, String, Option<String>, bool, String, Option<String>) =
            (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?);
        assert!(DateTime::parse_from_rfc3339(&todo.5).is_ok());
        todos.push(todo);
    }
    assert_eq!(todos.len(), 20);
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let options = |in_process_reads| DatabaseOptions {
        url: database.url.clone(),
        max_connections: 4,
        acquire_timeout: Duration::from_secs(2),
        query_timeout: Duration::from_secs(5),
        in_process_reads,
        http_threads: 0,
        ping_idle_after: Duration::ZERO,
    };
    let pool = connect(&options(true)).await.expect("connections");
    migrate_up(pool.db()).await.expect("migrations");
    let users = SeaOrmUserRepository::new(&pool, Duration::from_secs(5));
    let todos = SeaOrmTodoRepository::new(&pool, Duration::from_secs(5));
    let sqlx_pool = connect(&options(false)).await.expect("connections");
    let sqlx_users = SeaOrmUserRepository::new(&sqlx_pool, Duration::from_secs(5));
    let sqlx_todos = SeaOrmTodoRepository::new(&sqlx_pool, Duration::from_secs(5));
    let new_user = NewUser {
        username: Username::parse("bench").expect("valid"),
        email: EmailAddress::parse("bench@example.com").expect("valid"),
        password_hash: PasswordHash::new("$argon2id$unused".to_owned()),
        is_superuser: false,
        created_at: Utc::now(),
    };
    let user: UserId = users.insert(new_user).await.expect("insert").id;
    for i in 0..20 {
        let todo = NewTodo {
            owner: user,
            title: TodoTitle::parse(format!("todo {i}")).expect("valid"),
            description: Some(TodoDescription::parse("seeded").expect("valid")),
            completed: false,
            created_at: Utc::now(),
        };
        todos.insert(todo).await.expect("insert");
    }
    let path = database.url.trim_start_matches("sqlite://");
    let bare = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("a reader");

    for _ in 0..2 {
        time("bare rusqlite: user by id", || async { bare_user(&bare, user.get()).expect("read") }).await;
        time("bare rusqlite: 20 todos of a user", || async { bare_list(&bare, user.get()).expect("read") })
            .await;
        time("repository, in-process: users.find_by_id", || async {
            users.find_by_id(user).await.expect("read").expect("the user");
        })
        .await;
        time("repository, in-process: todos.list (20 rows)", || async {
            let page = todos.list(user, TodoFilter::default(), Page::default()).await.expect("read");
            assert_eq!(page.len(), 20);
        })
        .await;
        time("repository, sqlx: users.find_by_id", || async {
            sqlx_users.find_by_id(user).await.expect("read").expect("the user");
        })
        .await;
        time("repository, sqlx: todos.list (20 rows)", || async {
            let page = sqlx_todos.list(user, TodoFilter::default(), Page::default()).await.expect("read");
            assert_eq!(page.len(), 20);
        })
        .await;
    }
}
