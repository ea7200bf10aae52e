use tracing::Span;

/// Carries a trace across the job queue, and from a caller into the service. Traces are made
/// of `tracing` spans; this port reads and sets which trace a span belongs to, written as a
/// W3C `traceparent` (`00-<trace id>-<span id>-<flags>`), text the use cases pass on unread.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait TraceContext: Send + Sync {
    /// The trace of the current span, to store with work done later; `None` when no trace
    /// is being recorded.
    fn current(&self) -> Option<String>;

    /// Makes `span` a child of the span `traceparent` names, when it is a valid one; returns the
    /// trace id (32 hex digits) that `span` belongs to then, if any, for the logs.
    #[allow(clippy::needless_lifetimes, reason = "mockall needs the lifetime named")]
    fn adopt<'a>(&self, span: &Span, traceparent: Option<&'a str>) -> Option<String>;
}
