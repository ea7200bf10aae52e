//! Traces, the OpenTelemetry way: which trace a span belongs to ([`W3cTraceContext`], the
//! `TraceContext` port over W3C trace context) and where finished spans go ([`OtlpExport`],
//! batches to a collector over OTLP/HTTP). Spans themselves are `tracing`'s: the use cases and
//! the other adapters know nothing of OpenTelemetry (docs/adr/0020-traces.md).

mod context;
mod export;

pub use context::W3cTraceContext;
pub use export::{ExportError, OtlpExport};
