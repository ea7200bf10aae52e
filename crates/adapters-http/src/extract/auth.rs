use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use todo_domain::User;

use crate::errors::ApiError;
use crate::state::AppState;

/// The active user that the request's bearer token was issued to.
///
/// No `Authorization` header, or one of another scheme: 401 "Not authenticated".
/// A token that does not verify or whose user is gone: 401 "Could not validate
/// credentials". A deactivated user: 400 "Inactive user".
pub struct CurrentUser(pub User);

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let token = token.ok_or(ApiError::NotAuthenticated)?;
            let state = state.ok_or_else(|| ApiError::Internal("AppState is not registered".into()))?;
            Ok(CurrentUser(state.authenticate.execute(&token).await?))
        })
    }
}

/// The token of an `Authorization: Bearer <token>` header; the scheme is case-insensitive.
fn bearer_token(req: &HttpRequest) -> Option<String> {
    let header = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = header.split_once(' ').unwrap_or((header, ""));
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
}
