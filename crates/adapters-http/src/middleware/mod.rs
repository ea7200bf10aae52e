//! Cross-cutting behaviour around every request.

mod fallback;
mod request_context;

pub use fallback::{json_error_body, not_found};
pub(crate) use request_context::MatchedRoute;
pub use request_context::{REQUEST_ID, request_context};
