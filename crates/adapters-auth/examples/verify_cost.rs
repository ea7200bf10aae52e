//! What checking one access token costs on one thread (signature, header, claims, expiry),
//! for the per-request budget in bench/README.md.
//! `cargo run --release -p todo-adapters-auth --example verify_cost`

use std::hint::black_box;
use std::time::Instant;

use chrono::{TimeDelta, Utc};
use todo_adapters_auth::{JwtSettings, JwtTokenService};
use todo_application::ports::{AccessClaims, TokenService};
use todo_domain::{Scopes, SessionId, UserId};

const ROUNDS: u32 = 200_000;

fn main() {
    let secret = "a benchmark secret that is at least thirty-two bytes long";
    let tokens = JwtTokenService::new(JwtSettings { secret: secret.into(), ttl: TimeDelta::minutes(30) });
    let claims = AccessClaims {
        user: UserId::new(42).expect("valid"),
        session: SessionId::parse("0123456789abcdef0123456789abcdef").expect("valid"),
        scopes: Scopes::allowed_for(false),
    };
    let token = tokens.issue(&claims, Utc::now()).expect("a token");
    for _ in 0..3 {
        let started = Instant::now();
        for _ in 0..ROUNDS {
            black_box(tokens.verify(black_box(token.expose())).expect("valid"));
        }
        println!("verify one token {:>7.2} us", started.elapsed().as_secs_f64() * 1e6 / f64::from(ROUNDS));
    }
}
