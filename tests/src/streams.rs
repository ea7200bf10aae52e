//! Clients of the live event streams, as a browser or a CLI would hold them: an SSE reader
//! that parses frames as they arrive, and a WebSocket. Every wait has a deadline; a test
//! that expects nothing more says so with [`EventStream::expect_silence`].

use std::time::Duration;

use actix_web::web::Bytes;
use awc::ws::{CloseCode, Frame as WsFrame, Message};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;

use crate::{TestApp, TestResponse};

/// How long a test waits for a frame it expects.
pub const WAIT: Duration = Duration::from_secs(10);

/// One SSE message: its `id:`, `event:` and `data:` (parsed as JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct SseMessage {
    pub id: Option<String>,
    pub event: String,
    pub data: Value,
}

/// An open `GET /todos/events`.
pub struct EventStream {
    pub response_headers: actix_web::http::header::HeaderMap,
    response: awc::ClientResponse,
    buffer: String,
    /// Comments seen so far (`keep-alive`, `connected`).
    pub comments: Vec<String>,
}

impl EventStream {
    /// The next message, skipping comments; `None` when the server ended the stream.
    ///
    /// # Panics
    /// When nothing arrives within [`WAIT`].
    pub async fn next(&mut self) -> Option<SseMessage> {
        tokio::time::timeout(WAIT, self.read_message())
            .await
            .unwrap_or_else(|_| panic!("no event within {WAIT:?}; comments so far: {:?}", self.comments))
    }

    /// Asserts that no message arrives within `wait` (comments are fine).
    pub async fn expect_silence(&mut self, wait: Duration) {
        if let Ok(message) = tokio::time::timeout(wait, self.read_message()).await {
            panic!("expected nothing, got {message:?}");
        }
    }

    /// Waits until the comment `text` has been seen (`keep-alive`), with no message before.
    pub async fn wait_for_comment(&mut self, text: &str, within: Duration) {
        let waited = tokio::time::timeout(within, async {
            while !self.comments.iter().any(|comment| comment == text) {
                match self.read_frame().await {
                    Frame::Comment => {}
                    Frame::Message(message) => panic!("expected the comment {text:?}, got {message:?}"),
                    Frame::End => panic!("the stream ended before the comment {text:?}"),
                }
            }
        });
        waited.await.unwrap_or_else(|_| panic!("no {text:?} comment within {within:?}"));
    }

    async fn read_message(&mut self) -> Option<SseMessage> {
        loop {
            match self.read_frame().await {
                Frame::Comment => {}
                Frame::Message(message) => return Some(message),
                Frame::End => return None,
            }
        }
    }

    async fn read_frame(&mut self) -> Frame {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                return self.parse(&frame).map_or(Frame::Comment, Frame::Message);
            }
            match self.response.next().await {
                Some(Ok(chunk)) => self.buffer.push_str(&String::from_utf8_lossy(&chunk)),
                Some(Err(_)) | None => return Frame::End,
            }
        }
    }

    fn parse(&mut self, frame: &str) -> Option<SseMessage> {
        let (mut id, mut event, mut data) = (None, None, String::new());
        for line in frame.lines() {
            if let Some(comment) = line.strip_prefix(": ") {
                self.comments.push(comment.to_owned());
            } else if let Some(value) = line.strip_prefix("id: ") {
                id = Some(value.to_owned());
            } else if let Some(value) = line.strip_prefix("event: ") {
                event = Some(value.to_owned());
            } else if let Some(value) = line.strip_prefix("data: ") {
                data.push_str(value);
            }
        }
        let event = event?;
        let data = serde_json::from_str(&data).unwrap_or_else(|_| panic!("data is not JSON: {data:?}"));
        Some(SseMessage { id, event, data })
    }
}

enum Frame {
    Comment,
    Message(SseMessage),
    End,
}

/// An open `GET /todos/ws`.
pub struct WebSocket {
    framed: actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec>,
}

/// How a WebSocket ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Closed {
    /// A close frame with this code.
    Code(u16),
    /// The connection ended without one.
    Abruptly,
}

impl WebSocket {
    /// The next text frame, parsed; answers pings on the way. `Err` when the socket closed.
    ///
    /// # Panics
    /// When nothing arrives within [`WAIT`].
    pub async fn next(&mut self) -> Result<Value, Closed> {
        tokio::time::timeout(WAIT, self.read()).await.unwrap_or_else(|_| panic!("no frame within {WAIT:?}"))
    }

    pub async fn send_text(&mut self, text: &str) {
        self.framed.send(Message::Text(text.into())).await.expect("BUG: the frame could not be sent");
    }

    async fn read(&mut self) -> Result<Value, Closed> {
        loop {
            match self.framed.next().await {
                Some(Ok(WsFrame::Text(text))) => {
                    return Ok(serde_json::from_slice(&text).expect("BUG: a text frame that is not JSON"));
                }
                Some(Ok(WsFrame::Ping(payload))) => {
                    let _ = self.framed.send(Message::Pong(payload)).await;
                }
                Some(Ok(WsFrame::Close(reason))) => {
                    return Err(Closed::Code(reason.map_or(1005, |reason| u16::from(reason.code))));
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return Err(Closed::Abruptly),
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.framed.send(Message::Close(Some(CloseCode::Normal.into()))).await;
    }
}

impl TestApp {
    /// Opens `GET /todos/events<query>` with a bearer token (when given) and extra headers;
    /// `Err` with the answer when it is not a stream.
    pub async fn event_stream(
        &self,
        query: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Result<EventStream, TestResponse> {
        let mut request = self.client.get(format!("{}/todos/events{query}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        let mut response = request.send().await.expect("BUG: the request failed");
        if response.status() != 200 {
            let body = response.body().await.unwrap_or_else(|_| Bytes::new());
            return Err(TestResponse {
                status: response.status().as_u16(),
                headers: response.headers().clone(),
                body: body.to_vec(),
            });
        }
        Ok(EventStream {
            response_headers: response.headers().clone(),
            response,
            buffer: String::new(),
            comments: Vec::new(),
        })
    }

    /// Opens `GET /todos/ws<query>` with a bearer token (when given); `Err` with the status
    /// when the handshake is refused.
    pub async fn websocket(&self, query: &str, token: Option<&str>) -> Result<WebSocket, u16> {
        let url = format!("{}/todos/ws{query}", self.address.replacen("http", "ws", 1));
        let mut request = self.client.ws(url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        match request.connect().await {
            Ok((_, framed)) => Ok(WebSocket { framed }),
            Err(awc::error::WsClientError::InvalidResponseStatus(status)) => Err(status.as_u16()),
            Err(error) => panic!("the WebSocket handshake failed: {error}"),
        }
    }
}
