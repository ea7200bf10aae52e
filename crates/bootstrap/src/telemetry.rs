//! Structured logs with `tracing`: text for people, JSON for log pipelines; and, when a
//! collector is configured, the same spans exported as OpenTelemetry traces.
//!
//! Both carry the same fields with the same types; the text writes decimals with three places
//! (`latency_ms=0.020`), where the default writes every digit a float has
//! (`latency_ms=0.020350999999999998`). Durations are rounded to the microsecond where they are
//! recorded, so the JSON numbers are short too.

use std::fmt;

use todo_adapters_telemetry::OtlpExport;
use tracing::field::{Field, Visit};
use tracing::span::Record;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::{FormatFields, FormattedFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::settings::{LogFormat, LogSettings, TelemetrySettings};

/// What `init` started: the export of traces, to be flushed before the process exits.
pub struct Telemetry {
    export: Option<OtlpExport>,
}

impl Telemetry {
    /// Sends the spans still buffered; call once, when the work is done.
    pub fn shutdown(&self) {
        if let Some(export) = &self.export {
            export.shutdown();
        }
    }
}

/// Installs the global subscriber: the log in the configured format and, with
/// `telemetry.otlp_endpoint`, the export of spans. Call once, before anything logs.
///
/// # Errors
/// When the filter does not parse, the exporter cannot be built, or a subscriber is already
/// installed.
pub fn init(log: &LogSettings, traces: &TelemetrySettings) -> anyhow::Result<Telemetry> {
    let filter = EnvFilter::try_new(&log.filter)?;
    let export = traces
        .otlp_endpoint
        .as_deref()
        .map(|endpoint| OtlpExport::start(endpoint, &traces.service_name, traces.sample_ratio))
        .transpose()?;
    let format = tracing_subscriber::fmt::layer().with_target(false);
    let format = match log.format {
        LogFormat::Text => format.fmt_fields(ReadableFields).boxed(),
        LogFormat::Json => format
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .fmt_fields(JsonLogFields)
            .boxed(),
    };
    // Each layer has its own filter: `log.filter` says what is logged, not what is exported.
    let exported = export.as_ref().map(|export| export.layer().with_filter(EnvFilter::new(EXPORTED)));
    tracing_subscriber::registry().with(format.with_filter(filter)).with(exported).try_init()?;
    Ok(Telemetry { export })
}

/// The spans and events exported: the service's at `info` (requests, jobs, use cases,
/// repositories), not the database drivers' own.
const EXPORTED: &str = "info,sqlx=warn,sea_orm=warn";

/// Fields for the trace only (`otel.name`, the span's name there): never logged.
const TRACE_ONLY: &str = "otel.";

/// The text format's fields: `message` first and bare, then `name=value`, strings quoted,
/// decimals with three places.
pub struct ReadableFields;

impl<'writer> FormatFields<'writer> for ReadableFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'writer>, fields: R) -> fmt::Result {
        let mut visitor = Readable { writer, result: Ok(()), empty: true };
        fields.record(&mut visitor);
        visitor.result
    }

    fn add_fields(&self, current: &'writer mut FormattedFields<Self>, fields: &Record<'_>) -> fmt::Result {
        let mut added = String::new();
        self.format_fields(Writer::new(&mut added), fields)?;
        if !added.is_empty() {
            if !current.fields.is_empty() {
                current.fields.push(' ');
            }
            current.fields.push_str(&added);
        }
        Ok(())
    }
}

/// The JSON format's fields: tracing-subscriber's, without the fields for the trace only.
pub struct JsonLogFields;

impl<'writer> FormatFields<'writer> for JsonLogFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'writer>, fields: R) -> fmt::Result {
        let mut json = String::new();
        JsonFields::new().format_fields(Writer::new(&mut json), fields)?;
        if json.contains(TRACE_ONLY) {
            json = without_trace_only(&json, serde_json::Map::new())?;
        }
        writer.write_str(&json)
    }

    fn add_fields(&self, current: &'writer mut FormattedFields<Self>, fields: &Record<'_>) -> fmt::Result {
        let mut added = String::new();
        self.format_fields(Writer::new(&mut added), fields)?;
        if current.fields.is_empty() {
            current.fields = added;
            return Ok(());
        }
        let existing = serde_json::from_str(&current.fields).map_err(|_| fmt::Error)?;
        current.fields = without_trace_only(&added, existing)?;
        Ok(())
    }
}

/// `json`'s fields added to `into`, but those for the trace only, as a JSON object.
fn without_trace_only(
    json: &str,
    mut into: serde_json::Map<String, serde_json::Value>,
) -> Result<String, fmt::Error> {
    let fields: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(json).map_err(|_| fmt::Error)?;
    into.extend(fields.into_iter().filter(|(name, _)| !name.starts_with(TRACE_ONLY)));
    serde_json::to_string(&into).map_err(|_| fmt::Error)
}

struct Readable<'writer> {
    writer: Writer<'writer>,
    result: fmt::Result,
    empty: bool,
}

impl Readable<'_> {
    fn write(&mut self, field: &Field, value: fmt::Arguments<'_>) {
        if self.result.is_err() || field.name().starts_with(TRACE_ONLY) {
            return;
        }
        let separator = if self.empty { "" } else { " " };
        self.empty = false;
        self.result = if field.name() == "message" {
            write!(self.writer, "{separator}{value}")
        } else {
            write!(self.writer, "{separator}{}={value}", field.name())
        };
    }
}

impl Visit for Readable<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.write(field, format_args!("{value:.3}"));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.write(field, format_args!("{value:?}"));
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::fmt::MakeWriter;

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Self;
        fn make_writer(&'a self) -> Self {
            self.clone()
        }
    }

    fn logged(json: bool) -> String {
        let captured = Captured::default();
        let builder =
            tracing_subscriber::fmt().with_writer(captured.clone()).with_ansi(false).with_target(false);
        let log = || {
            let span = tracing::info_span!("request", method = %"GET", path = %"/todos/");
            span.in_scope(|| {
                tracing::info!(status = 200_u16, latency_ms = 0.020_350_999_999_999_998, "request completed")
            });
        };
        if json {
            tracing::subscriber::with_default(builder.json().flatten_event(true).finish(), log);
        } else {
            tracing::subscriber::with_default(builder.fmt_fields(ReadableFields).finish(), log);
        }
        String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn text_writes_decimals_with_three_places_and_keeps_the_rest_as_it_was() {
        let line = logged(false);
        assert!(
            line.contains("request{method=GET path=/todos/}: request completed status=200 latency_ms=0.020"),
            "{line}"
        );
        assert!(!line.contains("0.0203"), "{line}");
    }

    #[test]
    fn json_keeps_the_types() {
        let line = logged(true);
        let parsed: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
        assert_eq!(parsed["status"], 200);
        assert!(parsed["latency_ms"].is_f64(), "{line}");
        assert_eq!(parsed["message"], "request completed");
    }
}
