//! The metrics that only the composition root can see: the database pool and
//! what was built. The HTTP layer adds its own to the same registry.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use todo_adapters_db::Pool;
use todo_adapters_http::Metrics;

/// The HTTP metrics plus the pool gauges and `build_info`.
pub fn metrics(pool: &Pool) -> Metrics {
    let mut metrics = Metrics::new();
    let registry = metrics.registry_mut();
    registry.register_collector(Box::new(PoolCollector(pool.clone())));
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
