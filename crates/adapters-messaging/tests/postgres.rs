//! Signals between two processes' worth of [`PgSignals`] on one real PostgreSQL database.

use std::time::Duration;

use sqlx::PgPool;
use todo_adapters_messaging::{LocalSignals, PgSignals};
use todo_application::ports::{EventSignals, Signal, Signals};
use todo_domain::UserId;

const WITHIN: Duration = Duration::from_secs(10);

async fn pool() -> PgPool {
    let url = std::env::var("TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .expect("TEST_POSTGRES_URL is not set: no PostgreSQL to test on");
    PgPool::connect(&url).await.expect("PostgreSQL refused the connection")
}

/// A user id no other test uses: NOTIFY channels are shared by the whole database.
fn some_user() -> UserId {
    let raw = i64::from(uuid_like()) + 1_000_000_000;
    UserId::new(raw).unwrap()
}

fn uuid_like() -> u32 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()
        ^ std::process::id()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: TEST_POSTGRES_URL=... cargo test -- --include-ignored"]
async fn a_signal_published_by_one_process_wakes_the_streams_of_another_postgres() {
    let (writer, writer_tasks) =
        PgSignals::start(pool().await, LocalSignals::new(), Duration::from_millis(5));
    let (reader, reader_tasks) =
        PgSignals::start(pool().await, LocalSignals::new(), Duration::from_millis(5));
    let user = some_user();
    tokio::time::timeout(WITHIN, reader.until_listening()).await.expect("the reader never listened");
    let mut there = reader.subscribe(user);
    let mut here = writer.subscribe(user);
    writer.publish(user, Signal::Todos);
    let todos = Signals { todos: true, access: false };
    assert_eq!(tokio::time::timeout(WITHIN, here.next()).await.expect("not woken in-process"), todos);
    assert_eq!(tokio::time::timeout(WITHIN, there.next()).await.expect("not woken across processes"), todos);
    writer.publish(user, Signal::Access);
    let access = Signals { todos: false, access: true };
    assert_eq!(tokio::time::timeout(WITHIN, there.next()).await.expect("access not signalled"), access);
    for task in writer_tasks.iter().chain(&reader_tasks) {
        task.abort();
    }
}
