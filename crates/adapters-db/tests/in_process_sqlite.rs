//! The in-process SQLite connection below the repositories: every column type back as
//! the entities read it, files interchangeable with sqlx's, locks, transactions refused.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait, Value};
use tempfile::TempDir;
use todo_adapters_db::{DatabaseOptions, Pool, SeaOrmUserRepository, connect, migrate_up};
use todo_application::ports::{RepositoryError, UserRepository};
use todo_domain::{EmailAddress, NewUser, PasswordHash, UserId, Username};

fn options(url: &str, max_connections: u32, acquire_timeout: Duration) -> DatabaseOptions {
    DatabaseOptions { url: url.to_owned(), max_connections, acquire_timeout }
}

fn file_url(directory: &TempDir, name: &str) -> String {
    format!("sqlite://{}", directory.path().join(name).display())
}

fn statement(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)
}

const TABLE: &str = "CREATE TABLE t (id integer PRIMARY KEY AUTOINCREMENT, n bigint, flag boolean, \
    name varchar(20), note text, score double, at timestamp_with_timezone_text, data blob)";

/// Four connections to the database at `url`, holding an empty table `t`.
async fn with_table(url: &str) -> Pool {
    let pool = connect(&options(url, 4, Duration::from_secs(1))).await.unwrap();
    pool.db().execute_unprepared(TABLE).await.unwrap();
    pool
}

#[tokio::test]
async fn every_column_type_reads_back_as_written() {
    let directory = tempfile::tempdir().unwrap();
    let pool = with_table(&file_url(&directory, "t.db")).await;
    let db = pool.db();
    let at =
        Utc.with_ymd_and_hms(2026, 11, 21, 9, 13, 30).unwrap() + chrono::TimeDelta::microseconds(123_456);
    let insert = "INSERT INTO t (n, flag, name, note, score, at, data) VALUES (?, ?, ?, ?, ?, ?, ?)";
    let values = vec![
        Value::BigInt(Some(-7)),
        Value::Bool(Some(true)),
        Value::String(Some("é ✓".into())),
        Value::String(None),
        Value::Double(Some(2.5)),
        Value::ChronoDateTimeUtc(Some(at)),
        Value::Bytes(Some(vec![0, 255])),
    ];
    let inserted = db.execute_raw(statement(insert, values)).await.unwrap();
    assert_eq!((inserted.last_insert_id(), inserted.rows_affected()), (1, 1));

    let row =
        db.query_one_raw(statement("SELECT * FROM t WHERE id = ? LIMIT ?", vec![1i64.into(), 1u64.into()]));
    let row = row.await.unwrap().unwrap();
    assert_eq!(row.try_get::<i64>("", "n").unwrap(), -7);
    assert!(row.try_get::<bool>("", "flag").unwrap());
    assert_eq!(row.try_get::<String>("", "name").unwrap(), "é ✓");
    assert_eq!(row.try_get::<Option<String>>("", "note").unwrap(), None);
    assert_eq!(row.try_get::<f64>("", "score").unwrap(), 2.5);
    assert_eq!(row.try_get::<DateTime<Utc>>("", "at").unwrap(), at);
    assert_eq!(row.try_get::<Vec<u8>>("", "data").unwrap(), vec![0, 255]);

    // Expressions have no declared type: the stored value decides.
    let count = db.query_one_raw(statement("SELECT COUNT(*) AS c, MAX(name) AS m FROM t", vec![]));
    let count = count.await.unwrap().unwrap();
    assert_eq!(
        (count.try_get::<i64>("", "c").unwrap(), count.try_get::<String>("", "m").unwrap()),
        (1, "é ✓".into())
    );
    // One writer and three readers, none busy now.
    let stats = pool.stats().unwrap();
    assert_eq!((stats.size, stats.idle, stats.max), (4, 4, 4));
}

#[tokio::test]
async fn times_are_stored_as_sqlx_wrote_them_and_its_files_read_back() {
    let directory = tempfile::tempdir().unwrap();
    let pool = with_table(&file_url(&directory, "t.db")).await;
    let db = pool.db();
    let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    db.execute_raw(statement("INSERT INTO t (at) VALUES (?)", vec![at.into()])).await.unwrap();
    // What sqlx writes (RFC 3339), and a zone-less time some tools write, taken as UTC.
    db.execute_unprepared("INSERT INTO t (at) VALUES ('2026-01-02 03:04:05')").await.unwrap();
    let rows = db.query_all_raw(statement("SELECT at, typeof(at) AS kind FROM t", vec![])).await.unwrap();
    let stored = db.query_one_raw(statement("SELECT CAST(at AS text) AS raw FROM t LIMIT 1", vec![]));
    assert_eq!(
        stored.await.unwrap().unwrap().try_get::<String>("", "raw").unwrap(),
        "2026-01-02T03:04:05+00:00"
    );
    for row in rows {
        assert_eq!(row.try_get::<DateTime<Utc>>("", "at").unwrap(), at);
        assert_eq!(row.try_get::<String>("", "kind").unwrap(), "text");
    }
}

#[tokio::test]
async fn a_value_of_the_wrong_kind_is_an_error_not_a_guess() {
    let pool = with_table("sqlite::memory:").await;
    let db = pool.db();
    db.execute_unprepared("INSERT INTO t (flag, at) VALUES ('yes', 'not a time')").await.unwrap();
    let error = db.query_one_raw(statement("SELECT flag FROM t", vec![])).await.unwrap_err();
    assert!(error.to_string().contains("flag"), "{error}");
    assert!(db.query_one_raw(statement("SELECT at FROM t", vec![])).await.is_err());
    // Nor is a parameter count that does not match the statement.
    assert!(db.query_all_raw(statement("SELECT * FROM t WHERE id = ?", vec![])).await.is_err());
}

#[tokio::test]
async fn an_in_memory_database_keeps_its_rows_between_statements() {
    let pool = with_table("sqlite::memory:").await;
    let db = pool.db();
    for name in ["a", "b", "c"] {
        db.execute_raw(statement("INSERT INTO t (name) VALUES (?)", vec![name.into()])).await.unwrap();
    }
    let rows = db.query_all_raw(statement(
        "SELECT name FROM t ORDER BY id LIMIT ? OFFSET ?",
        vec![2u64.into(), 1u64.into()],
    ));
    let names: Vec<String> = rows.await.unwrap().iter().map(|row| row.try_get("", "name").unwrap()).collect();
    assert_eq!(names, ["b", "c"]);
    assert_eq!(pool.stats().unwrap().size, 1);
}

#[tokio::test]
async fn statements_inside_a_transaction_are_refused_rather_than_run_outside_it() {
    let pool = with_table("sqlite::memory:").await;
    let db = pool.db();
    let transaction = db.begin().await.unwrap();
    let refused = transaction.execute_unprepared("INSERT INTO t (name) VALUES ('x')").await.unwrap_err();
    assert!(refused.to_string().contains("transactions are not supported"), "{refused}");
    assert!(db.query_all_raw(statement("SELECT * FROM t", vec![])).await.is_err());
    drop(transaction);
    let rows = db.query_all_raw(statement("SELECT * FROM t", vec![])).await.unwrap();
    assert!(rows.is_empty(), "the refused insert ran");
}

#[tokio::test]
async fn urls_it_cannot_honour_are_refused_at_connect() {
    let options = |url: &str| options(url, 2, Duration::from_secs(1));
    let error = connect(&options("sqlite://todo.db?cache=shared")).await.unwrap_err();
    assert!(error.to_string().contains("unsupported parameter `cache=shared`"), "{error}");
    let directory = tempfile::tempdir().unwrap();
    let missing = format!("{}?mode=rw", file_url(&directory, "missing.db"));
    assert!(connect(&options(&missing)).await.is_err(), "mode=rw created a missing file");
}

#[tokio::test]
async fn a_write_kept_waiting_by_another_process_is_unavailable_while_reads_go_on() {
    let directory = tempfile::tempdir().unwrap();
    let wait = Duration::from_millis(300);
    let pool = connect(&options(&file_url(&directory, "t.db"), 2, wait)).await.unwrap();
    migrate_up(pool.db()).await.unwrap();
    let users = SeaOrmUserRepository::new(pool.db().clone(), Duration::from_secs(5));
    let new_user = || NewUser {
        username: Username::parse("ada").unwrap(),
        email: EmailAddress::parse("ada@example.com").unwrap(),
        password_hash: PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        created_at: Utc::now(),
    };

    let other = rusqlite::Connection::open(directory.path().join("t.db")).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = Instant::now();
    let refused = users.insert(new_user()).await;
    assert!(matches!(refused, Err(RepositoryError::Unavailable(_))), "{refused:?}");
    assert!(started.elapsed() >= wait, "gave up after {:?}", started.elapsed());
    // Readers never wait for a writer, ours or another process's.
    assert!(users.find_by_id(UserId::new(1).unwrap()).await.unwrap().is_none());

    other.execute_batch("ROLLBACK").unwrap();
    assert!(users.insert(new_user()).await.is_ok(), "the writer did not recover");
}
