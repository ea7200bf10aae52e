use actix_web::{HttpResponse, web};

use super::read;
use crate::dto::UserResponse;
use crate::extract::CurrentUser;
use crate::responses::{AuthenticationFailed, Unavailable};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/users/me").route(read().to(me)));
}

/// The caller.
#[utoipa::path(get, path = "/users/me", tag = "users", security(("OAuth2PasswordBearer" = [])), responses(
    (status = 200, description = "The user the token was issued to", body = UserResponse),
    AuthenticationFailed, Unavailable,
))]
pub(crate) async fn me(CurrentUser(user): CurrentUser) -> HttpResponse {
    HttpResponse::Ok().json(UserResponse::from(user))
}
