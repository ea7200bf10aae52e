//! Structured logs with `tracing`: text for people, JSON for log pipelines.
//!
//! Both carry the same fields with the same types; the text writes decimals with three places
//! (`latency_ms=0.020`), where the default writes every digit a float has
//! (`latency_ms=0.020350999999999998`). Durations are rounded to the microsecond where they are
//! recorded, so the JSON numbers are short too.

use std::fmt;

use tracing::field::{Field, Visit};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::format::Writer;

use crate::settings::{LogFormat, LogSettings};

/// Installs the global subscriber. Call once, before anything logs.
///
/// # Errors
/// When the filter does not parse or a subscriber is already installed.
pub fn init(settings: &LogSettings) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(&settings.filter)?;
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let installed = match settings.format {
        LogFormat::Text => builder.fmt_fields(ReadableFields).try_init(),
        LogFormat::Json => {
            builder.json().flatten_event(true).with_current_span(true).with_span_list(false).try_init()
        }
    };
    installed.map_err(|error| anyhow::anyhow!(error))
}

/// The text format's fields: `message` first and bare, then `name=value`, strings quoted,
/// decimals with three places.
pub struct ReadableFields;

impl<'writer> FormatFields<'writer> for ReadableFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'writer>, fields: R) -> fmt::Result {
        let mut visitor = Readable { writer, result: Ok(()), empty: true };
        fields.record(&mut visitor);
        visitor.result
    }
}

struct Readable<'writer> {
    writer: Writer<'writer>,
    result: fmt::Result,
    empty: bool,
}

impl Readable<'_> {
    fn write(&mut self, field: &Field, value: fmt::Arguments<'_>) {
        if self.result.is_err() {
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
