//! The job workers: tasks that claim and run jobs until told to stop. Started by
//! `todo-api serve` beside the HTTP server (`jobs.workers`, 0 for none) and alone by
//! `todo-api worker`, so that they can be scaled apart from the HTTP replicas.

use std::sync::Arc;
use std::time::Duration;

use todo_application::ports::{Clock, JobStore};
use todo_application::use_cases::{IdempotencyKeys, ProcessNextJob, PruneTodoEvents, SweepOrphanBlobs};
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};
use tracing::{info, warn};

use crate::metrics::JobMetrics;

/// How often the queue's gauges are read from the database.
const QUEUE_GAUGES_EVERY: Duration = Duration::from_secs(5);

/// What the workers need, built by `wiring`.
#[derive(Clone)]
pub struct JobRuntime {
    pub process: Arc<ProcessNextJob>,
    pub store: Arc<dyn JobStore>,
    pub clock: Arc<dyn Clock>,
    /// Woken after a commit that enqueued jobs (this process's, or on PostgreSQL anyone's).
    pub wake: Arc<Notify>,
    pub metrics: JobMetrics,
    pub poll_interval: Duration,
    /// Keeps the todo event log within its retention, every `prune_every`.
    pub prune_events: Arc<PruneTodoEvents>,
    /// Forgets idempotency keys after their 24 hours, as often.
    pub prune_keys: Arc<IdempotencyKeys>,
    pub prune_every: Duration,
    /// Removes the blobs of deleted attachments from storage, every `sweep_every`.
    pub sweep_blobs: Arc<SweepOrphanBlobs>,
    pub sweep_every: Duration,
}

/// Running workers, the task that keeps the queue's gauges current (and buries jobs whose
/// worker died on their last attempt), and, where workers run, the event log's pruning.
/// Dropped, they stop at once.
pub struct JobWorkers {
    stopping: Arc<watch::Sender<bool>>,
    give_back: watch::Sender<bool>,
    workers: JoinSet<()>,
    gauges: JoinHandle<()>,
    /// Pruning and sweeping, where workers run.
    housekeeping: Vec<JoinHandle<()>>,
}

/// A background task that ends with its owner.
pub struct AbortOnDrop(pub JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Tells the workers to claim no more jobs, from wherever the stop is decided.
#[derive(Clone)]
pub struct StopClaiming(Arc<watch::Sender<bool>>);

impl StopClaiming {
    pub fn now(&self) {
        let _ = self.0.send(true);
    }
}

impl JobWorkers {
    /// Starts `count` workers (none for 0; the gauges are kept current either way).
    pub fn start(runtime: &JobRuntime, count: usize) -> Self {
        let (stopping, _) = watch::channel(false);
        let (give_back, _) = watch::channel(false);
        let process_name = uuid::Uuid::new_v4().simple().to_string();
        let mut workers = JoinSet::new();
        for number in 0..count {
            let name = format!("{}-{number}", &process_name[..12]);
            workers.spawn(work(name, runtime.clone(), stopping.subscribe(), give_back.subscribe()));
        }
        let gauges = tokio::spawn(keep_gauges(runtime.clone()));
        let housekeeping = if count > 0 {
            vec![tokio::spawn(prune_events(runtime.clone())), tokio::spawn(sweep_blobs(runtime.clone()))]
        } else {
            Vec::new()
        };
        if count > 0 {
            info!(workers = count, "job workers started");
        }
        Self { stopping: Arc::new(stopping), give_back, workers, gauges, housekeeping }
    }

    pub fn stop_claiming(&self) -> StopClaiming {
        StopClaiming(self.stopping.clone())
    }

    /// Stops claiming jobs at once; jobs already running get `grace` to finish, then those
    /// still running are handed back to the queue for another worker.
    pub async fn stop(mut self, grace: Duration) {
        self.gauges.abort();
        self.housekeeping.iter().for_each(JoinHandle::abort);
        let _ = self.stopping.send(true);
        let finished =
            tokio::time::timeout(grace, async { while self.workers.join_next().await.is_some() {} });
        if finished.await.is_err() {
            warn!(?grace, "jobs still running after the grace period are handed back");
            let _ = self.give_back.send(true);
            // Handing back is one short statement each; past this, the leases expire instead.
            let handed_back = async { while self.workers.join_next().await.is_some() {} };
            if tokio::time::timeout(Duration::from_secs(10), handed_back).await.is_err() {
                self.workers.abort_all();
            }
        }
        info!("job workers stopped");
    }
}

impl Drop for JobWorkers {
    fn drop(&mut self) {
        // The workers are a JoinSet, aborted when dropped; these tasks are not.
        self.gauges.abort();
        self.housekeeping.iter().for_each(JoinHandle::abort);
    }
}

async fn work(
    name: String,
    runtime: JobRuntime,
    mut stopping: watch::Receiver<bool>,
    give_back: watch::Receiver<bool>,
) {
    while !*stopping.borrow() {
        let mut give_back = give_back.clone();
        let handed_back = async move {
            let _ = give_back.wait_for(|give_back| *give_back).await;
        };
        match runtime.process.execute(&name, handed_back).await {
            Ok(Some(job)) => {
                runtime.metrics.finished(&job);
                continue;
            }
            Ok(None) => {}
            Err(error) => {
                warn!(%error, worker = %name, "the job queue cannot be used; trying again shortly");
                // A claim or a record cut off by the deadline may still have been applied:
                // anything this worker holds now is an orphan, for others to run.
                if let Err(error) = runtime.process.recover(&name).await {
                    warn!(%error, worker = %name, "the jobs this worker held cannot be handed back yet");
                }
            }
        }
        let woken = runtime.wake.notified();
        tokio::select! {
            () = woken => {}
            () = tokio::time::sleep(runtime.poll_interval) => {}
            _ = stopping.changed() => {}
        }
    }
}

/// Prunes the event log and the idempotency keys now and then; every process that runs jobs
/// does, harmlessly at once.
async fn prune_events(runtime: JobRuntime) {
    loop {
        match runtime.prune_events.execute().await {
            Ok(0) => {}
            Ok(pruned) => info!(pruned, "pruned the todo event log"),
            Err(error) => warn!(%error, "the todo event log cannot be pruned yet"),
        }
        match runtime.prune_keys.prune().await {
            Ok(0) => {}
            Ok(pruned) => info!(pruned, "forgot expired idempotency keys"),
            Err(error) => warn!(%error, "expired idempotency keys cannot be pruned yet"),
        }
        tokio::time::sleep(runtime.prune_every).await;
    }
}

/// Removes the blobs of deleted attachments (and of uploads that never got recorded) from
/// storage; every process that runs jobs does, harmlessly at once.
async fn sweep_blobs(runtime: JobRuntime) {
    loop {
        match runtime.sweep_blobs.execute().await {
            Ok(0) => {}
            Ok(swept) => info!(swept, "removed the blobs of deleted attachments"),
            Err(error) => warn!(%error, "orphaned blobs cannot be removed yet"),
        }
        tokio::time::sleep(runtime.sweep_every).await;
    }
}

async fn keep_gauges(runtime: JobRuntime) {
    loop {
        let now = runtime.clock.now();
        if let Err(error) = runtime.store.bury_expired(now).await {
            warn!(%error, "jobs whose worker died on their last attempt cannot be buried yet");
        }
        match runtime.store.stats(now).await {
            Ok(stats) => runtime.metrics.queue(stats, now),
            Err(error) => warn!(%error, "the job queue's gauges cannot be read"),
        }
        tokio::time::sleep(QUEUE_GAUGES_EVERY).await;
    }
}
