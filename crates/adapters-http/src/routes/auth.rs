use actix_web::http::header::{CACHE_CONTROL, USER_AGENT};
use actix_web::{HttpRequest, HttpResponse, web};
use todo_application::use_cases::LogInAttempt;
use todo_domain::Password;

use crate::dto::{
    PasswordResetConfirm, PasswordResetRequest, Token, TokenForm, TokenRequest, UserCreate, UserResponse,
};
use crate::errors::ApiError;
use crate::errors::ErrorResponse;
use crate::extract::{ClientAddress, SessionCaller, ValidForm, ValidJson};
use crate::responses::{
    AuthenticationFailed, Forbidden, InvalidRequest, PayloadTooLarge, TooManyRequests, Unavailable,
};
use crate::state::AppState;
use crate::validation::{Rule, ValidationErrors, Violation};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/register").route(web::post().to(register)))
        .service(web::resource("/auth/token").route(web::post().to(token)))
        .service(web::resource("/auth/logout").route(web::post().to(log_out)))
        .service(web::resource("/auth/password-reset").route(web::post().to(request_password_reset)))
        .service(web::resource("/auth/password-reset/confirm").route(web::post().to(confirm_password_reset)));
}

/// Register a new user.
///
/// The e-mail address is stored lower-cased and must be unique whatever its case; the
/// password is kept only as an Argon2id hash and never appears in any answer.
#[utoipa::path(post, path = "/auth/register", tag = "auth",
    request_body(content = UserCreate, content_type = "application/json"),
    responses(
        (status = 201, description = "The new user", body = UserResponse),
        (status = 400, description = "The username or the e-mail address is already registered", body = ErrorResponse,
            example = json!({ "detail": "Username already registered" })),
        PayloadTooLarge, InvalidRequest, TooManyRequests, Unavailable,
    ))]
pub(crate) async fn register(
    state: web::Data<AppState>,
    ClientAddress(client): ClientAddress,
    ValidJson(body): ValidJson<UserCreate>,
) -> Result<HttpResponse, ApiError> {
    let (username, email, password) = body.into_domain()?;
    let user = state.register_user.execute(username, email, password, &client).await?;
    Ok(HttpResponse::Created().json(UserResponse::from(user)))
}

/// Log in, or refresh: get an access token and a refresh token.
///
/// The OAuth2 password grant (the default): a username and a password open a session. An
/// unknown username and a wrong password get the same answer, in about the same time; failed
/// attempts are limited per username and per client address; `scope` narrows what the token
/// allows (empty: all the user may have). The refresh grant (`grant_type=refresh_token`)
/// spends the refresh token for a new pair; a spent token presented again more than 10 s
/// later revokes its session.
#[utoipa::path(post, path = "/auth/token", tag = "auth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "A new session's tokens, or the next ones of a session", body = Token),
        (status = 400, description = "The user is deactivated, or a scope does not exist", body = ErrorResponse,
            example = json!({ "detail": "Invalid scope" })),
        (status = 401, description = "Unknown username or wrong password; or a refresh token that is unknown, \
            expired, spent or of a closed session", body = ErrorResponse,
            headers(("WWW-Authenticate" = String, description = "Always `Bearer`")),
            example = json!({ "detail": "Incorrect username or password" })),
        PayloadTooLarge, InvalidRequest, TooManyRequests, Unavailable,
    ))]
pub(crate) async fn token(
    state: web::Data<AppState>,
    ClientAddress(client): ClientAddress,
    request: HttpRequest,
    ValidForm(form): ValidForm<TokenForm>,
) -> Result<HttpResponse, ApiError> {
    let issued = if form.grant_type.as_deref() == Some("refresh_token") {
        let refresh_token = form.refresh_token.filter(|token| !token.is_empty());
        let refresh_token = refresh_token.ok_or(ApiError::InvalidRefreshToken)?;
        state.refresh_session.execute(&refresh_token).await?
    } else {
        state.log_in.execute(log_in_attempt(&form, &client, &request)?).await?
    };
    Ok(HttpResponse::Ok().insert_header((CACHE_CONTROL, "no-store")).json(Token::from(issued)))
}

/// A password grant as the log-in use case takes it, with the client's address and agent.
pub(crate) fn log_in_attempt<'a>(
    form: &'a TokenForm,
    client: &'a str,
    request: &'a HttpRequest,
) -> Result<LogInAttempt<'a>, ApiError> {
    let (username, password) = password_grant(form)?;
    Ok(LogInAttempt {
        username,
        password: Password::from_attempt(password.to_owned()),
        scope: form.scope.as_deref().unwrap_or_default(),
        client,
        user_agent: request.headers().get(USER_AGENT).and_then(|value| value.to_str().ok()),
    })
}

/// The username and password of a password grant, or a 422 naming each one missing, as
/// FastAPI's form does (the password never echoed).
fn password_grant(form: &TokenForm) -> Result<(&str, &str), ApiError> {
    if let (Some(username), Some(password)) = (&form.username, &form.password) {
        return Ok((username, password));
    }
    let mut input = serde_json::Map::new();
    for (name, value) in
        [("username", &form.username), ("grant_type", &form.grant_type), ("scope", &form.scope)]
    {
        if let Some(value) = value {
            input.insert(name.to_owned(), value.clone().into());
        }
    }
    let mut errors = ValidationErrors::default();
    for (name, value) in [("username", &form.username), ("password", &form.password)] {
        if value.is_none() {
            errors.push(Violation::new(Rule::missing(), "body", Some(name), Some(input.clone().into())));
        }
    }
    Err(ApiError::Validation(errors))
}

/// Log out: end the current session.
///
/// Its access tokens stop working at once, and its refresh token with them.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", security(("OAuth2PasswordBearer" = [])),
    responses(
        (status = 204, description = "The session is closed"),
        AuthenticationFailed, Forbidden, Unavailable,
    ))]
pub(crate) async fn log_out(
    SessionCaller(principal): SessionCaller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.log_out.execute(&principal).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The answer to every accepted reset request, whether the address is registered or not.
const RESET_ON_ITS_WAY: &str = "If the address is registered, a reset e-mail is on its way";

/// Ask for a password-reset e-mail.
///
/// The same answer, in about the same time, whether the address is registered or not. If it
/// is (and the account active), a background job e-mails a link with a single-use token valid
/// 60 minutes. Limited per client address and per e-mail address.
#[utoipa::path(post, path = "/auth/password-reset", tag = "auth",
    request_body(content = PasswordResetRequest, content_type = "application/json"),
    responses(
        (status = 202, description = "Accepted", body = ErrorResponse,
            example = json!({ "detail": "If the address is registered, a reset e-mail is on its way" })),
        PayloadTooLarge, InvalidRequest, TooManyRequests, Unavailable,
    ))]
pub(crate) async fn request_password_reset(
    state: web::Data<AppState>,
    ClientAddress(client): ClientAddress,
    ValidJson(body): ValidJson<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    let email = body.into_domain()?;
    state.request_password_reset.execute(&email, &client).await?;
    Ok(HttpResponse::Accepted().json(ErrorResponse { detail: RESET_ON_ITS_WAY.to_owned() }))
}

/// Set a new password with the token of a reset e-mail.
///
/// The token works once, and every session of the user ends. Bad tokens are limited per
/// client address.
#[utoipa::path(post, path = "/auth/password-reset/confirm", tag = "auth",
    request_body(content = PasswordResetConfirm, content_type = "application/json"),
    responses(
        (status = 204, description = "The password is changed"),
        (status = 400, description = "The token is unknown, used or expired", body = ErrorResponse,
            example = json!({ "detail": "Invalid or expired reset token" })),
        PayloadTooLarge, InvalidRequest, TooManyRequests, Unavailable,
    ))]
pub(crate) async fn confirm_password_reset(
    state: web::Data<AppState>,
    ClientAddress(client): ClientAddress,
    ValidJson(body): ValidJson<PasswordResetConfirm>,
) -> Result<HttpResponse, ApiError> {
    let (token, new_password) = body.into_domain()?;
    state.confirm_password_reset.execute(&token, new_password, &client).await?;
    Ok(HttpResponse::NoContent().finish())
}
