//! What live streams send: one JSON object per event, the same over SSE and WebSocket.

use serde::{Deserialize, Serialize};
use todo_domain::{TodoChange, TodoEvent};
use utoipa::ToSchema;

use super::TodoResponse;

/// A message of a live stream. `id` is the event's number in the caller's log: it increases
/// with each change, and a reconnecting client sends the last one it saw.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "type")]
pub enum StreamMessage {
    /// A todo was created: the todo as created.
    #[serde(rename = "todo.created")]
    Created { id: i64, todo: TodoResponse },
    /// A todo was changed: the todo as it is now.
    #[serde(rename = "todo.updated")]
    Updated { id: i64, todo: TodoResponse },
    /// A todo was deleted.
    #[serde(rename = "todo.deleted")]
    Deleted { id: i64, todo_id: i64 },
    /// Events were missed that are no longer kept: refetch the todos.
    #[serde(rename = "reset")]
    Reset {},
    /// The answer to a WebSocket client's `{"type":"ping"}`.
    #[serde(rename = "pong")]
    Pong {},
}

impl StreamMessage {
    /// The SSE `event:` name.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Created { .. } => "todo.created",
            Self::Updated { .. } => "todo.updated",
            Self::Deleted { .. } => "todo.deleted",
            Self::Reset {} => "reset",
            Self::Pong {} => "pong",
        }
    }
}

impl From<TodoEvent> for StreamMessage {
    fn from(event: TodoEvent) -> Self {
        let id = event.id.get();
        match event.change {
            TodoChange::Created(todo) => Self::Created { id, todo: todo.into() },
            TodoChange::Updated(todo) => Self::Updated { id, todo: todo.into() },
            TodoChange::Deleted(todo_id) => Self::Deleted { id, todo_id: todo_id.get() },
        }
    }
}

/// What a WebSocket client may send: `{"type":"ping"}`. Anything else is ignored.
#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
pub enum ClientMessage {
    #[serde(rename = "ping")]
    Ping,
}
