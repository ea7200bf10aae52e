//! What the database tests share: a fresh, migrated database per test, on each backend.

use std::time::Duration;

use todo_adapters_db::testing::{Backend, TestDatabase};
use todo_adapters_db::{DatabaseOptions, Pool, SeaOrmUserRepository, connect, migrate_up};
use todo_application::ports::UserRepository;
use todo_domain::{EmailAddress, NewUser, PasswordHash, Timestamp, User, Username};

pub const DEADLINE: Duration = Duration::from_secs(10);

/// Defines each test three times, each running `body` on a fresh, migrated database:
/// `sqlite` (plain reads in-process, the default), `sqlite_sqlx_reads` (every read
/// through sqlx) and `postgres`, which is ignored unless asked for (`--include-ignored`)
/// and then fails without `TEST_POSTGRES_URL` rather than pass having done nothing.
#[macro_export]
macro_rules! on_each_backend {
    ($(async fn $name:ident($pool:ident) $body:block)*) => {$(
        mod $name {
            use super::*;

            async fn run($pool: Pool) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                $crate::common::with_fresh_database(todo_adapters_db::testing::Backend::Sqlite, true, run).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite_sqlx_reads() {
                $crate::common::with_fresh_database(todo_adapters_db::testing::Backend::Sqlite, false, run).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            #[ignore = "needs PostgreSQL: TEST_POSTGRES_URL=... cargo test -- --include-ignored"]
            async fn postgres() {
                $crate::common::with_fresh_database(todo_adapters_db::testing::Backend::Postgres, false, run).await;
            }
        }
    )*};
}

pub async fn with_fresh_database<F: Future<Output = ()>>(
    backend: Backend,
    in_process_reads: bool,
    test: impl FnOnce(Pool) -> F,
) {
    let database = TestDatabase::create(backend).await;
    let options = DatabaseOptions {
        url: database.url.clone(),
        max_connections: 8,
        acquire_timeout: Duration::from_secs(5),
        query_timeout: DEADLINE,
        in_process_reads,
        http_threads: 0,
        ping_idle_after: Duration::ZERO,
    };
    let pool = connect(&options).await.unwrap();
    migrate_up(pool.db()).await.unwrap();
    test(pool.clone()).await;
    pool.close().await.unwrap();
}

/// A user named `name` (e-mail `<name>@example.com`), registered at `created_at`.
#[allow(dead_code, reason = "not every test file needs users")]
pub async fn user(pool: &Pool, name: &str, created_at: Timestamp) -> User {
    let user = NewUser {
        username: Username::parse(name).unwrap(),
        email: EmailAddress::parse(format!("{name}@example.com")).unwrap(),
        password_hash: PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        is_superuser: false,
        created_at,
    };
    SeaOrmUserRepository::new(pool, DEADLINE).insert(user).await.unwrap()
}
