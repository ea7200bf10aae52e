//! Server-Sent Events: frames into a bounded channel that is the response body.

use std::sync::Arc;

use actix_web::web::Bytes;
use todo_application::use_cases::TodoEventFeed;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, interval_at, timeout};
use tracing::warn;

use super::{EventStreamOptions, SSE, StreamsClosing, message};
use crate::dto::StreamMessage;
use crate::metrics::Metrics;

/// The frame of an SSE message; a reset carries the position it goes on from as its id.
fn sse_frame(id: Option<i64>, message: &StreamMessage) -> Bytes {
    let data = serde_json::to_string(message).unwrap_or_else(|_| "{}".to_owned());
    let id = id.map(|id| format!("id: {id}\n")).unwrap_or_default();
    Bytes::from(format!("{id}event: {}\ndata: {data}\n\n", message.kind()))
}

pub(crate) async fn pump_sse(
    mut feed: TodoEventFeed,
    frames: mpsc::Sender<Bytes>,
    metrics: Arc<Metrics>,
    options: EventStreamOptions,
    closing: watch::Receiver<bool>,
) {
    let _open = metrics.stream_opened(SSE);
    let closed = StreamsClosing::closed(closing);
    tokio::pin!(closed);
    let mut keep_alive = interval_at(Instant::now() + options.keep_alive, options.keep_alive);
    // At once, so that the client sees the stream open before the first change; with the
    // position, which an `EventSource` keeps without firing an event, so that a reconnect
    // before any change resumes from here instead of from whatever is newest by then.
    let mut frame = match feed.position() {
        Some(position) => Bytes::from(format!("id: {position}\n: connected\n\n")),
        None => Bytes::from_static(b": connected\n\n"),
    };
    loop {
        match timeout(options.send_timeout, frames.send(frame)).await {
            Ok(Ok(())) => {}
            // The client went away.
            Ok(Err(_)) => return,
            Err(_) => return metrics.stream_dropped(SSE, "slow_consumer"),
        }
        frame = tokio::select! {
            item = feed.next() => match item.map(message) {
                Ok(Some((id, message))) => {
                    if id.is_some() && !matches!(message, StreamMessage::Reset {}) {
                        metrics.event_delivered(SSE);
                    }
                    sse_frame(id, &message)
                }
                // Revoked: EventSource reconnects, and is refused.
                Ok(None) => return,
                Err(error) => {
                    warn!(%error, "an event stream failed; the client can resume");
                    return metrics.stream_dropped(SSE, "error");
                }
            },
            _ = keep_alive.tick() => {
                feed.recheck();
                Bytes::from_static(b": keep-alive\n\n")
            }
            () = frames.closed() => return,
            () = &mut closed => return,
        };
    }
}
