//! Signals between two processes' worth of [`RemoteSignals`], over a real PostgreSQL database
//! and a real Redis server.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use todo_adapters_messaging::{Broadcast, LocalSignals, PgBroadcast, RedisBroadcast, RemoteSignals};
use todo_application::ports::{EventSignals, Signal, Signals};
use todo_domain::UserId;

const WITHIN: Duration = Duration::from_secs(10);

async fn postgres() -> Arc<dyn Broadcast> {
    let url = std::env::var("TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .expect("TEST_POSTGRES_URL is not set: no PostgreSQL to test on");
    Arc::new(PgBroadcast::new(PgPool::connect(&url).await.expect("PostgreSQL refused the connection")))
}

fn redis() -> Arc<dyn Broadcast> {
    let url = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    Arc::new(RedisBroadcast::new(&url).expect("not a Redis URL"))
}

/// A user id no other test uses: the channel is shared by every process on the server.
fn some_user() -> UserId {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    UserId::new(i64::from(nanos ^ std::process::id()) + 1_000_000_000).unwrap()
}

/// A signal published by one process reaches the other's streams, todos and access alike.
async fn signals_cross_between_processes(writer: Arc<dyn Broadcast>, reader: Arc<dyn Broadcast>) {
    let coalesce = Duration::from_millis(5);
    let (writer, writer_tasks) = RemoteSignals::start(writer, LocalSignals::new(), coalesce);
    let (reader, reader_tasks) = RemoteSignals::start(reader, LocalSignals::new(), coalesce);
    let user = some_user();
    // Both listening: a listener that connects wakes its process's streams once with every
    // signal (what it may have missed), which would blur what this test looks for.
    tokio::time::timeout(WITHIN, reader.until_listening()).await.expect("the reader never listened");
    tokio::time::timeout(WITHIN, writer.until_listening()).await.expect("the writer never listened");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: TEST_POSTGRES_URL=... cargo test -- --include-ignored"]
async fn a_signal_published_by_one_process_wakes_the_streams_of_another_postgres() {
    signals_cross_between_processes(postgres().await, postgres().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis on 127.0.0.1:6379 (or TEST_REDIS_URL): cargo test -- --include-ignored"]
async fn a_signal_published_by_one_process_wakes_the_streams_of_another_over_redis() {
    signals_cross_between_processes(redis(), redis()).await;
}
