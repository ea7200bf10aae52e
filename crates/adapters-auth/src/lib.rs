//! Security adapters: [`Argon2PasswordHasher`] implements the `PasswordHasher`
//! port with Argon2id, [`JwtTokenService`] implements `TokenService` with
//! HS256-signed JSON Web Tokens, and [`InMemoryRateLimiter`] counts attempts for
//! the `RateLimiter` port, [`RandomSecrets`] makes session ids and refresh tokens for the
//! `Secrets` port. [`SystemClock`] is the real `Clock`.
//!
//! This crate may import the application's ports, the domain and the crypto
//! crates (argon2, jsonwebtoken); it knows nothing of HTTP or databases.

mod argon2_hasher;
mod jwt;
mod rate_limiter;
mod secrets;
mod system_clock;

pub use argon2_hasher::{Argon2PasswordHasher, HashingParams};
pub use jwt::{JwtSettings, JwtTokenService};
pub use rate_limiter::{InMemoryRateLimiter, Quota, Quotas};
pub use secrets::RandomSecrets;
pub use system_clock::SystemClock;
