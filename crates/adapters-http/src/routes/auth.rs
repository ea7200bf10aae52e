use actix_web::{HttpResponse, web};
use todo_domain::Password;

use crate::dto::{Token, TokenForm, UserCreate, UserResponse};
use crate::errors::ApiError;
use crate::extract::{ClientAddress, ValidForm, ValidJson};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/register").route(web::post().to(register)))
        .service(web::resource("/auth/token").route(web::post().to(token)));
}

async fn register(
    state: web::Data<AppState>,
    ClientAddress(client): ClientAddress,
    ValidJson(body): ValidJson<UserCreate>,
) -> Result<HttpResponse, ApiError> {
    let (username, email, password) = body.into_domain()?;
    let user = state.register_user.execute(username, email, password, &client).await?;
    Ok(HttpResponse::Created().json(UserResponse::from(user)))
}

/// The OAuth2 password grant: a form with `username` and `password`.
async fn token(
    state: web::Data<AppState>,
    ClientAddress(client): ClientAddress,
    ValidForm(form): ValidForm<TokenForm>,
) -> Result<HttpResponse, ApiError> {
    let password = Password::from_attempt(form.password.unwrap_or_default());
    let token = state.log_in.execute(form.username.as_deref().unwrap_or_default(), password, &client).await?;
    Ok(HttpResponse::Ok().json(Token { access_token: token.expose().to_owned(), token_type: "bearer" }))
}
