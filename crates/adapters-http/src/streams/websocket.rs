//! WebSockets: one JSON text frame per message, pings both ways, close codes.

use std::sync::Arc;
use std::time::Duration;

use actix_ws::{CloseCode, CloseReason, Message};
use futures_util::StreamExt;
use todo_application::ports::RepositoryError;
use todo_application::use_cases::{FeedItem, TodoEventFeed};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, interval_at, sleep, timeout};
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

/// The feed runs in a task of its own and hands over its items through a small channel: what
/// the client sends (a frame a millisecond, say) never cancels a read of the log half-way.
fn follow(
    mut feed: TodoEventFeed,
    recheck_every: Duration,
) -> mpsc::Receiver<Result<FeedItem, RepositoryError>> {
    let (items, received) = mpsc::channel(16);
    actix_web::rt::spawn(async move {
        let mut recheck = interval_at(Instant::now() + recheck_every, recheck_every);
        loop {
            tokio::select! {
                item = feed.next() => {
                    let last = !matches!(item, Ok(FeedItem::Event(_) | FeedItem::Reset { .. }));
                    if items.send(item).await.is_err() || last {
                        return;
                    }
                }
                _ = recheck.tick() => feed.recheck(),
                () = items.closed() => return,
            }
        }
    });
    received
}

pub(crate) async fn pump_websocket(
    feed: TodoEventFeed,
    socket: Socket,
    metrics: Arc<Metrics>,
    options: EventStreamOptions,
) {
    let Socket { mut session, messages, closing } = socket;
    let _open = metrics.stream_opened(WEBSOCKET);
    let closed = StreamsClosing::closed(closing);
    tokio::pin!(closed);
    let mut items = follow(feed, options.ping_every);
    let mut messages = messages.max_frame_size(64 * 1024);
    let mut ping = interval_at(Instant::now() + options.ping_every, options.ping_every);
    let silence = sleep(options.silence_limit);
    tokio::pin!(silence);
    let reason = loop {
        let step = tokio::select! {
            item = items.recv() => match item.map(|item| item.map(message)) {
                Some(Ok(Some((_, message)))) => {
                    let event = !matches!(message, StreamMessage::Reset {});
                    Step::Send(serde_json::to_string(&message).unwrap_or_default(), event)
                }
                Some(Ok(None)) => Step::Close(Some(CloseReason {
                    code: CloseCode::Other(4001),
                    description: Some("Session revoked or user deactivated".to_owned()),
                })),
                Some(Err(error)) => {
                    warn!(%error, "an event stream failed; the client can resume");
                    metrics.stream_dropped(WEBSOCKET, "error");
                    Step::Close(Some(CloseCode::Error.into()))
                }
                None => Step::Close(Some(CloseCode::Error.into())),
            },
            message = messages.next() => match message {
                Some(Ok(Message::Text(text))) => match serde_json::from_str::<ClientMessage>(&text) {
                    Ok(ClientMessage::Ping) => {
                        silence.as_mut().reset(Instant::now() + options.silence_limit);
                        Step::Send(serde_json::to_string(&StreamMessage::Pong {}).unwrap_or_default(), false)
                    }
                    Err(_) => Step::Heard,
                },
                Some(Ok(Message::Ping(bytes))) => {
                    silence.as_mut().reset(Instant::now() + options.silence_limit);
                    match timeout(options.send_timeout, session.pong(&bytes)).await {
                        Ok(Ok(())) => Step::Heard,
                        Ok(Err(_)) => break None,
                        Err(_) => {
                            metrics.stream_dropped(WEBSOCKET, "slow_consumer");
                            break Some(CloseCode::Policy.into());
                        }
                    }
                }
                Some(Ok(Message::Close(reason))) => Step::Close(reason),
                Some(Ok(_)) => Step::Heard,
                Some(Err(_)) => Step::Close(Some(CloseCode::Protocol.into())),
                None => break None,
            },
            _ = ping.tick() => Step::Ping,
            () = &mut silence => {
                metrics.stream_dropped(WEBSOCKET, "silent_peer");
                Step::Close(Some(CloseCode::Away.into()))
            }
            () = &mut closed => Step::Close(Some(CloseCode::Restart.into())),
        };
        let sent = match step {
            Step::Heard => {
                silence.as_mut().reset(Instant::now() + options.silence_limit);
                continue;
            }
            Step::Close(reason) => break reason,
            Step::Send(text, event) => {
                let sent = timeout(options.send_timeout, session.text(text)).await;
                if event && matches!(sent, Ok(Ok(()))) {
                    metrics.event_delivered(WEBSOCKET);
                }
                sent
            }
            Step::Ping => timeout(options.send_timeout, session.ping(b"")).await,
        };
        match sent {
            Ok(Ok(())) => {}
            // The client went away.
            Ok(Err(_)) => break None,
            Err(_) => {
                metrics.stream_dropped(WEBSOCKET, "slow_consumer");
                break Some(CloseCode::Policy.into());
            }
        }
    };
    let _ = timeout(options.send_timeout, session.close(reason)).await;
}
