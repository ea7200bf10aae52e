//! The composition root: configuration ([`settings`]), logging ([`telemetry`]),
//! wiring of adapters into use cases ([`wiring`]) and the running service
//! ([`Application`]). It is the only crate that sees every other one, and the
//! only code that reads the process environment.
//!
//! `main` and the black-box tests start the service through the same
//! [`Application::build`], so the tests run exactly what production runs.

mod application;
mod metrics;
pub mod settings;
pub mod telemetry;
mod wiring;

pub use application::{Application, database_options};
pub use settings::Settings;
