//! Structured logs with `tracing`: text for people, JSON for log pipelines.

use tracing_subscriber::EnvFilter;

use crate::settings::{LogFormat, LogSettings};

/// Installs the global subscriber. Call once, before anything logs.
///
/// # Errors
/// When the filter does not parse or a subscriber is already installed.
pub fn init(settings: &LogSettings) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(&settings.filter)?;
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let installed = match settings.format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => {
            builder.json().flatten_event(true).with_current_span(true).with_span_list(false).try_init()
        }
    };
    installed.map_err(|error| anyhow::anyhow!(error))
}
