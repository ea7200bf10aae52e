//! Which web origins may call the API from a browser.

use actix_cors::Cors;
use actix_web::http::header::HeaderName;

use crate::middleware::REQUEST_ID;

/// Any origin (development, as the tutorial app does) or an explicit list (production).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsPolicy {
    AnyOrigin,
    Origins(Vec<String>),
}

impl CorsPolicy {
    pub fn middleware(&self) -> Cors {
        let exposed = [REQUEST_ID, HeaderName::from_static("x-process-time")];
        match self {
            Self::AnyOrigin => Cors::permissive(),
            Self::Origins(origins) => origins
                .iter()
                .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
                .allow_any_method()
                .allow_any_header()
                .supports_credentials()
                .expose_headers(exposed)
                .max_age(3600),
        }
    }
}
