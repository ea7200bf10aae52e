use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde_json::Value;
use todo_application::use_cases::Principal;
use todo_domain::Scope;

use super::auth::authenticate;
use crate::errors::ApiError;
use crate::validation::{Rule, ValidationErrors, Violation};

/// A request to open a live event stream: its caller, who needs `todos:read`, and where the
/// client left off.
///
/// Besides the headers [`super::Caller`] reads, the access token may come as the query
/// parameter `access_token` (RFC 6750 2.3): browsers cannot set headers on an `EventSource`
/// or a WebSocket. The request log never holds the query string, so the token is never logged.
/// The last event seen comes from the `Last-Event-ID` header (what `EventSource` sends when it
/// reconnects), else from the `last_event_id` query parameter; not an integer: 422.
pub struct StreamRequest {
    pub caller: Principal,
    pub last_event_id: Option<i64>,
}

const LAST_EVENT_ID_HEADER: &str = "last-event-id";

impl FromRequest for StreamRequest {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let query: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
        let find = |name: &str| query.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone());
        let header = req
            .headers()
            .get(LAST_EVENT_ID_HEADER)
            .map(|value| value.to_str().unwrap_or("\u{fffd}").to_owned());
        let last_event_id = match (header, find("last_event_id")) {
            (Some(raw), _) => parse(&raw, "header", "last-event-id"),
            (None, Some(raw)) => parse(&raw, "query", "last_event_id"),
            (None, None) => Ok(None),
        };
        let caller = authenticate(req, find("access_token"));
        Box::pin(async move {
            // Who asks comes first: a stranger learns nothing about the parameters.
            let super::Caller(caller) = caller.await?;
            if !caller.may(Scope::TodosRead) {
                return Err(ApiError::MissingScope(Scope::TodosRead));
            }
            Ok(StreamRequest { caller, last_event_id: last_event_id? })
        })
    }
}

/// An event id as the client sent it; blank is none.
fn parse(raw: &str, source: &str, field: &str) -> Result<Option<i64>, ApiError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse().map(Some).map_err(|_| {
        let input = Value::String(raw.chars().take(100).collect());
        ApiError::Validation(ValidationErrors::one(Violation::new(
            Rule::int_parsing(),
            source,
            Some(field),
            Some(input),
        )))
    })
}
