use serde::Deserialize;

use super::SettingsError;

/// Traces sent to an OpenTelemetry collector (docs/adr/0020-traces.md).
/// Its `Debug` masks a password in the endpoint (settings/printed.rs).
#[derive(Clone, Deserialize)]
pub struct TelemetrySettings {
    /// The collector's OTLP/HTTP base URL (`http://collector:4318`); unset: no traces sent.
    pub otlp_endpoint: Option<String>,
    /// `service.name` of every span.
    pub service_name: String,
    /// The share of new traces recorded, from 0 to 1; an accepted caller's decision is followed.
    pub sample_ratio: f64,
    /// Whether a request's `traceparent` header is followed. Off by default: a caller could
    /// pick its trace ids and have every request it sends recorded; turn it on behind a gateway
    /// or proxy that sets the header itself.
    pub accept_traceparent: bool,
}

impl TelemetrySettings {
    /// Refuses values that cannot be used: checked before the export starts, by any command.
    ///
    /// # Errors
    /// The problem found.
    pub fn check(&self) -> Result<(), SettingsError> {
        self.problem().map_or(Ok(()), |problem| Err(SettingsError::Telemetry(problem)))
    }

    /// Whether the values can be used: an http(s) URL, a ratio between 0 and 1.
    pub(super) fn problem(&self) -> Option<String> {
        if !(0.0..=1.0).contains(&self.sample_ratio) {
            return Some(format!(
                "telemetry.sample_ratio must be between 0 and 1, got {}",
                self.sample_ratio
            ));
        }
        let endpoint = self.otlp_endpoint.as_deref()?;
        let scheme_ok = endpoint.starts_with("http://") || endpoint.starts_with("https://");
        // Whatever precedes an `@` may be credentials: never printed.
        let shown = endpoint.rsplit_once('@').map_or(endpoint, |(_, host)| host);
        (!scheme_ok)
            .then(|| format!("telemetry.otlp_endpoint must be an http:// or https:// URL, got {shown:?}"))
    }
}
