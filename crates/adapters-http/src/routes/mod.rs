//! The routes, one file per resource. Handlers stay thin: extract validated
//! input, convert it to domain values, run one use case, shape the response.

pub(crate) mod admin;
pub(crate) mod attachments;
pub(crate) mod auth;
pub(crate) mod browser_session;
pub(crate) mod events;
pub(crate) mod health;
pub(crate) mod static_files;
pub(crate) mod todos;
pub(crate) mod transfer;
pub(crate) mod users;
pub(crate) mod web_app;

use actix_web::{Resource, Route, guard, web};

/// Registers every route of the API.
pub fn configure(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
    auth::configure(cfg);
    browser_session::configure(cfg);
    users::configure(cfg);
    events::configure(cfg);
    // Before todos: `/todos/export` is not a `/todos/{todo_id}`.
    transfer::configure(cfg);
    todos::configure(cfg);
    attachments::configure(cfg);
    admin::configure(cfg);
    web_app::configure(cfg);
}

/// A route for `GET` that also answers `HEAD`, as every readable resource should.
pub(crate) fn read() -> Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// The same resource at `path` and at `path/`, as two resources with the same routes. One
/// resource of two paths would match them with a set of regular expressions, run by the routing
/// (and by the route look-up of traces and metrics) on every request that reaches it; a
/// resource of one plain path is matched by comparing text.
pub(crate) fn with_and_without_slash(path: &str, routes: impl Fn(Resource) -> Resource) -> Vec<Resource> {
    vec![routes(web::resource(path)), routes(web::resource(format!("{path}/")))]
}
