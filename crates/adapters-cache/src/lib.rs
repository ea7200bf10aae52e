//! Caching decorators of the application's ports: each implements the port it wraps, so the
//! use cases and the wiring around them do not change; bootstrap decides whether to wrap.
//! Today one: [`CachedPrincipals`], the user and session behind each access token.

mod principals;

pub use principals::{CacheLimits, CachedPrincipals};
