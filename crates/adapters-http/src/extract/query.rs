use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::errors::ApiError;
use crate::validation::validate;

/// A query string that decoded into `T` and passed its garde rules. Values arrive
/// as text; `T` parses them with the `*_from_text` deserializers. When a parameter
/// is repeated, the last value counts.
pub struct ValidQuery<T>(pub T);

impl<T> FromRequest for ValidQuery<T>
where
    T: DeserializeOwned + garde::Validate<Context = ()>,
{
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
        let raw = Value::Object(pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect::<Map<_, _>>());
        ready(validate(&raw, "query").map(ValidQuery).map_err(ApiError::Validation))
    }
}
