//! `/admin`: users and background jobs, for superusers with the `admin` scope.

use actix_web::{HttpResponse, web};

use super::{read, with_and_without_slash};
use crate::dto::{AdminUserResponse, AdminUserUpdate, JobListQuery, JobResponse, PageQuery};
use crate::errors::{ApiError, ErrorResponse};
use crate::extract::{Admin, JobIdPath, UserIdPath, ValidJson, ValidQuery, both};
use crate::responses::{AdminForbidden, AuthenticationFailed, InvalidRequest, PayloadTooLarge, Unavailable};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(with_and_without_slash("/admin/users", |resource| resource.route(read().to(list_users))))
        .service(
            web::resource("/admin/users/{user_id}")
                .route(web::patch().to(update_user))
                .route(web::delete().to(delete_user)),
        )
        .service(with_and_without_slash("/admin/jobs", |resource| resource.route(read().to(list_jobs))))
        .service(web::resource("/admin/jobs/{job_id}/retry").route(web::post().to(retry_job)));
}

/// Every user, by id, with their flags and how many todos they own.
#[utoipa::path(get, path = "/admin/users", tag = "admin", security(("OAuth2PasswordBearer" = ["admin"])),
    params(PageQuery),
    responses(
        (status = 200, description = "One page of users", body = Vec<AdminUserResponse>),
        AuthenticationFailed, AdminForbidden, InvalidRequest, Unavailable,
    ))]
pub(crate) async fn list_users(
    _: Admin,
    state: web::Data<AppState>,
    query: Result<ValidQuery<PageQuery>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let page = query?.0.into_domain()?;
    let users = state.list_users.execute(page).await?;
    Ok(HttpResponse::Ok().json(users.into_iter().map(AdminUserResponse::from).collect::<Vec<_>>()))
}

/// Activate or deactivate a user, promote or demote them.
///
/// Deactivating ends every session of the user at once. Nobody demotes or deactivates
/// themselves.
#[utoipa::path(patch, path = "/admin/users/{user_id}", tag = "admin", security(("OAuth2PasswordBearer" = ["admin"])),
    params(("user_id" = i64, Path, minimum = 1, description = "The user's id")),
    request_body(content = AdminUserUpdate, content_type = "application/json"),
    responses(
        (status = 200, description = "The user as they are now", body = AdminUserResponse),
        (status = 400, description = "A superuser acting on themselves", body = ErrorResponse,
            example = json!({ "detail": "Superusers cannot demote, deactivate or delete themselves" })),
        (status = 404, description = "No such user", body = ErrorResponse, example = json!({ "detail": "User not found" })),
        AuthenticationFailed, AdminForbidden, PayloadTooLarge, InvalidRequest, Unavailable,
    ))]
pub(crate) async fn update_user(
    Admin(admin): Admin,
    state: web::Data<AppState>,
    target: Result<UserIdPath, ApiError>,
    body: Result<ValidJson<AdminUserUpdate>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let (UserIdPath(target), ValidJson(body)) = both(target, body)?;
    let overview = state.set_user_flags.execute(admin.user.id, target, body.into_domain()).await?;
    Ok(HttpResponse::Ok().json(AdminUserResponse::from(overview)))
}

/// Delete a user with everything they own.
#[utoipa::path(delete, path = "/admin/users/{user_id}", tag = "admin", security(("OAuth2PasswordBearer" = ["admin"])),
    params(("user_id" = i64, Path, minimum = 1, description = "The user's id")),
    responses(
        (status = 204, description = "The user and their todos, sessions and keys are gone"),
        (status = 400, description = "A superuser deleting themselves", body = ErrorResponse,
            example = json!({ "detail": "Superusers cannot demote, deactivate or delete themselves" })),
        (status = 404, description = "No such user", body = ErrorResponse, example = json!({ "detail": "User not found" })),
        AuthenticationFailed, AdminForbidden, InvalidRequest, Unavailable,
    ))]
pub(crate) async fn delete_user(
    Admin(admin): Admin,
    state: web::Data<AppState>,
    target: Result<UserIdPath, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let UserIdPath(target) = target?;
    state.delete_user.execute(admin.user.id, target).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Background jobs, newest first, optionally of one status.
#[utoipa::path(get, path = "/admin/jobs", tag = "admin", security(("OAuth2PasswordBearer" = ["admin"])),
    params(JobListQuery),
    responses(
        (status = 200, description = "One page of jobs", body = Vec<JobResponse>),
        AuthenticationFailed, AdminForbidden, InvalidRequest, Unavailable,
    ))]
pub(crate) async fn list_jobs(
    _: Admin,
    state: web::Data<AppState>,
    query: Result<ValidQuery<JobListQuery>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let (status, page) = query?.0.into_domain()?;
    let jobs = state.list_jobs.execute(status, page).await?;
    Ok(HttpResponse::Ok().json(jobs.into_iter().map(JobResponse::from).collect::<Vec<_>>()))
}

/// Queue a failed or dead job again, to run now with a fresh budget of attempts.
#[utoipa::path(post, path = "/admin/jobs/{job_id}/retry", tag = "admin", security(("OAuth2PasswordBearer" = ["admin"])),
    params(("job_id" = i64, Path, minimum = 1, description = "The job's id")),
    responses(
        (status = 202, description = "The job is queued again"),
        (status = 404, description = "No failed or dead job has this id", body = ErrorResponse,
            example = json!({ "detail": "Job not found or not failed or dead" })),
        AuthenticationFailed, AdminForbidden, InvalidRequest, Unavailable,
    ))]
pub(crate) async fn retry_job(
    _: Admin,
    state: web::Data<AppState>,
    id: Result<JobIdPath, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let JobIdPath(id) = id?;
    state.retry_job.execute(id).await?;
    Ok(HttpResponse::Accepted().finish())
}
