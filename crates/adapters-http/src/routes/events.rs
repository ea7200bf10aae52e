//! Live events: the caller's todo changes as Server-Sent Events (`GET /todos/events`) or over
//! a WebSocket (`GET /todos/ws`). Each stream is a task that takes items from a
//! `TodoEventFeed` (the use case decides what to send) and writes them in its transport's
//! frames, with keep-alives, and gives up on a client that stops reading.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header::{CACHE_CONTROL, ContentEncoding};
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use actix_ws::{CloseCode, CloseReason, Message};
use futures_util::StreamExt;
use todo_application::use_cases::{FeedItem, TodoEventFeed};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, interval_at, timeout};
use tracing::warn;

use crate::dto::{ClientMessage, StreamMessage, reset_position};
use crate::errors::ApiError;
use crate::extract::StreamRequest;
use crate::metrics::Metrics;
use crate::responses::{AuthenticationFailed, Forbidden, InvalidRequest, TooManyStreams, Unavailable};
use crate::state::AppState;

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

    async fn closed(mut watching: watch::Receiver<bool>) {
        let _ = watching.wait_for(|closing| *closing).await;
    }
}

impl Default for StreamsClosing {
    fn default() -> Self {
        Self::new()
    }
}

/// Registered before `/todos/{todo_id}`, which would otherwise take these paths.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/todos/events").route(web::get().to(server_sent_events)))
        .service(web::resource("/todos/ws").route(web::get().to(websocket)));
}

/// Follow the caller's todos as Server-Sent Events.
///
/// Each change is a frame with `id:` (the event id), `event:` (its type) and `data:` (the JSON
/// message). A `: keep-alive` comment comes at least every 15 s. To resume, send the last id
/// seen as `Last-Event-ID` (what `EventSource` does) or `last_event_id`; if those events are no
/// longer kept, the first message is `{"type":"reset"}`: refetch. Browsers may pass the token
/// as `access_token`.
#[utoipa::path(get, path = "/todos/events", tag = "events",
    security(("OAuth2PasswordBearer" = ["todos:read"]), ("APIKeyHeader" = [])),
    params(
        ("access_token" = Option<String>, Query, description = "The access token, where headers cannot be set (RFC 6750 2.3)"),
        ("last_event_id" = Option<i64>, Query, description = "Resume after this event"),
        ("Last-Event-ID" = Option<i64>, Header, description = "Resume after this event; wins over the query"),
    ),
    responses(
        (status = 200, description = "A stream of the caller's todo events, until either side closes it",
            content_type = "text/event-stream", body = StreamMessage,
            example = "id: 7\nevent: todo.deleted\ndata: {\"type\":\"todo.deleted\",\"id\":7,\"todo_id\":3}\n\n"),
        AuthenticationFailed, Forbidden, InvalidRequest, TooManyStreams, Unavailable,
    ))]
pub(crate) async fn server_sent_events(
    request: StreamRequest,
    state: web::Data<AppState>,
    metrics: web::Data<Metrics>,
    options: web::Data<EventStreamOptions>,
    closing: web::Data<StreamsClosing>,
) -> Result<HttpResponse, ApiError> {
    let feed = state.follow_todo_events.execute(&request.caller, request.last_event_id).await?;
    let (frames, body) = mpsc::channel::<Bytes>(options.buffer.max(1));
    let closing = closing.0.subscribe();
    actix_web::rt::spawn(pump_sse(feed, frames, metrics.into_inner(), **options, closing));
    let body = futures_util::stream::unfold(body, |mut body| async move {
        body.recv().await.map(|frame| (Ok::<_, Infallible>(frame), body))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((CACHE_CONTROL, "no-cache"))
        .insert_header(ContentEncoding::Identity)
        // Proxies that buffer (nginx) pass each frame on at once.
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}

/// Follow the caller's todos over a WebSocket.
///
/// One JSON text frame per message, the same messages as `/todos/events`. Send
/// `{"type":"ping"}` for a `{"type":"pong"}`. The server pings every 30 s and closes a peer
/// silent for 60 s; it closes with code 4001 when the session is revoked or the user
/// deactivated. Resume with `last_event_id`; browsers may pass the token as `access_token`.
/// A request that is not a WebSocket handshake is refused with 400.
#[utoipa::path(get, path = "/todos/ws", tag = "events",
    security(("OAuth2PasswordBearer" = ["todos:read"]), ("APIKeyHeader" = [])),
    params(
        ("access_token" = Option<String>, Query, description = "The access token, where headers cannot be set (RFC 6750 2.3)"),
        ("last_event_id" = Option<i64>, Query, description = "Resume after this event"),
    ),
    responses(
        (status = 101, description = "Switched to the WebSocket protocol; then one JSON text frame per message",
            body = StreamMessage),
        AuthenticationFailed, Forbidden, InvalidRequest, TooManyStreams, Unavailable,
    ))]
pub(crate) async fn websocket(
    req: HttpRequest,
    body: web::Payload,
    request: StreamRequest,
    state: web::Data<AppState>,
    metrics: web::Data<Metrics>,
    options: web::Data<EventStreamOptions>,
    closing: web::Data<StreamsClosing>,
) -> Result<HttpResponse, ApiError> {
    let (response, session, messages) =
        actix_ws::handle(&req, body).map_err(|_| ApiError::BadRequest("Expected a WebSocket handshake"))?;
    let feed = state.follow_todo_events.execute(&request.caller, request.last_event_id).await?;
    let socket = Socket { session, messages, closing: closing.0.subscribe() };
    actix_web::rt::spawn(pump_websocket(feed, socket, metrics.into_inner(), **options));
    Ok(response)
}

/// The frame of an SSE message; a reset carries the position it goes on from as its id.
fn sse_frame(id: Option<i64>, message: &StreamMessage) -> Bytes {
    let data = serde_json::to_string(message).unwrap_or_else(|_| "{}".to_owned());
    let id = id.map(|id| format!("id: {id}\n")).unwrap_or_default();
    Bytes::from(format!("{id}event: {}\ndata: {data}\n\n", message.kind()))
}

/// What a feed item becomes: a message with its id, or the end of the stream.
fn message(item: FeedItem) -> Option<(Option<i64>, StreamMessage)> {
    match item {
        FeedItem::Event(event) => Some((Some(event.id.get()), event.into())),
        FeedItem::Reset { after } => Some((reset_position(after), StreamMessage::Reset {})),
        FeedItem::Revoked => None,
    }
}

async fn pump_sse(
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
    // At once, so that the client sees the stream open before the first change.
    let mut frame = Bytes::from_static(b": connected\n\n");
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

/// What happened next on a WebSocket.
enum Step {
    Send(String, bool),
    Close(Option<CloseReason>),
    Ping,
    Heard,
}

/// A WebSocket's two halves, and the service's signal to close it.
struct Socket {
    session: actix_ws::Session,
    messages: actix_ws::MessageStream,
    closing: watch::Receiver<bool>,
}

async fn pump_websocket(
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
