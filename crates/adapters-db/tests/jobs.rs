//! The job queue against real databases: enqueued with a transaction, claimed by one worker
//! at a time under a lease, retried, buried, revived.

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use chrono::{TimeDelta, TimeZone, Utc};
use serde_json::{Value, json};
use todo_adapters_db::{Pool, SeaOrmJobStore, SeaOrmUnitOfWork};
use todo_application::ports::{
    JobId, JobStatus, JobStore, NewJob, Payload, QueueStats, RepositoryError, UnitOfWork,
};
use todo_domain::{Page, Timestamp};

use common::DEADLINE;

/// Every kind these tests enqueue: what their workers have handlers for.
const KINDS: &[&str] = &["a", "b", "c", "future", "flaky", "slow", "interrupted", "many", "welcome_email"];

/// A fixed instant, so that due and not-yet-due are exact.
fn at(seconds: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 12, 2, 8, 0, 0).unwrap() + TimeDelta::milliseconds(seconds * 1000)
}

fn job(kind: &'static str, run_at: Timestamp) -> NewJob {
    NewJob {
        kind,
        payload: Payload::new(json!({"v": 1, "kind": kind})),
        max_attempts: 3,
        run_at,
        created_at: at(0),
    }
}

async fn enqueue(pool: &Pool, jobs: &[NewJob]) -> Vec<JobId> {
    let transaction = SeaOrmUnitOfWork::new(pool, DEADLINE).begin().await.unwrap();
    let mut ids = Vec::new();
    for job in jobs {
        ids.push(transaction.jobs().enqueue(job.clone()).await.unwrap());
    }
    transaction.commit().await.unwrap();
    ids
}

fn store(pool: &Pool) -> SeaOrmJobStore {
    SeaOrmJobStore::new(pool, DEADLINE)
}

async fn status(store: &SeaOrmJobStore, id: JobId) -> JobStatus {
    let all = store.list(None, Page::default()).await.unwrap();
    all.into_iter().find(|job| job.id == id).expect("the job is stored").status
}

on_each_backend! {
    async fn a_job_exists_only_if_its_transaction_commits_and_the_commit_says_so(pool) {
        let told = Arc::new(Mutex::new(Vec::new()));
        let listener = {
            let told = told.clone();
            Arc::new(move |kinds: &[&'static str]| told.lock().unwrap().extend_from_slice(kinds))
        };
        let unit_of_work = SeaOrmUnitOfWork::new(&pool, DEADLINE).on_jobs_committed(listener);
        let rolled_back = unit_of_work.begin().await.unwrap();
        rolled_back.jobs().enqueue(job("never", at(0))).await.unwrap();
        drop(rolled_back);
        assert!(store(&pool).list(None, Page::default()).await.unwrap().is_empty());

        let committed = unit_of_work.begin().await.unwrap();
        let id = committed.jobs().enqueue(job("welcome_email", at(0))).await.unwrap();
        committed.commit().await.unwrap();
        let stored = store(&pool).list(None, Page::default()).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!((stored[0].id, stored[0].kind.as_str(), stored[0].status), (id, "welcome_email", JobStatus::Queued));
        assert_eq!((stored[0].attempts, stored[0].max_attempts, stored[0].run_at), (0, 3, at(0)));
        assert_eq!(*told.lock().unwrap(), ["welcome_email"]);
    }

    async fn a_claim_takes_the_job_ready_the_longest_and_leaves_the_rest(pool) {
        // Times with and without fractions of a second, which SQLite compares as text.
        let half = at(1) + TimeDelta::milliseconds(500);
        let ids = enqueue(&pool, &[job("b", half), job("a", at(1)), job("future", at(60))]).await;
        let store = store(&pool);
        let first = store.claim("w1", KINDS, at(2), at(32)).await.unwrap().unwrap();
        assert_eq!((first.id, first.kind.as_str(), first.attempt, first.max_attempts), (ids[1], "a", 1, 3));
        let payload = erased_serde::deserialize::<Value>(&mut *first.payload.deserializer().unwrap()).unwrap();
        assert_eq!(payload, json!({"v": 1, "kind": "a"}));
        let second = store.claim("w2", KINDS, at(2), at(32)).await.unwrap().unwrap();
        assert_eq!(second.id, ids[0]);
        assert_eq!(store.claim("w3", KINDS, at(2), at(32)).await.unwrap().map(|job| job.id), None, "the third is not due");
        assert_eq!(status(&store, ids[1]).await, JobStatus::Running);
        store.succeed(first.id, "w1", at(3)).await.unwrap();
        store.succeed(second.id, "w2", at(3)).await.unwrap();
        assert_eq!(store.claim("w3", KINDS, at(61), at(91)).await.unwrap().map(|job| job.id), Some(ids[2]));
    }

    async fn a_failed_job_waits_for_its_retry_then_dies_and_an_operator_revives_it(pool) {
        let id = enqueue(&pool, &[job("flaky", at(0))]).await[0];
        let store = store(&pool);
        store.claim("w1", KINDS, at(1), at(31)).await.unwrap().unwrap();
        store.fail(id, "w1", "smtp down", Some(at(10)), at(1)).await.unwrap();
        assert_eq!(status(&store, id).await, JobStatus::Failed);
        assert_eq!(store.claim("w1", KINDS, at(9), at(39)).await.unwrap().map(|job| job.id), None, "not before its retry time");
        let again = store.claim("w1", KINDS, at(10), at(40)).await.unwrap().unwrap();
        assert_eq!(again.attempt, 2);
        store.fail(id, "w1", "smtp still down", None, at(11)).await.unwrap();
        let dead = &store.list(Some(JobStatus::Dead), Page::default()).await.unwrap()[0];
        assert_eq!((dead.id, dead.attempts, dead.last_error.as_deref()), (id, 2, Some("smtp still down")));
        assert_eq!(dead.finished_at, Some(at(11)));
        assert_eq!(store.claim("w1", KINDS, at(100), at(130)).await.unwrap().map(|job| job.id), None, "the dead stay dead");

        store.retry(id, at(200)).await.unwrap();
        let revived = store.claim("w2", KINDS, at(200), at(230)).await.unwrap().unwrap();
        assert_eq!(revived.attempt, 1, "a fresh budget of attempts");
        store.succeed(id, "w2", at(201)).await.unwrap();
        assert_eq!(status(&store, id).await, JobStatus::Succeeded);
        assert!(matches!(store.retry(id, at(300)).await, Err(RepositoryError::NotFound)), "succeeded is final");
        assert!(matches!(store.retry(JobId(999_999), at(300)).await, Err(RepositoryError::NotFound)));
    }

    async fn a_job_whose_lease_expired_goes_to_another_worker_and_the_first_cannot_finish_it(pool) {
        let id = enqueue(&pool, &[NewJob { max_attempts: 2, ..job("slow", at(0)) }]).await[0];
        let store = store(&pool);
        store.claim("w1", KINDS, at(0), at(30)).await.unwrap().unwrap();
        assert_eq!(store.claim("w2", KINDS, at(29), at(59)).await.unwrap().map(|job| job.id), None, "the lease still holds");
        let taken_over = store.claim("w2", KINDS, at(31), at(61)).await.unwrap().unwrap();
        assert_eq!((taken_over.id, taken_over.attempt), (id, 2));
        assert!(matches!(store.succeed(id, "w1", at(32)).await, Err(RepositoryError::NotFound)));
        assert!(matches!(store.fail(id, "w1", "late", None, at(32)).await, Err(RepositoryError::NotFound)));
        // w2 dies too, on the last attempt: no claim runs it again, and it is buried.
        assert_eq!(store.claim("w3", KINDS, at(62), at(92)).await.unwrap().map(|job| job.id), None);
        assert_eq!(store.stats(at(62)).await.unwrap().ready, 0, "not ready: no attempt left");
        assert_eq!(store.bury_expired(at(62)).await.unwrap(), 1);
        let dead = &store.list(Some(JobStatus::Dead), Page::default()).await.unwrap()[0];
        assert_eq!(dead.id, id);
        assert!(dead.last_error.as_deref().unwrap().contains("lease expired"), "{:?}", dead.last_error);
    }

    async fn a_released_job_is_ready_again_without_losing_an_attempt(pool) {
        let id = enqueue(&pool, &[job("interrupted", at(0))]).await[0];
        let store = store(&pool);
        store.claim("w1", KINDS, at(0), at(30)).await.unwrap().unwrap();
        assert!(matches!(store.release(id, "w2").await, Err(RepositoryError::NotFound)), "not w2's to give");
        store.release(id, "w1").await.unwrap();
        let again = store.claim("w2", KINDS, at(1), at(31)).await.unwrap().unwrap();
        assert_eq!((again.id, again.attempt), (id, 1));
    }

    async fn a_worker_claims_only_its_kinds_and_recovers_what_it_holds_after_an_error(pool) {
        let ids = enqueue(&pool, &[job("a", at(0)), job("b", at(1))]).await;
        let store = store(&pool);
        let claimed = store.claim("w1", &["b"], at(2), at(30)).await.unwrap().unwrap();
        assert_eq!(claimed.id, ids[1], "a is not a kind w1 knows");
        assert_eq!(store.claim("w1", &["zzz"], at(2), at(30)).await.unwrap().map(|job| job.id), None);
        assert_eq!(store.claim("w1", &[], at(2), at(30)).await.unwrap().map(|job| job.id), None);
        assert_eq!(store.release_held("w2").await.unwrap(), 0);
        assert_eq!(store.release_held("w1").await.unwrap(), 1);
        let again = store.claim("w2", KINDS, at(3), at(30)).await.unwrap().unwrap();
        assert_eq!((again.id, again.attempt), (ids[0], 1));
        let released = store.claim("w2", KINDS, at(3), at(30)).await.unwrap().unwrap();
        assert_eq!((released.id, released.attempt), (ids[1], 1), "the recovered claim is not counted");
    }

    async fn the_stats_count_the_ready_and_the_dead_and_date_the_oldest(pool) {
        let ids = enqueue(&pool, &[job("a", at(0)), job("b", at(5)), job("c", at(100))]).await;
        let store = store(&pool);
        let stats = store.stats(at(10)).await.unwrap();
        assert_eq!(stats, QueueStats { ready: 2, oldest_ready_since: Some(at(0)), dead: 0 });
        store.claim("w1", KINDS, at(10), at(20)).await.unwrap();
        store.fail(ids[0], "w1", "no", None, at(11)).await.unwrap();
        assert_eq!(store.stats(at(12)).await.unwrap(), QueueStats { ready: 1, oldest_ready_since: Some(at(5)), dead: 1 });
    }

    async fn concurrent_workers_never_claim_the_same_job_twice(pool) {
        let jobs: Vec<_> = (0..120).map(|_| job("many", at(0))).collect();
        let enqueued: BTreeSet<_> = enqueue(&pool, &jobs).await.into_iter().collect();
        let store = Arc::new(store(&pool));
        let workers: Vec<_> = (0..8)
            .map(|worker| {
                let store = store.clone();
                tokio::spawn(async move {
                    let name = format!("w{worker}");
                    let mut claimed = Vec::new();
                    while let Some(job) = store.claim(&name, KINDS, at(1), at(3600)).await.unwrap() {
                        store.succeed(job.id, &name, at(2)).await.unwrap();
                        claimed.push(job.id);
                    }
                    claimed
                })
            })
            .collect();
        let mut claimed = Vec::new();
        for worker in workers {
            claimed.extend(worker.await.unwrap());
        }
        let distinct: BTreeSet<_> = claimed.iter().copied().collect();
        assert_eq!(claimed.len(), distinct.len(), "a job was claimed twice");
        assert_eq!(distinct, enqueued);
    }
}
