//! Taking all of one's todos out and bringing them back: `GET /todos/export` streams them
//! page by page as NDJSON or CSV; `POST /todos/import` reads NDJSON line by line and creates
//! them all in one transaction, or none.

use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_DISPOSITION;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::{StreamExt, TryStreamExt, stream};
use todo_application::use_cases::{IMPORT_MAX_TODOS, Principal};

use crate::dto::{ExportQuery, ImportResponse, TodoImport};
use crate::errors::{ApiError, TOO_MANY_IMPORTED};
use crate::extract::{
    IdempotencyKeyHeader, NdjsonLimits, Scoped, TodosRead, TodosWrite, ValidQuery, answered, read_ndjson,
    recorded,
};
use crate::responses::{
    AuthenticationFailed, Forbidden, IdempotencyKeyParam, IdempotencyRefused, InvalidOrKeyReused,
    InvalidRequest, Unavailable,
};
use crate::state::AppState;
use crate::validation::ValidationErrors;

/// The largest import body: 10 MiB.
pub const IMPORT_MAX_BYTES: usize = 10 * 1024 * 1024;

/// The longest line of an import: room for the longest todo (10,200 characters of title and
/// description, each escaped at worst as a surrogate pair, `\ud83d\ude00`, 12 bytes).
pub const IMPORT_MAX_LINE_BYTES: usize = 128 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/todos/export").route(super::read().to(export_todos)))
        .service(web::resource("/todos/import").route(web::post().to(import_todos)));
}

/// Download all of the caller's todos (the `completed` filter applies), in id order.
///
/// Streamed: the service holds one page of todos at a time, whatever their number.
#[utoipa::path(get, path = "/todos/export", tag = "todos", security(("OAuth2PasswordBearer" = ["todos:read"]), ("APIKeyHeader" = [])),
    params(ExportQuery),
    responses(
        (status = 200, description = "The todos: NDJSON, one `TodoResponse` a line; or CSV with the header \
            `id,title,description,completed,created_at,updated_at` and null as an empty cell",
            content((String = "application/x-ndjson"), (String = "text/csv")),
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"todos.ndjson\"` (or `.csv`)"))),
        AuthenticationFailed, Forbidden, InvalidRequest, Unavailable,
    ))]
pub(crate) async fn export_todos(
    Scoped(Principal { user, .. }, _): Scoped<TodosRead>,
    state: web::Data<AppState>,
    query: Result<ValidQuery<ExportQuery>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let (format, filter) = query?.0.into_parts();
    let mut pages = Box::pin(state.export_todos.execute(user.id, filter));
    // The first page is read before answering: a database that is down is a 503, not a 200
    // cut short. A failure after that can only end the stream early, and is logged.
    let first = pages.try_next().await?;
    let todos = stream::iter(first.map(Ok)).chain(pages).map(move |page| match page {
        Ok(page) => Ok(format.page(page)),
        Err(error) => {
            tracing::warn!(error = %error, "an export stopped early");
            Err(ApiError::from(error))
        }
    });
    let body = stream::iter(format.preamble().map(Ok)).chain(todos);
    let disposition = format!("attachment; filename=\"{}\"", format.file_name());
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((CONTENT_DISPOSITION, disposition))
        .streaming(body))
}

/// Create many todos from NDJSON: one `TodoImport` a line, blank lines ignored.
///
/// All or nothing: any bad line is a 422 that lists every bad line (`loc: ["body", <line>,
/// <field>]`, lines counted from 1) and nothing is created. At most 10,000 todos and 10 MiB.
/// With an `Idempotency-Key`, a repeat replays the first answer and creates nothing.
#[utoipa::path(post, path = "/todos/import", tag = "todos", security(("OAuth2PasswordBearer" = ["todos:write"]), ("APIKeyHeader" = [])),
    params(IdempotencyKeyParam),
    request_body(content = TodoImport, content_type = "application/x-ndjson",
        description = "One `TodoImport` object a line"),
    responses(
        (status = 201, description = "How many todos were created; with `Idempotent-Replayed: true` on the \
            replay of an earlier answer", body = ImportResponse),
        (status = 413, description = "Over 10 MiB or 10,000 todos", body = crate::errors::ErrorResponse),
        IdempotencyRefused, AuthenticationFailed, Forbidden, InvalidOrKeyReused, Unavailable,
    ))]
pub(crate) async fn import_todos(
    Scoped(Principal { user, .. }, _): Scoped<TodosWrite>,
    state: web::Data<AppState>,
    key: Result<IdempotencyKeyHeader, ApiError>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let IdempotencyKeyHeader(key) = key?;
    let limits = NdjsonLimits {
        bytes: IMPORT_MAX_BYTES,
        line_bytes: IMPORT_MAX_LINE_BYTES,
        lines: IMPORT_MAX_TODOS,
        too_many_lines: TOO_MANY_IMPORTED,
    };
    let lines = read_ndjson::<TodoImport>(&req, payload, limits).await?;
    let (mut todos, mut errors) = (Vec::with_capacity(lines.len()), ValidationErrors::default());
    for (line, dto) in lines {
        match dto.into_domain() {
            Ok(todo) => todos.push(todo),
            Err(problems) => errors.merge(problems.in_item(line)),
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let render = |created| recorded(StatusCode::CREATED, &ImportResponse { created });
    Ok(answered(state.import_todos.execute(user.id, todos, key, &render).await?))
}
