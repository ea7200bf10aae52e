//! `GET /static/...`: the files of one directory (`APP_SERVER__STATIC_DIR`), with `ETag`,
//! `Last-Modified` and `Range` from actix-files' `NamedFile`.
//!
//! The path is checked here, segment by segment, before anything touches the disk: each
//! segment is percent-decoded and must be a plain file name (no `..`, `.`, empty segment,
//! hidden name, slash, backslash or NUL, whatever its encoding). The file found must still be
//! inside the directory once symbolic links are resolved, and must be a file: directories are
//! never listed. Anything else is 404, as for a file that does not exist.

use std::path::{Path, PathBuf};

use actix_files::NamedFile;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue, X_CONTENT_TYPE_OPTIONS};
use actix_web::{HttpRequest, HttpResponse, web};
use percent_encoding::percent_decode_str;

use crate::errors::ApiError;

const PREFIX: &str = "/static/";

/// The directory served, resolved once at start.
#[derive(Debug, Clone)]
pub struct StaticDir(PathBuf);

impl StaticDir {
    /// # Errors
    /// When the directory does not exist or cannot be read.
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        let root = dir.canonicalize()?;
        if !root.is_dir() {
            return Err(std::io::Error::other(format!("{} is not a directory", root.display())));
        }
        Ok(Self(root))
    }
}

pub fn configure(cfg: &mut web::ServiceConfig, dir: Option<StaticDir>) {
    if let Some(dir) = dir {
        cfg.app_data(web::Data::new(dir))
            .service(web::resource("/static/{path:.*}").route(super::read().to(serve)));
    }
}

async fn serve(req: HttpRequest, root: web::Data<StaticDir>) -> Result<HttpResponse, ApiError> {
    let not_found = || ApiError::NotFound("Not Found");
    let relative = req.path().strip_prefix(PREFIX).and_then(relative_path).ok_or_else(not_found)?;
    let path = tokio::fs::canonicalize(root.0.join(relative)).await.map_err(|_| not_found())?;
    if !path.starts_with(&root.0) || !tokio::fs::metadata(&path).await.is_ok_and(|meta| meta.is_file()) {
        return Err(not_found());
    }
    let file = NamedFile::open_async(&path).await.map_err(|_| not_found())?;
    let mut response = file.use_etag(true).use_last_modified(true).prefer_utf8(true).into_response(&req);
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Cached, but revalidated each time: the files change when the operator changes them.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// The path below the directory, if every segment is a plain file name.
fn relative_path(encoded: &str) -> Option<PathBuf> {
    let mut path = PathBuf::new();
    for segment in encoded.split('/') {
        let name = percent_decode_str(segment).decode_utf8().ok()?;
        let plain = !name.is_empty()
            && !name.starts_with('.')
            && !name.contains(['/', '\\', '\0'])
            && !name.chars().any(char::is_control);
        if !plain {
            return None;
        }
        path.push(name.as_ref());
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_make_a_relative_path() {
        assert_eq!(relative_path("a/b%20c.txt"), Some(PathBuf::from("a").join("b c.txt")));
    }

    #[test]
    fn anything_that_could_leave_the_directory_or_list_it_is_refused() {
        for encoded in [
            "",
            "a/",
            "a//b",
            "..",
            "../x",
            "a/../b",
            "%2e%2e/x",
            "%2E%2E",
            ".",
            "a/./b",
            "%2e",
            "a%2fb",
            "a%2F..%2Fb",
            "a%5cb",
            "..%5c..%5cx",
            "a%00b",
            ".env",
            "a/.git/config",
            "%ff",
        ] {
            assert_eq!(relative_path(encoded), None, "{encoded}");
        }
    }
}
