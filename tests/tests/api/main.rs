//! Black-box tests of the running service over real HTTP: every row of the API
//! contract, checked on status, headers and body.

mod admin;
mod api_keys;
mod attachments;
mod auth;
mod browser_sessions;
mod concurrency;
mod conditional;
mod events;
mod events_ws;
mod health;
mod idempotency;
mod isolation;
mod jobs;
mod limits;
mod metrics;
mod openapi;
mod outage;
mod passwords;
mod principal_cache;
mod rate_limits;
mod sessions;
mod shared_limits;
mod sqlite_lock;
mod startup;
mod static_files;
mod todos;
mod tokens;
mod transfer;
mod tutorial;
mod users;
mod validation;
mod web_app;
