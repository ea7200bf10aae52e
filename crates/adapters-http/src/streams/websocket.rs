//! WebSockets: one JSON text frame per message, pings both ways, close codes.

use std::sync::Arc;

use actix_ws::{CloseCode, CloseReason, Message};
use futures_util::StreamExt;
use todo_application::use_cases::TodoEventFeed;
use tokio::sync::watch;
use tokio::time::{Instant, interval_at, timeout};
use tracing::warn;

use super::{EventStreamOptions, StreamsClosing, WEBSOCKET, message};
use crate::dto::{ClientMessage, StreamMessage};
use crate::metrics::Metrics;

/// What happened next on a WebSocket.
enum Step {
    Send(String, bool),
    Close(Option<CloseReason>),
    Ping,
    Heard,
}

/// A WebSocket's two halves, and the service's signal to close it.
pub(crate) struct Socket {
    pub(crate) session: actix_ws::Session,
    pub(crate) messages: actix_ws::MessageStream,
    pub(crate) closing: watch::Receiver<bool>,
}

pub(crate) async fn pump_websocket(
    mut feed: TodoEventFeed,
    socket: Socket,
    metrics: Arc<Metrics>,
    options: EventStreamOptions,
) {
    let Socket { mut session, messages, closing } = socket;
    let _open = metrics.stream_opened(WEBSOCKET);
    let closed = StreamsClosing::closed(closing);
    tokio::pin!(closed);
    let mut messages = messages.max_frame_size(64 * 1024);
    let mut ping = interval_at(Instant::now() + options.ping_every, options.ping_every);
    let mut last_heard = Instant::now();
    let reason = loop {
        let step = tokio::select! {
            item = feed.next() => match item.map(message) {
                Ok(Some((_, message))) => {
                    let event = !matches!(message, StreamMessage::Reset {});
                    Step::Send(serde_json::to_string(&message).unwrap_or_default(), event)
                }
                Ok(None) => Step::Close(Some(CloseReason {
                    code: CloseCode::Other(4001),
                    description: Some("Session revoked or user deactivated".to_owned()),
                })),
                Err(error) => {
                    warn!(%error, "an event stream failed; the client can resume");
                    metrics.stream_dropped(WEBSOCKET, "error");
                    Step::Close(Some(CloseCode::Error.into()))
                }
            },
            message = messages.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    last_heard = Instant::now();
                    match serde_json::from_str::<ClientMessage>(&text) {
                        Ok(ClientMessage::Ping) => {
                            Step::Send(serde_json::to_string(&StreamMessage::Pong {}).unwrap_or_default(), false)
                        }
                        Err(_) => Step::Heard,
                    }
                }
                Some(Ok(Message::Ping(bytes))) => {
                    last_heard = Instant::now();
                    if session.pong(&bytes).await.is_err() {
                        break None;
                    }
                    Step::Heard
                }
                Some(Ok(Message::Close(reason))) => Step::Close(reason),
                Some(Ok(_)) => Step::Heard,
                Some(Err(_)) => Step::Close(Some(CloseCode::Protocol.into())),
                None => break None,
            },
            _ = ping.tick() => Step::Ping,
            () = &mut closed => Step::Close(Some(CloseCode::Restart.into())),
        };
        match step {
            Step::Heard => last_heard = Instant::now(),
            Step::Send(text, event) => match timeout(options.send_timeout, session.text(text)).await {
                Ok(Ok(())) if event => metrics.event_delivered(WEBSOCKET),
                Ok(Ok(())) => {}
                Ok(Err(_)) => break None,
                Err(_) => {
                    metrics.stream_dropped(WEBSOCKET, "slow_consumer");
                    break Some(CloseCode::Policy.into());
                }
            },
            Step::Ping => {
                if last_heard.elapsed() >= options.silence_limit {
                    metrics.stream_dropped(WEBSOCKET, "silent_peer");
                    break Some(CloseCode::Away.into());
                }
                feed.recheck();
                if session.ping(b"").await.is_err() {
                    break None;
                }
            }
            Step::Close(reason) => break reason,
        }
    };
    let _ = timeout(options.send_timeout, session.close(reason)).await;
}
