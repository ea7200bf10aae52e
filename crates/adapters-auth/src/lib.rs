//! Security adapters: [`Argon2PasswordHasher`] implements the `PasswordHasher`
//! port with Argon2id, [`JwtTokenService`] implements `TokenService` with
//! HS256-signed JSON Web Tokens, [`InMemoryRateLimiter`] counts attempts for
//! the `RateLimiter` port in this process and [`RedisRateLimiter`] in Redis, for every replica
//! at once; [`RandomSecrets`] makes session ids and refresh tokens for the
//! `Secrets` port. [`SystemClock`] is the real `Clock`.
//!
//! This crate may import the application's ports, the domain and the crypto
//! crates (argon2, jsonwebtoken) and Redis's client; it knows nothing of HTTP or databases.

mod argon2_hasher;
mod jwt;
mod rate_limiter;
mod redis_rate_limiter;
mod secrets;
mod system_clock;

pub use argon2_hasher::{Argon2PasswordHasher, HashingParams, ThreadHooks};
pub use jwt::{JwtSettings, JwtTokenService};
pub use rate_limiter::{InMemoryRateLimiter, Quota, Quotas};
pub use redis_rate_limiter::{RedisLimiterOptions, RedisRateLimiter, StoreFailures, WhenUnavailable};
pub use secrets::RandomSecrets;
pub use system_clock::SystemClock;
