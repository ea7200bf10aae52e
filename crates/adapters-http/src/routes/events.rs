//! Live events: the caller's todo changes as Server-Sent Events (`GET /todos/events`) or over
//! a WebSocket (`GET /todos/ws`). The handlers open the feed and hand it to a task of
//! `crate::streams`, which writes it in the transport's frames.

use std::convert::Infallible;

use actix_web::http::header::{CACHE_CONTROL, ContentEncoding};
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use tokio::sync::mpsc;

use crate::dto::StreamMessage;
use crate::errors::ApiError;
use crate::extract::StreamRequest;
use crate::metrics::Metrics;
use crate::responses::{AuthenticationFailed, Forbidden, InvalidRequest, TooManyStreams, Unavailable};
use crate::state::AppState;
use crate::streams::{EventStreamOptions, Socket, StreamsClosing, pump_sse, pump_websocket};

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
    let closing = closing.watch();
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
    let socket = Socket { session, messages, closing: closing.watch() };
    actix_web::rt::spawn(pump_websocket(feed, socket, metrics.into_inner(), **options));
    Ok(response)
}
