//! The application layer: one use case per file, each a plain struct built from
//! the ports it needs and run through its single `execute` method.
//!
//! The ports are the traits in [`ports`]: what the use cases need from storage,
//! cryptography and time, described in domain terms and implemented elsewhere by
//! adapters. This crate may import the domain and small pure crates; it never names
//! a web framework, an ORM, a database driver or a cryptography crate, which is why
//! every use case can be tested with in-memory mocks of its ports.
//!
//! Such pure crates are `serde` and `erased-serde`, for [`jobs`]: a job's payload is a versioned
//! serde value, and which version a worker can read, and whether a payload it cannot read is
//! worth retrying, is this layer's rule; the format the value is stored in is the job store's
//! (the database adapter writes JSON; docs/adr/0007-job-queue.md).

pub mod jobs;
pub mod ports;
pub mod use_cases;
