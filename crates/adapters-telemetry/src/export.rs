use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::registry::LookupSpan;

/// The longest one export may take; spans of a batch that fails are dropped, never retried
/// for ever, and the service carries on.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the OTLP exporter could not be built: {0}")]
    Exporter(#[from] opentelemetry_otlp::ExporterBuildError),
}

/// Spans exported in batches, from a thread of their own, to `<endpoint>/v1/traces`.
pub struct OtlpExport {
    provider: SdkTracerProvider,
}

impl OtlpExport {
    /// `endpoint` is the collector's base URL (`http://collector:4318`); `sample_ratio` the
    /// share of new traces recorded (a caller's sampling decision is followed as it is).
    ///
    /// # Errors
    /// When the exporter cannot be built from these values.
    pub fn start(endpoint: &str, service_name: &str, sample_ratio: f64) -> Result<Self, ExportError> {
        // The HTTP client's TLS (for an https:// collector) uses the process's provider: ring,
        // the one the tree has already. Installed by whoever comes first; either way the same.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let exporter = SpanExporter::builder()
            .with_http()
            .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
            .with_timeout(EXPORT_TIMEOUT)
            .build()?;
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(sample_ratio))))
            .with_resource(Resource::builder().with_service_name(service_name.to_owned()).build())
            .build();
        Ok(Self { provider })
    }

    /// The `tracing` layer that turns spans into OpenTelemetry spans for this export.
    pub fn layer<S>(&self) -> impl Layer<S> + use<S>
    where
        S: Subscriber + for<'span> LookupSpan<'span>,
    {
        tracing_opentelemetry::layer().with_tracer(self.provider.tracer("todo-api"))
    }

    /// Sends what is still buffered, then stops the export. Call once, before exiting.
    pub fn shutdown(&self) {
        if let Err(error) = self.provider.shutdown() {
            eprintln!("traces: the last spans could not be exported: {error}");
        }
    }
}
