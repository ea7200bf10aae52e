use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use std::marker::PhantomData;

use todo_application::use_cases::{Credential, Principal};
use todo_domain::Scope;

use crate::errors::{ApiError, NOT_A_SUPERUSER, NOT_ENOUGH_PERMISSIONS};
use crate::state::AppState;

/// Who is calling: the owner of the request's bearer token (an active user and an open
/// session) or, without one, of its `X-API-Key`.
///
/// Neither header (or an `Authorization` of another scheme): 401 "Not authenticated".
/// A token that does not verify, or whose user or session is gone: 401 "Could not validate
/// credentials". An unknown, expired or revoked key: 401 "Invalid API key". A deactivated
/// user: 400 "Inactive user".
pub struct Caller(pub Principal);

/// The request header that carries an API key.
pub const API_KEY_HEADER: &str = "x-api-key";

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate(req, None))
    }
}

/// The caller of `req`: its bearer token, else its `X-API-Key`, else `query_token` (an
/// `access_token` query parameter, where one is accepted).
pub(crate) fn authenticate(
    req: &HttpRequest,
    query_token: Option<String>,
) -> impl Future<Output = Result<Caller, ApiError>> + 'static {
    let token = bearer_token(req);
    let key = req.headers().get(API_KEY_HEADER).map(|value| value.to_str().map(str::to_owned));
    let state = req.app_data::<web::Data<AppState>>().cloned();
    async move {
        let state = state.ok_or_else(|| ApiError::Internal("AppState is not registered".into()))?;
        // With both, the bearer token wins.
        if let Some(token) = token {
            return Ok(Caller(state.authenticate.execute(&token).await?));
        }
        match (key, query_token) {
            (Some(Ok(key)), _) => Ok(Caller(state.authenticate_api_key.execute(key.trim()).await?)),
            (Some(Err(_)), _) => Err(ApiError::InvalidApiKey),
            (None, Some(token)) => Ok(Caller(state.authenticate.execute(token.trim()).await?)),
            (None, None) => Err(ApiError::NotAuthenticated),
        }
    }
}

/// A [`Caller`] with a session's access token: managing sessions, keys and the password
/// takes one. With an API key: 403 "Not enough permissions".
pub struct SessionCaller(pub Principal);

impl FromRequest for SessionCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        Box::pin(async move {
            let Caller(principal) = caller.await?;
            match principal.credential {
                Credential::Session(_) => Ok(SessionCaller(principal)),
                Credential::ApiKey(_) => Err(ApiError::Forbidden(NOT_ENOUGH_PERMISSIONS)),
            }
        })
    }
}

/// A [`SessionCaller`] who is a superuser (otherwise 403 "The user doesn't have enough
/// privileges", checked first) with the `admin` scope (otherwise 403 "Not enough permissions",
/// `scope="admin"`). API keys never administer. The flag is read with the user on every
/// request: a demotion is effective at once.
pub struct Admin(pub Principal);

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = SessionCaller::from_request(req, payload);
        Box::pin(async move {
            let SessionCaller(principal) = caller.await?;
            if !principal.user.is_superuser {
                return Err(ApiError::Forbidden(NOT_A_SUPERUSER));
            }
            if !principal.may(Scope::Admin) {
                return Err(ApiError::MissingScope(Scope::Admin));
            }
            Ok(Admin(principal))
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
