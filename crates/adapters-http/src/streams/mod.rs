//! The live streams' machinery, apart from their routes (`routes/events.rs`): a task per
//! stream takes items from a `TodoEventFeed` (the use case decides what to send) and writes them
//! in its transport's frames, with keep-alives, and gives up on a client that stops reading.

mod sse;
mod websocket;

use std::sync::Arc;
use std::time::Duration;

use todo_application::use_cases::FeedItem;
use todo_domain::EventId;
use tokio::sync::watch;

use crate::dto::StreamMessage;

pub(crate) use sse::pump_sse;
pub(crate) use websocket::{Socket, pump_websocket};

const SSE: &str = "sse";
const WEBSOCKET: &str = "websocket";

/// How live streams pace themselves.
#[derive(Debug, Clone, Copy)]
pub struct EventStreamOptions {
    /// An SSE comment at least this often; each also re-reads the log and the credential.
    pub keep_alive: Duration,
    /// A WebSocket ping this often (and the same re-reading).
    pub ping_every: Duration,
    /// A WebSocket peer silent this long is closed.
    pub silence_limit: Duration,
    /// A client that has not taken a frame for this long is too far behind: closed.
    pub send_timeout: Duration,
    /// Frames an SSE stream holds for a slow client before it waits.
    pub buffer: usize,
}

impl Default for EventStreamOptions {
    fn default() -> Self {
        Self {
            keep_alive: Duration::from_secs(15),
            ping_every: Duration::from_secs(30),
            silence_limit: Duration::from_secs(60),
            send_timeout: Duration::from_secs(30),
            buffer: 64,
        }
    }
}

/// Ends every live stream at once: on shutdown, before the server waits for its open
/// connections (a stream would otherwise hold it until the shutdown timeout). Clients resume
/// on another replica.
#[derive(Clone)]
pub struct StreamsClosing(Arc<watch::Sender<bool>>);

impl StreamsClosing {
    pub fn new() -> Self {
        Self(Arc::new(watch::Sender::new(false)))
    }

    pub fn close_all(&self) {
        self.0.send_replace(true);
    }

    pub(crate) fn watch(&self) -> watch::Receiver<bool> {
        self.0.subscribe()
    }

    async fn closed(mut watching: watch::Receiver<bool>) {
        let _ = watching.wait_for(|closing| *closing).await;
    }
}

impl Default for StreamsClosing {
    fn default() -> Self {
        Self::new()
    }
}

/// What a feed item becomes: a message with its id, or the end of the stream.
fn message(item: FeedItem) -> Option<(Option<i64>, StreamMessage)> {
    match item {
        FeedItem::Event(event) => Some((Some(event.id.get()), event.into())),
        // A reset's SSE id is where the stream goes on from.
        FeedItem::Reset { after } => Some((after.map(EventId::get), StreamMessage::Reset {})),
        FeedItem::Revoked => None,
    }
}
