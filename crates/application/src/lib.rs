//! The application layer: one use case per file, each a plain struct built from
//! the ports it needs and run through its single `execute` method.
//!
//! The ports are the traits in [`ports`]: what the use cases need from storage,
//! cryptography and time, described in domain terms and implemented elsewhere by
//! adapters. This crate may import the domain and small pure crates; it never names
//! a web framework, an ORM, a database driver or a cryptography crate, which is why
//! every use case can be tested with in-memory mocks of its ports.

pub mod jobs;
pub mod ports;
pub mod use_cases;
