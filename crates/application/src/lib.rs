//! The application layer: one use case per file, each a plain struct built from
//! the ports it needs and run through its single `execute` method.
//!
//! The ports are the traits in [`ports`]: what the use cases need from storage,
//! cryptography and time, described in domain terms and implemented elsewhere by
//! adapters. This crate may import the domain and small pure crates; it never names
//! a web framework, an ORM, a database driver or a cryptography crate, which is why
//! every use case can be tested with in-memory mocks of its ports.
//!
//! One such pure crate is `serde_json`, in [`jobs`] only: a job's payload is versioned JSON
//! (`{"v":1,"user_id":7}`), and which version a worker can read, and whether a payload it cannot
//! read is worth retrying, is this layer's rule, not the storage's (docs/adr/0007-job-queue.md).
//! It does no I/O; the job store only keeps the text.

pub mod jobs;
pub mod ports;
pub mod use_cases;
