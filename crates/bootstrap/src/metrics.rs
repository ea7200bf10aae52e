//! The metrics that only the composition root can see: the database pool, the job queue
//! and what was built. The HTTP layer adds its own to the same registry.

use std::sync::atomic::AtomicU64;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use todo_adapters_auth::StoreFailures;
use todo_adapters_db::Pool;
use todo_adapters_http::Metrics;
use todo_application::ports::QueueStats;
use todo_application::use_cases::{JobOutcome, ProcessedJob};
use todo_domain::Timestamp;

type Labels = Vec<(&'static str, String)>;

/// The job queue as this process sees it: what it enqueued and ran, counted as it happens,
/// and the queue's depth, read from the database every few seconds.
#[derive(Clone, Default)]
pub struct JobMetrics {
    enqueued: Family<Labels, Counter>,
    finished: Family<Labels, Counter>,
    ready: Gauge,
    oldest_ready_age: Gauge<f64, AtomicU64>,
    dead: Gauge,
}

impl JobMetrics {
    pub fn enqueued(&self, kinds: &[&'static str]) {
        for kind in kinds {
            self.enqueued.get_or_create(&vec![("kind", (*kind).to_owned())]).inc();
        }
    }

    pub fn finished(&self, job: &ProcessedJob) {
        let outcome = match job.outcome {
            JobOutcome::Succeeded => "succeeded",
            JobOutcome::Retrying(_) => "retried",
            JobOutcome::Dead => "dead",
            JobOutcome::LostLease => "lost_lease",
            JobOutcome::Released => "released",
        };
        self.finished.get_or_create(&vec![("kind", job.kind.clone()), ("outcome", outcome.to_owned())]).inc();
    }

    pub fn queue(&self, stats: QueueStats, now: Timestamp) {
        self.ready.set(i64::try_from(stats.ready).unwrap_or(i64::MAX));
        self.dead.set(i64::try_from(stats.dead).unwrap_or(i64::MAX));
        let age = stats.oldest_ready_since.map_or(0.0, |since| (now - since).as_seconds_f64().max(0.0));
        self.oldest_ready_age.set(age);
    }
}

/// The HTTP metrics plus the pool gauges, the job metrics, the rate limiter's store and
/// `build_info`.
pub fn metrics(pool: &Pool, jobs: &JobMetrics, limit_store_unavailable: &StoreFailures) -> Metrics {
    let mut metrics = Metrics::new();
    let registry = metrics.registry_mut();
    registry.register_collector(Box::new(PoolCollector(pool.clone())));
    registry.register_collector(Box::new(LimitStoreCollector(limit_store_unavailable.clone())));
    registry.register("jobs_enqueued", "Jobs committed by this process, by kind", jobs.enqueued.clone());
    registry.register(
        "jobs_finished",
        "Job attempts this process ran, by kind and outcome (succeeded, retried, dead, lost_lease, released)",
        jobs.finished.clone(),
    );
    registry.register("jobs_ready", "Jobs that could start now", jobs.ready.clone());
    registry.register(
        "jobs_oldest_ready_age_seconds",
        "How long the job ready the longest has been waiting",
        jobs.oldest_ready_age.clone(),
    );
    registry.register("jobs_dead", "Jobs that failed for good and wait for an operator", jobs.dead.clone());
    let build_info = Family::<Vec<(String, String)>, Gauge>::default();
    let labels = vec![("version".to_owned(), env!("CARGO_PKG_VERSION").to_owned())];
    build_info.get_or_create(&labels).set(1);
    registry.register("build_info", "The version of the service, as a label", build_info);
    metrics
}

/// Reads the pool's gauges at each scrape.
#[derive(Debug)]
struct PoolCollector(Pool);

impl Collector for PoolCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(stats) = self.0.stats() else { return Ok(()) };
        let gauges = [
            ("db_pool_connections", "Open database connections, idle or in use", i64::from(stats.size)),
            ("db_pool_idle_connections", "Open database connections not in use", stats.idle as i64),
            ("db_pool_max_connections", "The most connections the pool may open", i64::from(stats.max)),
        ];
        for (name, help, value) in gauges {
            let gauge = ConstGauge::new(value);
            gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)?;
        }
        Ok(())
    }
}

/// Reads the rate limiter's count of attempts answered without Redis at each scrape.
#[derive(Debug)]
struct LimitStoreCollector(StoreFailures);

impl Collector for LimitStoreCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let counter = ConstCounter::new(self.0.get());
        let help = "Rate-limit attempts answered without Redis (counted locally or refused, as configured)";
        counter.encode(encoder.encode_descriptor(
            "rate_limit_store_unavailable",
            help,
            None,
            counter.metric_type(),
        )?)
    }
}
