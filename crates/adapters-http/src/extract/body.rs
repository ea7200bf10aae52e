//! Reading a request body, never more than the configured limit.

use std::future::Future;
use std::pin::Pin;

use actix_web::HttpRequest;
use actix_web::dev::Payload;
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::web::{Bytes, BytesMut};
use futures_util::StreamExt;

use crate::errors::ApiError;

/// The largest body the service reads, in bytes; registered as app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

impl Default for BodyLimit {
    fn default() -> Self {
        Self(1024 * 1024)
    }
}

/// The whole body, or 413 as soon as it is known to be over the limit: from the
/// `Content-Length` header if there is one, otherwise while it streams in.
pub async fn read_body(req: &HttpRequest, payload: &mut Payload) -> Result<Bytes, ApiError> {
    let limit = req.app_data::<BodyLimit>().copied().unwrap_or_default().0;
    let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let mut body = BytesMut::with_capacity(declared.unwrap_or(0));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::BadRequest("The request body could not be read"))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// What a body extractor returns: reading the body is asynchronous.
pub type BodyFuture<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

/// Reads the whole body within the limit, then makes `T` from the request and the body.
pub fn from_body<T: 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
    make: fn(&HttpRequest, Bytes) -> Result<T, ApiError>,
) -> BodyFuture<T> {
    let req = req.clone();
    let mut payload = payload.take();
    Box::pin(async move {
        let body = read_body(&req, &mut payload).await?;
        make(&req, body)
    })
}
