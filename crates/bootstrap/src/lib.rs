//! The composition root: configuration ([`settings`]), logging ([`telemetry`]),
//! wiring of adapters into use cases (`wiring`), the running service ([`Application`])
//! and the job workers (`workers`, alone as [`Worker`]). It is the only crate that sees every other one, and the
//! only code that reads the process environment.
//!
//! `main` and the black-box tests start the service through the same
//! [`Application::build`], so the tests run exactly what production runs.

mod allocator;
mod application;
mod listener;
mod metrics;
mod priority;
pub mod settings;
pub mod telemetry;
mod wiring;
mod workers;

pub use application::{Application, Worker, database_options, shutdown_signal};
pub use settings::{Settings, SignalTransport};
