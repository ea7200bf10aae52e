//! A todo's attachments: upload (`multipart/form-data`, streamed to the blob store as it
//! arrives), list, download (with `ETag`, `If-None-Match` and one `Range`) and delete.

use actix_multipart::{Field, Multipart, MultipartError};
use actix_web::http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_RANGE,
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, RANGE, X_CONTENT_TYPE_OPTIONS,
};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::future::{self, Either};
use futures_util::{StreamExt, TryStreamExt, stream};
use serde_json::Value;
use todo_application::use_cases::{Principal, Upload};
use todo_domain::FileName;
use tokio::sync::mpsc;

use crate::download::{Ranged, attachment_disposition, ranged};
use crate::dto::{AttachmentResponse, AttachmentUpload};
use crate::errors::ApiError;
use crate::extract::{AttachmentIdPath, IfNoneMatch, Scoped, TodoIdPath, TodosRead, TodosWrite, both};
use crate::responses::{AuthenticationFailed, Forbidden, InvalidRequest, TodoNotFound, Unavailable};
use crate::state::AppState;
use crate::validation::{Rule, ValidationErrors, Violation};

/// Bytes of the multipart framing allowed beyond the file's own limit, for `Content-Length`.
const FRAMING: u64 = 64 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/todos/{todo_id}/attachments")
            .route(web::post().to(upload))
            .route(super::read().to(list)),
    )
    .service(web::resource("/todos/{todo_id}/attachments/{attachment_id}").route(web::delete().to(delete)))
    .service(
        web::resource("/todos/{todo_id}/attachments/{attachment_id}/content")
            .route(super::read().to(content)),
    );
}

/// Attach a file to one of the caller's todos.
///
/// The file streams to storage as it arrives. Its name is kept without path parts or control
/// characters (at most 255 bytes); its type is the part's `Content-Type`.
#[utoipa::path(post, path = "/todos/{todo_id}/attachments", tag = "attachments",
    security(("OAuth2PasswordBearer" = ["todos:write"]), ("APIKeyHeader" = [])),
    params(crate::responses::TodoId),
    request_body(content = AttachmentUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The attachment", body = AttachmentResponse),
        (status = 409, description = "`Too many attachments` (20 per todo) or `Storage quota exceeded`",
            body = crate::errors::ErrorResponse, example = json!({ "detail": "Too many attachments" })),
        (status = 413, description = "The file is over the limit (10 MiB by default)", body = crate::errors::ErrorResponse),
        AuthenticationFailed, Forbidden, TodoNotFound, InvalidRequest, Unavailable,
    ))]
pub(crate) async fn upload(
    Scoped(Principal { user, .. }, _): Scoped<TodosWrite>,
    state: web::Data<AppState>,
    id: Result<TodoIdPath, ApiError>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let TodoIdPath(todo) = id?;
    let limit = state.attach_file.limits().max_bytes;
    let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit.saturating_add(FRAMING)) {
        return Err(ApiError::PayloadTooLarge { limit: usize::try_from(limit).unwrap_or(usize::MAX) });
    }
    let mut form = Multipart::new(req.headers(), payload);
    // Parts other than `file` count against the same limit, so no body is read without bound.
    let mut budget = limit.saturating_add(FRAMING);
    loop {
        let field = match form.try_next().await {
            Ok(Some(field)) => field,
            Ok(None) => return Err(file_missing()),
            Err(error) => return Err(multipart_error(error)),
        };
        if field.name() != Some("file") {
            skip(field, &mut budget, limit).await?;
            continue;
        }
        let filename =
            FileName::sanitize(field.content_disposition().and_then(|d| d.get_filename()).unwrap_or(""));
        let content_type = field
            .content_type()
            .map(ToString::to_string)
            .filter(|text| text.len() <= 255)
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        // The part is read here, on this worker; the use case reads a channel, so that it never
        // holds the request's (single-threaded) payload.
        let (sender, receiver) = mpsc::channel(4);
        let content = stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|chunk| (chunk, receiver))
        })
        .boxed();
        let upload = Upload { filename, content_type, content };
        let work = state.attach_file.execute(user.id, todo, upload);
        let feed = pump(field, sender);
        futures_util::pin_mut!(work, feed);
        let attached = match future::select(work, feed).await {
            // The use case is done (an early refusal, say): the rest of the part is not waited for.
            Either::Left((attached, _)) => attached,
            // The part is all in the channel, or failed: the use case goes on to its end.
            Either::Right(((), work)) => work.await,
        };
        return Ok(HttpResponse::Created().json(AttachmentResponse::from(attached?)));
    }
}

/// Feeds a part into the channel until it ends, fails, or nobody reads any more.
async fn pump(mut field: Field, sender: mpsc::Sender<Result<Bytes, std::io::Error>>) {
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|error| std::io::Error::other(error.to_string()));
        let failed = chunk.is_err();
        if sender.send(chunk).await.is_err() || failed {
            return;
        }
    }
}

/// Reads past a part the service does not use, within what is left of the budget.
async fn skip(mut field: Field, budget: &mut u64, limit: u64) -> Result<(), ApiError> {
    while let Some(chunk) = field.next().await {
        let length = chunk.map_err(multipart_error)?.len() as u64;
        *budget = budget
            .checked_sub(length)
            .ok_or(ApiError::PayloadTooLarge { limit: usize::try_from(limit).unwrap_or(usize::MAX) })?;
    }
    Ok(())
}

fn file_missing() -> ApiError {
    ApiError::Validation(ValidationErrors::one(Violation::new(Rule::missing(), "body", Some("file"), None)))
}

/// Not a multipart body (as FastAPI: the file is missing), or a broken one.
fn multipart_error(error: MultipartError) -> ApiError {
    match error {
        MultipartError::ContentTypeMissing | MultipartError::ContentTypeIncompatible => file_missing(),
        MultipartError::Payload(_) => ApiError::BadRequest("The request body could not be read"),
        other => {
            let rule = Rule::value_error(&format!("not a valid multipart/form-data body: {other}"));
            ApiError::Validation(ValidationErrors::one(Violation::new(rule, "body", None, Some(Value::Null))))
        }
    }
}

/// List a todo's attachments, by id.
#[utoipa::path(get, path = "/todos/{todo_id}/attachments", tag = "attachments",
    security(("OAuth2PasswordBearer" = ["todos:read"]), ("APIKeyHeader" = [])),
    params(crate::responses::TodoId),
    responses(
        (status = 200, description = "The attachments", body = Vec<AttachmentResponse>),
        AuthenticationFailed, Forbidden, TodoNotFound, InvalidRequest, Unavailable,
    ))]
pub(crate) async fn list(
    Scoped(Principal { user, .. }, _): Scoped<TodosRead>,
    state: web::Data<AppState>,
    id: Result<TodoIdPath, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let attachments = state.list_attachments.execute(user.id, id?.0).await?;
    Ok(HttpResponse::Ok().json(attachments.into_iter().map(AttachmentResponse::from).collect::<Vec<_>>()))
}

/// Delete an attachment; its bytes are removed from storage shortly after.
#[utoipa::path(delete, path = "/todos/{todo_id}/attachments/{attachment_id}", tag = "attachments",
    security(("OAuth2PasswordBearer" = ["todos:write"]), ("APIKeyHeader" = [])),
    params(crate::responses::TodoId, crate::responses::AttachmentIdParam),
    responses(
        (status = 204, description = "Deleted; no body"),
        (status = 404, description = "`Todo not found` or `Attachment not found`", body = crate::errors::ErrorResponse),
        AuthenticationFailed, Forbidden, InvalidRequest, Unavailable,
    ))]
pub(crate) async fn delete(
    Scoped(Principal { user, .. }, _): Scoped<TodosWrite>,
    state: web::Data<AppState>,
    todo: Result<TodoIdPath, ApiError>,
    id: Result<AttachmentIdPath, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let (TodoIdPath(todo), AttachmentIdPath(id)) = both(todo, id)?;
    state.delete_attachment.execute(user.id, todo, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Download an attachment's bytes.
///
/// Always as a download (`Content-Disposition: attachment`), never sniffed or run by the
/// browser. `If-None-Match` with its `ETag` gives 304; one `Range` of bytes gives 206.
#[utoipa::path(get, path = "/todos/{todo_id}/attachments/{attachment_id}/content", tag = "attachments",
    security(("OAuth2PasswordBearer" = ["todos:read"]), ("APIKeyHeader" = [])),
    params(crate::responses::TodoId, crate::responses::AttachmentIdParam, crate::responses::RangeHeader,
        crate::responses::IfNoneMatchHeader),
    responses(
        (status = 200, description = "The bytes, with `Content-Disposition: attachment; filename*=...`, \
            `X-Content-Type-Options: nosniff`, `Content-Security-Policy: default-src 'none'; sandbox` and \
            `Accept-Ranges: bytes`", content_type = "application/octet-stream", body = Vec<u8>,
            headers(("ETag" = String, description = "`\"<sha256>\"`"))),
        (status = 206, description = "The bytes of the range", content_type = "application/octet-stream", body = Vec<u8>,
            headers(("Content-Range" = String, description = "`bytes <first>-<last>/<size>`"))),
        (status = 304, description = "The client's copy is current", headers(("ETag" = String))),
        (status = 404, description = "`Todo not found` or `Attachment not found`", body = crate::errors::ErrorResponse),
        (status = 416, description = "The range is outside the content",
            headers(("Content-Range" = String, description = "`bytes */<size>`"))),
        AuthenticationFailed, Forbidden, InvalidRequest, Unavailable,
    ))]
pub(crate) async fn content(
    Scoped(Principal { user, .. }, _): Scoped<TodosRead>,
    state: web::Data<AppState>,
    todo: Result<TodoIdPath, ApiError>,
    id: Result<AttachmentIdPath, ApiError>,
    held: IfNoneMatch,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (TodoIdPath(todo), AttachmentIdPath(id)) = both(todo, id)?;
    let attachment = state.get_attachment.execute(user.id, todo, id).await?;
    let tag = format!("\"{}\"", attachment.sha256);
    if held.holds_tag(&attachment.sha256) {
        return Ok(HttpResponse::NotModified().insert_header((ETAG, tag)).finish());
    }
    let size = attachment.size;
    let range = ranged(req.headers().get(RANGE).and_then(|v| v.to_str().ok()), size);
    let mut response = match &range {
        Ranged::Whole => HttpResponse::Ok(),
        Ranged::Part(part) => {
            let mut partial = HttpResponse::PartialContent();
            partial.insert_header((CONTENT_RANGE, format!("bytes {}-{}/{size}", part.start, part.end - 1)));
            partial
        }
        Ranged::Unsatisfiable => {
            return Ok(HttpResponse::RangeNotSatisfiable()
                .insert_header((CONTENT_RANGE, format!("bytes */{size}")))
                .finish());
        }
    };
    let (part, length) = match range {
        Ranged::Part(part) => (Some(part.clone()), part.end - part.start),
        _ => (None, size),
    };
    let bytes = state.get_attachment.content(&attachment, part).await?;
    response
        .insert_header((CONTENT_TYPE, attachment.content_type.as_str()))
        .insert_header((CONTENT_DISPOSITION, attachment_disposition(attachment.filename.as_str())))
        .insert_header((X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox"))
        .insert_header((ACCEPT_RANGES, "bytes"))
        .insert_header((CACHE_CONTROL, "private, no-cache"))
        .insert_header((ETAG, tag));
    Ok(response.no_chunking(length).streaming(bytes))
}
