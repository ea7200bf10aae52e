use actix_web::dev::Payload;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::body::{BodyFuture, from_body};
use crate::errors::ApiError;
use crate::validation::validate;

/// An `application/x-www-form-urlencoded` body that decoded into `T` and passed
/// its garde rules. Empty values count as absent, and a body of another media type
/// as an empty form, both as in FastAPI's form handling.
pub struct ValidForm<T>(pub T);

impl<T> FromRequest for ValidForm<T>
where
    T: DeserializeOwned + garde::Validate<Context = ()> + 'static,
{
    type Error = ApiError;
    type Future = BodyFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        from_body(req, payload, |req, body| {
            let is_form =
                req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| {
                    ct.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded")
                });
            let pairs: Vec<(String, String)> =
                if is_form { serde_urlencoded::from_bytes(&body).unwrap_or_default() } else { Vec::new() };
            let fields: Map<String, Value> = pairs
                .into_iter()
                .filter(|(_, value)| !value.is_empty())
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            let raw = Value::Object(fields);
            Ok(ValidForm(validate(&raw, "body")?))
        })
    }
}
