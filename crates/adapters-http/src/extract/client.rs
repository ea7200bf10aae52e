use std::future::{Ready, ready};
use std::net::SocketAddr;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use crate::errors::ApiError;

/// Whether to believe `Forwarded` / `X-Forwarded-For`: only behind a proxy that
/// sets them, since any client can send them. Registered as app data.
#[derive(Debug, Clone, Copy, Default)]
pub struct TrustProxyHeaders(pub bool);

/// The client's IP address, for per-client rate limits.
pub struct ClientAddress(pub String);

impl FromRequest for ClientAddress {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let trust = req.app_data::<TrustProxyHeaders>().copied().unwrap_or_default().0;
        let address = if trust {
            req.connection_info().realip_remote_addr().map(strip_port)
        } else {
            req.peer_addr().map(|peer| peer.ip().to_string())
        };
        ready(Ok(ClientAddress(address.unwrap_or_else(|| "unknown".to_owned()))))
    }
}

fn strip_port(address: &str) -> String {
    address.parse::<SocketAddr>().map_or_else(|_| address.to_owned(), |socket| socket.ip().to_string())
}
