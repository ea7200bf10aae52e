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

use actix_web::{Route, guard, web};

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
