use std::collections::HashMap;

use opentelemetry::Context;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use todo_application::ports::TraceContext;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

const TRACEPARENT: &str = "traceparent";

/// [`TraceContext`] with W3C trace context (`traceparent`). With the export on, spans are
/// OpenTelemetry spans and a span adopted here becomes the remote span's child; without it,
/// nothing is recorded, and the caller's trace id is still returned for the logs.
#[derive(Debug, Default)]
pub struct W3cTraceContext {
    propagator: TraceContextPropagator,
    /// Every `traceparent` given to `adopt` is ignored: each span starts a trace of its own.
    ignore_callers: bool,
}

impl W3cTraceContext {
    /// Adopts every `traceparent` it is given: for contexts the service wrote itself (a job's).
    pub fn new() -> Self {
        Self::default()
    }

    /// For requests: `accept` a caller's `traceparent` (the caller then chooses the trace id and,
    /// through its sampled flag, whether the request is recorded), or start a trace of our own.
    pub fn for_callers(accept: bool) -> Self {
        Self { ignore_callers: !accept, ..Self::default() }
    }

    fn extract(&self, traceparent: &str) -> Option<Context> {
        let carrier = HashMap::from([(TRACEPARENT.to_owned(), traceparent.to_owned())]);
        let context = self.propagator.extract(&carrier);
        context.span().span_context().is_valid().then_some(context)
    }
}

impl TraceContext for W3cTraceContext {
    fn current(&self) -> Option<String> {
        let context = Span::current().context();
        if !context.span().span_context().is_valid() {
            return None;
        }
        let mut carrier = HashMap::new();
        self.propagator.inject_context(&context, &mut carrier);
        carrier.remove(TRACEPARENT)
    }

    fn adopt(&self, span: &Span, traceparent: Option<&str>) -> Option<String> {
        let traceparent = traceparent.filter(|_| !self.ignore_callers);
        let remote = traceparent.and_then(|traceparent| self.extract(traceparent));
        let remote_trace = remote.as_ref().map(|context| context.span().span_context().trace_id());
        if let Some(context) = remote {
            // Fails only when nothing records spans (no export) or the span has started: then
            // the span stays in a trace of its own, or none.
            let _ = span.set_parent(context);
        }
        let own = span.context().span().span_context().clone();
        let trace = if own.is_valid() { Some(own.trace_id()) } else { remote_trace };
        trace.map(|trace| trace.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn without_the_export_the_callers_trace_id_is_still_given_for_the_logs() {
        let traces = W3cTraceContext::new();
        let span = tracing::info_span!("request");
        assert_eq!(traces.adopt(&span, Some(PARENT)).as_deref(), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
        assert_eq!(traces.adopt(&span, None), None);
        assert_eq!(traces.current(), None, "nothing is recorded, so there is nothing to carry");
    }

    #[test]
    fn a_callers_trace_is_not_adopted_unless_accepted() {
        let span = tracing::info_span!("request");
        assert_eq!(W3cTraceContext::for_callers(false).adopt(&span, Some(PARENT)), None);
        let accepted = W3cTraceContext::for_callers(true).adopt(&span, Some(PARENT));
        assert_eq!(accepted.as_deref(), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
    }

    #[test]
    fn a_malformed_or_empty_traceparent_is_ignored() {
        let traces = W3cTraceContext::new();
        let span = tracing::info_span!("request");
        for bad in
            ["", "00-zz-00f067aa0ba902b7-01", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"]
        {
            assert_eq!(traces.adopt(&span, Some(bad)), None, "{bad:?}");
        }
    }
}
