//! What writing an event with every todo change costs, before choosing how (issue 13: every
//! change writes its event in the same transaction as the change). Three ways on one table:
//!
//! 1. today's `POST /todos/`: one `INSERT` through the repository, no event;
//! 2. the use case in a unit of work: `BEGIN`, the `INSERT`, the user's event counter bumped
//!    (which serialises one user's writers, so event ids follow commit order), the event's
//!    `INSERT`, `COMMIT`: five statements;
//! 3. a trigger that does the counter and the event inside the `INSERT`'s own transaction.
//!
//! Each is timed one write after another (the write lock's hold time bounds SQLite's write
//! throughput), with 64 writers of 64 users, and with 64 writers of one user. PostgreSQL adds
//! `pg_notify` in the trigger, after the commit, and coalesced (one per 5 ms for every user
//! written since). Its own tables beside the schema, used by nothing in the service. Run with
//! `cargo run --release -p todo-adapters-db --example event_write_cost` (and `TEST_POSTGRES_URL`).

mod ways;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use todo_adapters_db::testing::{Backend, TestDatabase};
use todo_adapters_db::{
    DatabaseOptions, Pool, SeaOrmTodoRepository, SeaOrmUserRepository, connect, migrate_up,
};
use todo_application::ports::{TodoRepository, UserRepository};
use todo_domain::{EmailAddress, NewTodo, NewUser, PasswordHash, TodoTitle, UserId, Username};
use ways::Way;

const WARM_UP: u32 = 200;
const SEQUENTIAL: u32 = 3_000;
const WRITERS: u32 = 64;
const PER_WRITER: u32 = 100;

const SQLITE_SCHEMA: &[&str] = &[
    "ALTER TABLE users ADD COLUMN last_event_id BIGINT NOT NULL DEFAULT 0",
    "CREATE TABLE exp_events (user_id BIGINT NOT NULL, id BIGINT NOT NULL, kind TEXT NOT NULL, \
     todo_id BIGINT NOT NULL, title TEXT, description TEXT, completed BOOLEAN, \
     created_at TEXT NOT NULL, PRIMARY KEY (user_id, id))",
    "CREATE TABLE exp_todos AS SELECT * FROM todos WHERE 0",
    "CREATE TRIGGER exp_todos_created AFTER INSERT ON exp_todos BEGIN \
       UPDATE users SET last_event_id = last_event_id + 1 WHERE id = NEW.user_id; \
       INSERT INTO exp_events SELECT NEW.user_id, last_event_id, 'todo.created', NEW.rowid, \
         NEW.title, NEW.description, NEW.completed, NEW.created_at FROM users WHERE id = NEW.user_id; \
     END",
];

const POSTGRES_SCHEMA: &[&str] = &[
    "ALTER TABLE users ADD COLUMN last_event_id BIGINT NOT NULL DEFAULT 0",
    "CREATE TABLE exp_events (user_id BIGINT NOT NULL, id BIGINT NOT NULL, kind TEXT NOT NULL, \
     todo_id BIGINT NOT NULL, title TEXT, description TEXT, completed BOOLEAN, \
     created_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (user_id, id))",
    "CREATE TABLE exp_todos (id BIGSERIAL PRIMARY KEY, user_id BIGINT NOT NULL, title TEXT NOT NULL, \
     description TEXT, completed BOOLEAN NOT NULL, created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ)",
    "CREATE FUNCTION exp_todo_created() RETURNS trigger AS $$ BEGIN \
       WITH bumped AS (UPDATE users SET last_event_id = last_event_id + 1 WHERE id = NEW.user_id \
                       RETURNING last_event_id) \
       INSERT INTO exp_events SELECT NEW.user_id, last_event_id, 'todo.created', NEW.id, NEW.title, \
         NEW.description, NEW.completed, NEW.created_at FROM bumped; \
       RETURN NEW; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER exp_todos_created AFTER INSERT ON exp_todos FOR EACH ROW EXECUTE FUNCTION exp_todo_created()",
    "CREATE TABLE exp_todos_notified (LIKE exp_todos INCLUDING DEFAULTS)",
    "CREATE FUNCTION exp_todo_notified() RETURNS trigger AS $$ BEGIN \
       PERFORM pg_notify('exp_events', NEW.user_id::TEXT); RETURN NEW; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER exp_todos_created AFTER INSERT ON exp_todos_notified FOR EACH ROW EXECUTE FUNCTION exp_todo_created()",
    "CREATE TRIGGER exp_todos_notified AFTER INSERT ON exp_todos_notified FOR EACH ROW EXECUTE FUNCTION exp_todo_notified()",
];

struct Bench {
    pool: Pool,
    todos: SeaOrmTodoRepository,
    backend: DbBackend,
    /// Users written since the coalescing flusher last notified.
    dirty: std::sync::Mutex<std::collections::BTreeSet<i64>>,
}

/// One `pg_notify` naming every dirty user, every `COALESCE_EVERY`, until the bench is dropped.
const COALESCE_EVERY: Duration = Duration::from_millis(5);

fn start_flusher(bench: &Arc<Bench>) -> tokio::task::JoinHandle<u64> {
    let bench = Arc::downgrade(bench);
    tokio::spawn(async move {
        let mut notifies = 0;
        let mut tick = tokio::time::interval(COALESCE_EVERY);
        loop {
            tick.tick().await;
            let Some(bench) = bench.upgrade() else { return notifies };
            let users: Vec<String> =
                std::mem::take(&mut *bench.dirty.lock().unwrap()).iter().map(i64::to_string).collect();
            if users.is_empty() {
                continue;
            }
            let notify = bench.statement("SELECT pg_notify('exp_events', ?)", vec![users.join(",").into()]);
            bench.pool.db().execute_raw(notify).await.expect("notify");
            notifies += 1;
        }
    })
}

impl Bench {
    async fn write(&self, way: Way, user: UserId) {
        let now = Utc::now();
        match way {
            Way::Repository => {
                let todo = NewTodo {
                    owner: user,
                    title: TodoTitle::parse("a todo").unwrap(),
                    description: None,
                    completed: false,
                    created_at: now,
                };
                self.todos.insert(todo).await.expect("insert");
            }
            Way::UnitOfWork => {
                let db = self.pool.db();
                let transaction = if self.backend == DbBackend::Sqlite {
                    let options = sea_orm::TransactionOptions {
                        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
                        ..Default::default()
                    };
                    db.begin_with_options(options).await.expect("begin")
                } else {
                    db.begin().await.expect("begin")
                };
                let sql = "INSERT INTO todos (user_id, title, description, completed, created_at) \
                           VALUES (?, ?, NULL, false, ?)";
                let values = || vec![user.get().into(), "a todo".into(), now.into()];
                // As the repository does: SQLite tells the id with the result, PostgreSQL returns it.
                let todo_id: i64 = if self.backend == DbBackend::Sqlite {
                    let done = transaction.execute_raw(self.statement(sql, values())).await.expect("insert");
                    i64::try_from(done.last_insert_id()).expect("an id")
                } else {
                    let returning = self.statement(&format!("{sql} RETURNING id"), values());
                    let row = transaction.query_one_raw(returning).await.expect("insert").expect("a row");
                    row.try_get("", "id").expect("an id")
                };
                let bump = self.statement(
                    "UPDATE users SET last_event_id = last_event_id + 1 WHERE id = ? RETURNING last_event_id",
                    vec![user.get().into()],
                );
                let row = transaction.query_one_raw(bump).await.expect("bump").expect("the user");
                let event_id: i64 = row.try_get("", "last_event_id").expect("the counter");
                let event = self.statement(
                    "INSERT INTO exp_events (user_id, id, kind, todo_id, title, description, completed, created_at) \
                     VALUES (?, ?, 'todo.created', ?, ?, NULL, false, ?)",
                    vec![user.get().into(), event_id.into(), todo_id.into(), "a todo".into(), now.into()],
                );
                transaction.execute_raw(event).await.expect("event");
                transaction.commit().await.expect("commit");
            }
            Way::Trigger | Way::TriggerAndNotify | Way::TriggerThenNotify | Way::TriggerCoalescedNotify => {
                let table = if way == Way::TriggerAndNotify { "exp_todos_notified" } else { "exp_todos" };
                let insert = self.statement(
                    &format!(
                        "INSERT INTO {table} (user_id, title, description, completed, created_at) \
                         VALUES (?, ?, NULL, false, ?)"
                    ),
                    vec![user.get().into(), "a todo".into(), now.into()],
                );
                self.pool.db().execute_raw(insert).await.expect("insert");
                if way == Way::TriggerCoalescedNotify {
                    self.dirty.lock().unwrap().insert(user.get());
                }
                if way == Way::TriggerThenNotify {
                    let notify = self
                        .statement("SELECT pg_notify('exp_events', ?)", vec![user.get().to_string().into()]);
                    self.pool.db().execute_raw(notify).await.expect("notify");
                }
            }
        }
    }

    /// `?` placeholders, numbered for PostgreSQL.
    fn statement(&self, sql: &str, values: Vec<sea_orm::Value>) -> Statement {
        let sql = if self.backend == DbBackend::Postgres {
            let mut numbered = String::new();
            for (index, part) in sql.split('?').enumerate() {
                if index > 0 {
                    numbered.push_str(&format!("${index}"));
                }
                numbered.push_str(part);
            }
            numbered
        } else {
            sql.to_owned()
        };
        Statement::from_sql_and_values(self.backend, sql, values)
    }
}

/// Writes per second with one writer per entry of `users`, each writing `PER_WRITER` times.
async fn concurrently(bench: &Arc<Bench>, way: Way, users: Vec<UserId>) -> f64 {
    let started = Instant::now();
    let writers: Vec<_> = users
        .into_iter()
        .map(|user| {
            let bench = bench.clone();
            tokio::spawn(async move {
                for _ in 0..PER_WRITER {
                    bench.write(way, user).await;
                }
            })
        })
        .collect();
    let count = writers.len();
    for writer in writers {
        writer.await.expect("a writer");
    }
    (count as f64) * f64::from(PER_WRITER) / started.elapsed().as_secs_f64()
}

async fn run(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let options = DatabaseOptions {
        url: database.url.clone(),
        max_connections: 8,
        acquire_timeout: Duration::from_secs(30),
        query_timeout: Duration::from_secs(30),
        in_process_reads: true,
        http_threads: 0,
        ping_idle_after: Duration::ZERO,
    };
    let pool = connect(&options).await.expect("connections");
    migrate_up(pool.db()).await.expect("migrations");
    let backend = pool.db().get_database_backend();
    let schema = if backend == DbBackend::Sqlite { SQLITE_SCHEMA } else { POSTGRES_SCHEMA };
    for statement in schema {
        pool.db().execute_unprepared(statement).await.expect("the experiment's schema");
    }
    let users = SeaOrmUserRepository::new(&pool, Duration::from_secs(30));
    let mut ids = Vec::new();
    for n in 0..WRITERS {
        let user = NewUser {
            username: Username::parse(format!("writer{n}")).unwrap(),
            email: EmailAddress::parse(format!("writer{n}@example.com")).unwrap(),
            password_hash: PasswordHash::new("$argon2id$unused".into()),
            is_superuser: false,
            created_at: Utc::now(),
        };
        ids.push(users.insert(user).await.expect("a user").id);
    }
    let todos = SeaOrmTodoRepository::new(&pool, Duration::from_secs(30));
    let bench = Arc::new(Bench { pool, todos, backend, dirty: std::sync::Mutex::default() });
    let flusher = (backend == DbBackend::Postgres).then(|| start_flusher(&bench));
    println!("{backend:?}:");
    let mut ways = vec![Way::Repository, Way::UnitOfWork, Way::Trigger];
    if backend == DbBackend::Postgres {
        ways.extend([Way::TriggerAndNotify, Way::TriggerThenNotify, Way::TriggerCoalescedNotify]);
    }
    for way in ways {
        for _ in 0..WARM_UP {
            bench.write(way, ids[0]).await;
        }
        let started = Instant::now();
        for _ in 0..SEQUENTIAL {
            bench.write(way, ids[0]).await;
        }
        let one = started.elapsed().as_secs_f64() * 1e6 / f64::from(SEQUENTIAL);
        let per_second = concurrently(&bench, way, ids.clone()).await;
        // The same load from one user, whose writers the event counter makes take turns.
        let one_user = concurrently(&bench, way, vec![ids[0]; ids.len()]).await;
        println!(
            "  {:<42} one at a time {one:>7.1} us; 64 writers, 64 users {per_second:>7.0}/s, one user {one_user:>7.0}/s",
            way.name()
        );
    }
    drop(bench);
    if let Some(flusher) = flusher {
        let notifies = flusher.await.expect("the flusher");
        let writes = WARM_UP + SEQUENTIAL + 2 * WRITERS * PER_WRITER;
        println!("  (coalesced: {notifies} NOTIFYs for the {writes} writes of that way)");
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    run(Backend::Sqlite).await;
    if std::env::var("TEST_POSTGRES_URL").is_ok() {
        run(Backend::Postgres).await;
    }
}
