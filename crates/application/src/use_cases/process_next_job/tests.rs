use mockall::predicate::{always, eq};

use super::*;
use crate::jobs::{JobPayload, JsonPayload, MockJobHandler, WelcomeEmail, decode};
use crate::ports::MockJobStore;
use crate::use_cases::fixtures::{clock, now, unavailable};

const LEASE: Duration = Duration::from_secs(60);
const RETRY: RetryPolicy = RetryPolicy { base: Duration::from_secs(2), cap: Duration::from_secs(60) };

fn claimed(attempt: u32, max_attempts: u32) -> ClaimedJob {
    ClaimedJob {
        id: JobId(5),
        kind: WelcomeEmail::KIND.to_owned(),
        payload: Arc::new(JsonPayload(r#"{"v":1,"user_id":7}"#)),
        attempt,
        max_attempts,
        trace_parent: None,
    }
}

fn store_claiming(job: Option<ClaimedJob>) -> MockJobStore {
    let mut store = MockJobStore::new();
    let lease_until = now() + TimeDelta::seconds(60);
    store
        .expect_claim()
        .with(eq("w1"), always(), eq(now()), eq(lease_until))
        .times(1)
        .returning(move |_, _, _, _| Ok(job.clone()));
    store
}

fn handler(result: Result<(), JobError>) -> JobHandlers {
    let mut handler = MockJobHandler::new();
    handler
        .expect_handle()
        .withf(|payload| decode::<WelcomeEmail>(&**payload) == Ok(WelcomeEmail { user_id: 7 }))
        .times(1)
        .returning(move |_| result.clone());
    JobHandlers::default().with::<WelcomeEmail>(Arc::new(handler))
}

async fn process(
    store: MockJobStore,
    handlers: JobHandlers,
) -> Result<Option<ProcessedJob>, RepositoryError> {
    let process = ProcessNextJob::new(Arc::new(store), handlers, Arc::new(clock()), RETRY, LEASE);
    process.execute("w1", std::future::pending()).await
}

fn outcome(processed: Result<Option<ProcessedJob>, RepositoryError>) -> JobOutcome {
    processed.unwrap().expect("a job was processed").outcome
}

#[tokio::test]
async fn a_worker_claims_only_the_kinds_it_has_handlers_for() {
    let mut store = MockJobStore::new();
    store
        .expect_claim()
        .withf(|_, kinds, _, _| kinds == ["welcome_email"])
        .times(1)
        .returning(|_, _, _, _| Ok(None));
    let handlers = JobHandlers::default().with::<WelcomeEmail>(Arc::new(MockJobHandler::new()));
    assert_eq!(process(store, handlers).await.unwrap(), None);
}

#[tokio::test]
async fn recovering_hands_back_what_the_worker_still_holds() {
    let mut store = MockJobStore::new();
    store.expect_release_held().with(eq("w1")).times(1).returning(|_| Ok(1));
    let process =
        ProcessNextJob::new(Arc::new(store), JobHandlers::default(), Arc::new(clock()), RETRY, LEASE);
    assert_eq!(process.recover("w1").await.unwrap(), 1);
}

#[tokio::test]
async fn an_empty_queue_runs_nothing() {
    assert_eq!(process(store_claiming(None), JobHandlers::default()).await.unwrap(), None);
}

#[tokio::test]
async fn a_job_that_succeeds_is_recorded_as_succeeded() {
    let mut store = store_claiming(Some(claimed(1, 3)));
    store.expect_succeed().with(eq(JobId(5)), eq("w1"), eq(now())).times(1).returning(|_, _, _| Ok(()));
    let processed = process(store, handler(Ok(()))).await.unwrap().unwrap();
    assert_eq!((processed.kind.as_str(), processed.attempt), ("welcome_email", 1));
    assert_eq!(processed.outcome, JobOutcome::Succeeded);
}

#[tokio::test]
async fn a_retryable_failure_runs_again_after_the_backoff() {
    let retry_at = RETRY.retry_at(JobId(5), 2, now());
    let mut store = store_claiming(Some(claimed(2, 3)));
    store
        .expect_fail()
        .with(eq(JobId(5)), eq("w1"), eq("smtp down"), eq(Some(retry_at)), eq(now()))
        .times(1)
        .returning(|_, _, _, _, _| Ok(()));
    let outcome = outcome(process(store, handler(Err(JobError::Retryable("smtp down".into())))).await);
    assert_eq!(outcome, JobOutcome::Retrying(retry_at));
}

#[tokio::test]
async fn the_last_attempt_or_a_permanent_failure_is_dead() {
    for (attempt, error) in
        [(3, JobError::Retryable("smtp down".into())), (1, JobError::Permanent("bad payload".into()))]
    {
        let mut store = store_claiming(Some(claimed(attempt, 3)));
        store
            .expect_fail()
            .with(eq(JobId(5)), eq("w1"), always(), eq(None), eq(now()))
            .times(1)
            .returning(|_, _, _, _, _| Ok(()));
        assert_eq!(outcome(process(store, handler(Err(error))).await), JobOutcome::Dead);
    }
}

#[tokio::test]
async fn a_job_of_an_unknown_kind_is_dead() {
    let mut store = store_claiming(Some(ClaimedJob { kind: "retired_kind".into(), ..claimed(1, 3) }));
    store
        .expect_fail()
        .with(eq(JobId(5)), eq("w1"), eq("no handler for jobs of kind retired_kind"), eq(None), eq(now()))
        .times(1)
        .returning(|_, _, _, _, _| Ok(()));
    assert_eq!(outcome(process(store, JobHandlers::default()).await), JobOutcome::Dead);
}

#[tokio::test]
async fn a_job_taken_over_after_its_lease_expired_is_left_to_its_new_worker() {
    let mut store = store_claiming(Some(claimed(1, 3)));
    store.expect_succeed().returning(|_, _, _| Err(RepositoryError::NotFound));
    assert_eq!(outcome(process(store, handler(Ok(()))).await), JobOutcome::LostLease);
}

/// A handler that never finishes.
struct Forever;

#[async_trait::async_trait]
impl crate::jobs::JobHandler for Forever {
    async fn handle(&self, _: Arc<dyn crate::ports::StoredPayload>) -> Result<(), JobError> {
        std::future::pending().await
    }
}

#[tokio::test]
async fn a_job_still_running_when_the_worker_stops_is_handed_back() {
    let mut store = store_claiming(Some(claimed(1, 3)));
    store.expect_release().with(eq(JobId(5)), eq("w1")).times(1).returning(|_, _| Ok(()));
    let handlers = JobHandlers::default().with::<WelcomeEmail>(Arc::new(Forever));
    let process = ProcessNextJob::new(Arc::new(store), handlers, Arc::new(clock()), RETRY, LEASE);
    let processed = process.execute("w1", std::future::ready(())).await.unwrap().unwrap();
    assert_eq!(processed.outcome, JobOutcome::Released);
}

#[tokio::test]
async fn a_store_that_fails_is_an_error() {
    let mut store = MockJobStore::new();
    store.expect_claim().returning(|_, _, _, _| Err(unavailable()));
    assert!(matches!(process(store, JobHandlers::default()).await, Err(RepositoryError::Unavailable(_))));
    let mut store = store_claiming(Some(claimed(1, 3)));
    store.expect_succeed().returning(|_, _, _| Err(unavailable()));
    assert!(process(store, handler(Ok(()))).await.is_err());
}

#[tokio::test]
async fn a_job_runs_in_the_trace_it_was_enqueued_in() {
    const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let mut store = store_claiming(Some(ClaimedJob { trace_parent: Some(PARENT.into()), ..claimed(1, 3) }));
    store.expect_succeed().times(1).returning(|_, _, _| Ok(()));
    let mut traces = crate::ports::MockTraceContext::new();
    traces
        .expect_adopt()
        .withf(|_, parent| *parent == Some(PARENT))
        .times(1)
        .returning(|_, _| Some("4bf92f3577b34da6a3ce929d0e0e4736".into()));
    let process = ProcessNextJob::new(Arc::new(store), handler(Ok(())), Arc::new(clock()), RETRY, LEASE)
        .with_traces(Arc::new(traces));
    assert_eq!(outcome(process.execute("w1", std::future::pending()).await), JobOutcome::Succeeded);
}
