use actix_web::{HttpResponse, web};

use super::read;
use crate::dto::UserResponse;
use crate::extract::CurrentUser;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/users/me").route(read().to(me)));
}

async fn me(CurrentUser(user): CurrentUser) -> HttpResponse {
    HttpResponse::Ok().json(UserResponse::from(user))
}
