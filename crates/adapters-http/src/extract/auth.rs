use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use std::marker::PhantomData;

use todo_application::use_cases::Principal;
use todo_domain::Scope;

use crate::errors::ApiError;
use crate::state::AppState;

/// Who the request's bearer token was issued to: an active user and an open session.
///
/// No `Authorization` header, or one of another scheme: 401 "Not authenticated".
/// A token that does not verify, or whose user or session is gone: 401 "Could not validate
/// credentials". A deactivated user: 400 "Inactive user".
pub struct Caller(pub Principal);

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let token = token.ok_or(ApiError::NotAuthenticated)?;
            let state = state.ok_or_else(|| ApiError::Internal("AppState is not registered".into()))?;
            Ok(Caller(state.authenticate.execute(&token).await?))
        })
    }
}

/// A scope an operation needs, as a type: `Scoped<TodosWrite>` in a handler's arguments.
pub trait RequiredScope {
    const SCOPE: Scope;
}

pub struct TodosRead;
pub struct TodosWrite;

impl RequiredScope for TodosRead {
    const SCOPE: Scope = Scope::TodosRead;
}

impl RequiredScope for TodosWrite {
    const SCOPE: Scope = Scope::TodosWrite;
}

/// A [`Caller`] whose token carries scope `S`; otherwise 403 "Not enough permissions" with
/// `WWW-Authenticate: Bearer scope="<S>"`.
pub struct Scoped<S>(pub Principal, pub PhantomData<S>);

impl<S: RequiredScope + 'static> FromRequest for Scoped<S> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        Box::pin(async move {
            let Caller(principal) = caller.await?;
            if !principal.may(S::SCOPE) {
                return Err(ApiError::MissingScope(S::SCOPE));
            }
            Ok(Scoped(principal, PhantomData))
        })
    }
}

/// The token of an `Authorization: Bearer <token>` header; the scheme is case-insensitive.
fn bearer_token(req: &HttpRequest) -> Option<String> {
    let header = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = header.split_once(' ').unwrap_or((header, ""));
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
}
