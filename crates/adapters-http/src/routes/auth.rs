use actix_web::{HttpResponse, web};
use todo_domain::Password;

use crate::dto::{Token, TokenForm, UserCreate, UserResponse};
use crate::errors::ApiError;
use crate::errors::ErrorResponse;
use crate::extract::{ClientAddress, ValidForm, ValidJson};
use crate::responses::{InvalidRequest, PayloadTooLarge, TooManyRequests, Unavailable};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/register").route(web::post().to(register)))
        .service(web::resource("/auth/token").route(web::post().to(token)));
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

/// Log in: exchange a username and password for a bearer token.
///
/// The OAuth2 password grant as a form. An unknown username and a wrong password get the
/// same answer, in about the same time. Failed attempts are limited per username and per
/// client address.
#[utoipa::path(post, path = "/auth/token", tag = "auth",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "A bearer token for the user", body = Token),
        (status = 400, description = "The user is deactivated", body = ErrorResponse, example = json!({ "detail": "Inactive user" })),
        (status = 401, description = "Unknown username or wrong password", body = ErrorResponse,
            headers(("WWW-Authenticate" = String, description = "Always `Bearer`")),
            example = json!({ "detail": "Incorrect username or password" })),
        PayloadTooLarge, InvalidRequest, TooManyRequests, Unavailable,
    ))]
pub(crate) async fn token(
    state: web::Data<AppState>,
    ClientAddress(client): ClientAddress,
    ValidForm(form): ValidForm<TokenForm>,
) -> Result<HttpResponse, ApiError> {
    let password = Password::from_attempt(form.password.unwrap_or_default());
    let token = state.log_in.execute(form.username.as_deref().unwrap_or_default(), password, &client).await?;
    Ok(HttpResponse::Ok().json(Token { access_token: token.expose().to_owned(), token_type: "bearer" }))
}
