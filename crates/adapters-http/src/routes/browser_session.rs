//! Sessions for a web app in the browser: the refresh token lives only in an `HttpOnly`
//! cookie that scripts cannot read, scoped to these three routes; the access token lives in
//! the page's memory. A request from an origin the CORS configuration does not allow is
//! refused before anything else, so another site cannot ride on the cookie.

use std::future::{Ready, ready};

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::header::{CACHE_CONTROL, HOST, ORIGIN};
use actix_web::{FromRequest, HttpRequest, HttpResponse, HttpResponseBuilder, web};
use todo_application::use_cases::IssuedTokens;
use todo_domain::REFRESH_TOKEN_LIFETIME;

use super::auth::log_in_attempt;
use crate::cors::CorsPolicy;
use crate::dto::{BrowserToken, PASSWORD_GRANT_PATTERN, PasswordGrant, TokenForm};
use crate::errors::{ApiError, ErrorResponse};
use crate::extract::{ClientAddress, TrustProxyHeaders, ValidForm};
use crate::responses::{InvalidRequest, PayloadTooLarge, TooManyRequests, Unavailable};
use crate::state::AppState;
use crate::validation::{Rule, ValidationErrors, Violation};

/// The cookie that carries the refresh token.
pub const REFRESH_COOKIE: &str = "todo_refresh";
const COOKIE_PATH: &str = "/auth/session";
const ORIGIN_NOT_ALLOWED: &str = "Origin not allowed";

/// How browser sessions behave, registered as app data.
#[derive(Debug, Clone)]
pub struct BrowserSessions {
    /// Which origins may use the cookie: the CORS configuration's, and the service's own.
    pub cors: CorsPolicy,
    /// `Secure` cookies (HTTPS only): on in production.
    pub secure_cookies: bool,
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/session").route(web::post().to(open)).route(web::delete().to(close)))
        .service(web::resource("/auth/session/refresh").route(web::post().to(refresh)));
}

/// A request whose `Origin`, if any, may use the cookie; otherwise 403 "Origin not allowed".
pub struct AllowedOrigin;

impl FromRequest for AllowedOrigin {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(origin) = req.headers().get(ORIGIN) else { return ready(Ok(Self)) };
        let Ok(origin) = origin.to_str() else { return ready(Err(ApiError::Forbidden(ORIGIN_NOT_ALLOWED))) };
        let allowed = match req.app_data::<BrowserSessions>().map(|sessions| &sessions.cors) {
            Some(CorsPolicy::AnyOrigin) => true,
            Some(CorsPolicy::Origins(origins)) => origins.iter().any(|allowed| allowed == origin),
            None => false,
        };
        // The service's own pages may always use it: the origin is this very service.
        let own = origin == own_origin(req);
        ready(if allowed || own { Ok(Self) } else { Err(ApiError::Forbidden(ORIGIN_NOT_ALLOWED)) })
    }
}

/// `<scheme>://<host>` of the service as this request reached it: from `Forwarded` or
/// `X-Forwarded-*` only behind a trusted proxy, otherwise plain HTTP to the `Host` header.
fn own_origin(req: &HttpRequest) -> String {
    if req.app_data::<TrustProxyHeaders>().copied().unwrap_or_default().0 {
        let info = req.connection_info();
        return format!("{}://{}", info.scheme(), info.host());
    }
    let host = req.headers().get(HOST).and_then(|host| host.to_str().ok()).unwrap_or_default();
    format!("http://{host}")
}

/// Whether the cookie is `Secure`: when unconfigured, it is.
fn secure_cookies(req: &HttpRequest) -> bool {
    req.app_data::<BrowserSessions>().is_none_or(|sessions| sessions.secure_cookies)
}

fn refresh_cookie(value: String, max_age: CookieDuration, secure: bool) -> Cookie<'static> {
    Cookie::build(REFRESH_COOKIE, value)
        .http_only(true)
        .same_site(SameSite::Strict)
        .path(COOKIE_PATH)
        .secure(secure)
        .max_age(max_age)
        .finish()
}

/// The answer carrying `issued`: the access token in the body, the refresh token in the cookie.
fn with_tokens(req: &HttpRequest, issued: IssuedTokens) -> HttpResponse {
    let lifetime = CookieDuration::seconds(REFRESH_TOKEN_LIFETIME.num_seconds());
    let cookie = refresh_cookie(issued.refresh.clone(), lifetime, secure_cookies(req));
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .cookie(cookie)
        .json(BrowserToken::from(issued))
}

/// An answer that also removes the cookie.
fn clearing(mut response: HttpResponseBuilder, req: &HttpRequest) -> HttpResponseBuilder {
    response.cookie(refresh_cookie(String::new(), CookieDuration::ZERO, secure_cookies(req)));
    response
}

/// Log in from a web app: the access token in the body, the refresh token in a cookie.
///
/// The same form as `POST /auth/token` (password grant). The refresh token is set as the
/// `todo_refresh` cookie (`HttpOnly; SameSite=Strict; Path=/auth/session`, `Secure` in
/// production) and never appears in the body. A request from an origin the CORS configuration
/// does not allow is refused.
#[utoipa::path(post, path = "/auth/session", tag = "auth",
    request_body(content = PasswordGrant, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "A new session; the refresh token is in the `todo_refresh` cookie", body = BrowserToken,
            headers(("Set-Cookie" = String, description = "`todo_refresh=...; HttpOnly; SameSite=Strict; Path=/auth/session`"))),
        (status = 400, description = "The user is deactivated, or a scope does not exist", body = ErrorResponse,
            example = json!({ "detail": "Invalid scope" })),
        (status = 401, description = "Unknown username or wrong password", body = ErrorResponse,
            headers(("WWW-Authenticate" = String, description = "Always `Bearer`")),
            example = json!({ "detail": "Incorrect username or password" })),
        (status = 403, description = "The request's origin is not allowed", body = ErrorResponse,
            example = json!({ "detail": "Origin not allowed" })),
        PayloadTooLarge, InvalidRequest, TooManyRequests, Unavailable,
    ))]
pub(crate) async fn open(
    _: AllowedOrigin,
    state: web::Data<AppState>,
    ClientAddress(client): ClientAddress,
    request: HttpRequest,
    form: Result<ValidForm<TokenForm>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    // The origin is judged first: a refused site learns nothing from the form's validation.
    let ValidForm(form) = form?;
    if form.grant_type.as_deref() == Some("refresh_token") {
        // The cookie is the refresh token here: /auth/session/refresh.
        let violation = Violation::new(
            Rule::pattern_mismatch(PASSWORD_GRANT_PATTERN),
            "body",
            Some("grant_type"),
            Some("refresh_token".into()),
        );
        return Err(ApiError::Validation(ValidationErrors::one(violation)));
    }
    let issued = state.log_in.execute(log_in_attempt(&form, &client, &request)?).await?;
    Ok(with_tokens(&request, issued))
}

/// Get a new access token with the session's cookie, which is rotated.
///
/// The same rules as the refresh grant: the cookie's token is spent, a new one is set; a
/// spent token presented again after 10 s revokes the session. Without a valid cookie: 401.
#[utoipa::path(post, path = "/auth/session/refresh", tag = "auth",
    responses(
        (status = 200, description = "The session's next access token; the cookie is rotated", body = BrowserToken,
            headers(("Set-Cookie" = String, description = "The next `todo_refresh` cookie"))),
        (status = 401, description = "No cookie, or a refresh token that is unknown, expired, spent or of a closed session",
            body = ErrorResponse, headers(("WWW-Authenticate" = String, description = "Always `Bearer`")),
            example = json!({ "detail": "Invalid refresh token" })),
        (status = 403, description = "The request's origin is not allowed", body = ErrorResponse,
            example = json!({ "detail": "Origin not allowed" })),
        Unavailable,
    ))]
pub(crate) async fn refresh(
    _: AllowedOrigin,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let token =
        request.cookie(REFRESH_COOKIE).map(|cookie| cookie.value().to_owned()).filter(|t| !t.is_empty());
    let issued = match token {
        Some(token) => state.refresh_session.execute(&token).await.map_err(ApiError::from),
        None => Err(ApiError::InvalidRefreshToken),
    };
    // A refused cookie is left in place: the loser of two tabs' concurrent refreshes must not
    // delete the winner's new cookie. A dead one is refused again, and replaced at log-in.
    Ok(with_tokens(&request, issued?))
}

/// Log out from a web app: end the cookie's session and remove the cookie.
///
/// Always 204, with or without a cookie: logging out twice is logging out.
#[utoipa::path(delete, path = "/auth/session", tag = "auth",
    responses(
        (status = 204, description = "The session is closed and the cookie removed",
            headers(("Set-Cookie" = String, description = "`todo_refresh=; Max-Age=0`"))),
        (status = 403, description = "The request's origin is not allowed", body = ErrorResponse,
            example = json!({ "detail": "Origin not allowed" })),
        Unavailable,
    ))]
pub(crate) async fn close(
    _: AllowedOrigin,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    if let Some(cookie) = request.cookie(REFRESH_COOKIE).filter(|cookie| !cookie.value().is_empty()) {
        state.log_out_by_refresh_token.execute(cookie.value()).await?;
    }
    Ok(clearing(HttpResponse::NoContent(), &request).finish())
}
