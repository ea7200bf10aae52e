//! On PostgreSQL, each HTTP worker thread draws connections from a pool of its own, opened on
//! that thread; other threads share the process's pool; `max_connections` bounds them all.

use std::time::Duration;

use todo_adapters_db::testing::{Backend, TestDatabase};
use todo_adapters_db::{DatabaseOptions, Pool, SeaOrmHealthCheck, connect, migrate_up};
use todo_application::ports::HealthCheck;

/// A thread with a runtime of its own, as an HTTP worker has, that runs one statement and
/// then keeps its runtime going (connections it opened answer to it) until dropped.
struct WorkerThread {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl WorkerThread {
    async fn start(pool: &Pool, attach: bool) -> Self {
        let (pool, (stop, stopped)) = (pool.clone(), tokio::sync::oneshot::channel());
        let (ran, has_run) = tokio::sync::oneshot::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            if attach {
                pool.attach_current_thread();
            }
            runtime.block_on(async {
                SeaOrmHealthCheck::new(&pool, Duration::from_secs(10)).check().await.unwrap();
                ran.send(()).unwrap();
                let _ = stopped.await;
            });
        });
        // Awaited, not blocked on: the connections the thread borrows from the shared pool answer
        // to this runtime, which must keep running for them.
        tokio::time::timeout(Duration::from_secs(20), has_run).await.unwrap().expect("the statement ran");
        Self { stop: Some(stop), thread: Some(thread) }
    }
}

impl Drop for WorkerThread {
    fn drop(&mut self) {
        let _ = self.stop.take().map(|stop| stop.send(()));
        let _ = self.thread.take().map(std::thread::JoinHandle::join);
    }
}

/// `max_connections` for a process with two HTTP worker threads.
fn options(database: &TestDatabase, max_connections: u32) -> DatabaseOptions {
    DatabaseOptions {
        url: database.url.clone(),
        max_connections,
        acquire_timeout: Duration::from_secs(5),
        query_timeout: Duration::from_secs(10),
        in_process_reads: false,
        http_threads: 2,
        ping_idle_after: Duration::ZERO,
    }
}

/// The pool's open connections, once they stop changing (a used connection goes back to its
/// pool after the statement's answer), within a deadline.
async fn settled_size(pool: &Pool, expected: u32) -> u32 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let stats = pool.stats().unwrap();
        let settled = usize::try_from(stats.size).unwrap() == stats.idle;
        if (settled && stats.size == expected) || tokio::time::Instant::now() > deadline {
            return stats.size;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL: TEST_POSTGRES_URL=... cargo test -- --include-ignored"]
async fn postgres_worker_threads_open_connections_in_pools_of_their_own() {
    let database = TestDatabase::create(Backend::Postgres).await;
    let pool = connect(&options(&database, 10)).await.unwrap();
    migrate_up(pool.db()).await.unwrap();
    let stats = pool.stats().unwrap();
    assert_eq!(stats.max, 10, "two pools of 3 and the shared pool of 4: {stats:?}");
    let opened = settled_size(&pool, stats.size).await;

    // A thread that was not attached uses the shared pool's idle connections.
    let unattached = WorkerThread::start(&pool, false).await;
    assert_eq!(settled_size(&pool, opened).await, opened);

    // Each attached thread opens a connection in its own pool, though the shared one has idle ones.
    let first = WorkerThread::start(&pool, true).await;
    assert_eq!(settled_size(&pool, opened + 1).await, opened + 1);
    let second = WorkerThread::start(&pool, true).await;
    assert_eq!(settled_size(&pool, opened + 2).await, opened + 2);
    // A third thread shares the first thread's pool (round robin) and its idle connection.
    let third = WorkerThread::start(&pool, true).await;
    assert_eq!(settled_size(&pool, opened + 2).await, opened + 2);

    drop((unattached, first, second, third));
    pool.close().await.unwrap();
}

#[tokio::test]
async fn sqlite_has_one_set_of_pools_whatever_the_threads() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let pool = connect(&options(&database, 4)).await.unwrap();
    migrate_up(pool.db()).await.unwrap();
    drop(WorkerThread::start(&pool, true).await);
    assert_eq!(pool.stats().unwrap().max, 4, "two writers and two readers");
    pool.close().await.unwrap();
}
