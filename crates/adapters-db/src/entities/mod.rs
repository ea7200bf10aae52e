//! Table definitions as sea-orm sees them; the migrations are what creates them.

pub mod api_keys;
pub mod attachments;
pub mod idempotency_keys;
pub mod jobs;
pub mod orphan_blobs;
pub mod password_reset_tokens;
pub mod refresh_tokens;
pub mod sessions;
pub mod todo_events;
pub mod todos;
pub mod users;
