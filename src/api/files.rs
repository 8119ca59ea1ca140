//! `/store/v1/{type}/{name}/releases/{version}/files[/{path}]` and `/store/v1/{type}/{name}/compare/{a}...{b}`:
//! a release's files, one file's bytes, and what changed between two releases, with the
//! visibility rules of releases.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::auth::{Download, MaybeAuthorized};
use super::downloads::{wanted, Wanted};
use super::resources::visible_resource;
use crate::error::AppError;
use crate::files::service::{self as files, StoredFile};
use crate::files::{is_image, Changes, FileList, TextKind};
use crate::resources::releases::{self, Release};
use crate::state::AppState;

#[utoipa::path(get, path = "/{kind}/{name}/releases/{version}/files", tag = "files", security((), ("token" = ["download"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path, description = "the resource name"), ("version" = String, Path, description = "X.Y.Z")),
    responses((status = 200, body = FileList), (status = 404, body = crate::error::ErrorBody), (status = 410, body = crate::error::ErrorBody)))]
/// `GET /store/v1/{type}/{name}/releases/{version}/files`: every file of the release's zip, by
/// path, with its size and CRC-32 (folders are the paths' prefixes).
pub async fn list_files(
    State(state): State<AppState>,
    caller: MaybeAuthorized<Download>,
    Path((kind_segment, name, version)): Path<(String, String, String)>,
) -> Result<Json<FileList>, AppError> {
    let release = visible_release(&state, &caller, &kind_segment, &name, &version).await?;
    let files = files::list(&state.pool, &state.blobs, &release.zip()).await?;
    Ok(Json(FileList {
        version: release.version,
        file_count: files.len() as u64,
        unpacked_size: files.iter().map(|f| f.size as u64).sum(),
        files: files.iter().map(StoredFile::info).collect(),
    }))
}

/// The release `version` of `{type}/{name}` as the caller may see it.
async fn visible_release(
    state: &AppState,
    caller: &MaybeAuthorized<Download>,
    kind_segment: &str,
    name: &str,
    version: &str,
) -> Result<Release, AppError> {
    let (resource, private) = visible_resource(state, caller.caller(), kind_segment, name).await?;
    releases::find(&state.pool, &resource, version, private).await
}

#[utoipa::path(get, path = "/{kind}/{name}/releases/{version}/files/{path}", tag = "files", security((), ("token" = ["download"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path, description = "the resource name"), ("version" = String, Path, description = "X.Y.Z"), ("path" = String, Path, description = "the file's path in the zip, `/` included (`Server/Index.lua`)")),
    responses((status = 200, description = "The file's bytes, as an attachment (honours Range and If-None-Match); read from the zip by its own byte range", content_type = "application/octet-stream"), (status = 206, description = "Part of the file"), (status = 304, description = "Not modified"), (status = 404, body = crate::error::ErrorBody), (status = 416, description = "Range not satisfiable"), (status = 422, body = crate::error::ErrorBody)))]
/// `GET /store/v1/{type}/{name}/releases/{version}/files/{path}`: one file's bytes, always as a
/// download that runs nothing (`Content-Disposition: attachment`, `nosniff`, a sandboxing CSP).
pub async fn get_file(
    State(state): State<AppState>,
    caller: MaybeAuthorized<Download>,
    Path((kind_segment, name, version, path)): Path<(String, String, String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let path = files::check_path(&path)?;
    let release = visible_release(&state, &caller, &kind_segment, &name, &version).await?;
    let zip = release.zip();
    let file = files::find(&state.pool, &state.blobs, &zip, path).await?;
    let size = file.size as u64;
    let etag = format!(
        "\"{}-{:08x}\"",
        &release.sha256[..16.min(release.sha256.len())],
        file.crc32
    );
    let mut response = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::CONTENT_TYPE, content_type(&file.path))
        .header(header::CONTENT_DISPOSITION, attachment(&file.path))
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'; sandbox",
        )
        .header(
            header::CACHE_CONTROL,
            if release.is_public() {
                "public, max-age=300"
            } else {
                "private, no-store"
            },
        );
    let (status, start, length) = match wanted(&headers, &etag, size) {
        Wanted::NotModified => {
            return build(response.status(StatusCode::NOT_MODIFIED), Body::empty());
        }
        Wanted::Unsatisfiable => {
            return build(
                response
                    .status(StatusCode::RANGE_NOT_SATISFIABLE)
                    .header(header::CONTENT_RANGE, format!("bytes */{size}")),
                Body::empty(),
            );
        }
        Wanted::Part { start, end } => {
            response =
                response.header(header::CONTENT_RANGE, format!("bytes {start}-{end}/{size}"));
            (StatusCode::PARTIAL_CONTENT, start, end - start + 1)
        }
        Wanted::Whole => (StatusCode::OK, 0, size),
    };
    let body = if method == Method::HEAD || length == 0 {
        Body::empty()
    } else {
        Body::from_stream(files::stream(&state.blobs, &zip, &file, start, start + length).await?)
    };
    let mut response = build(response.status(status), body)?;
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    Ok(response)
}

fn build(builder: axum::http::response::Builder, body: Body) -> Result<Response, AppError> {
    builder
        .body(body)
        .map(IntoResponse::into_response)
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// The content type a file is sent with: text as plain text, the images the file browser shows
/// as themselves, anything else as bytes. Never HTML, SVG or script, whatever the file is.
pub fn content_type(path: &str) -> &'static str {
    let lower = path.to_ascii_lowercase();
    if TextKind::of(path).is_some() {
        "text/plain; charset=utf-8"
    } else if is_image(path) {
        match lower.rsplit('.').next() {
            Some("png") => "image/png",
            Some("jpg" | "jpeg") => "image/jpeg",
            Some("webp") => "image/webp",
            Some("gif") => "image/gif",
            _ => "application/octet-stream",
        }
    } else {
        "application/octet-stream"
    }
}

/// `attachment; filename=…` for a file's name: ASCII letters, digits and `._-` as they are (any
/// other character as `_`), and the exact name in `filename*` (RFC 6266).
pub fn attachment(path: &str) -> String {
    let name = crate::files::file_name(path);
    let plain: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{plain}\"; filename*=UTF-8''{encoded}")
}

/// What `GET …/compare/{a}...{b}` answers.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Comparison {
    /// The older release's version (`a`).
    pub from: String,
    /// The newer release's version (`b`).
    pub to: String,
    /// "12 files changed, +340 −120".
    pub summary: String,
    #[serde(flatten)]
    pub changes: Changes,
}

#[utoipa::path(get, path = "/{kind}/{name}/compare/{range}", tag = "files", security((), ("token" = ["download"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path, description = "the resource name"), ("range" = String, Path, description = "`{a}...{b}`: the two versions, older first (`1.0.0...1.1.0`)")),
    responses((status = 200, body = Comparison), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
/// `GET /store/v1/{type}/{name}/compare/{a}...{b}`: the files added, removed, renamed and changed
/// (by size and CRC) from release `a` to release `b`, with the lines added and removed of the
/// changed text files.
pub async fn compare_releases(
    State(state): State<AppState>,
    caller: MaybeAuthorized<Download>,
    Path((kind_segment, name, range)): Path<(String, String, String)>,
) -> Result<Json<Comparison>, AppError> {
    let (from, to) = files::parse_comparison(&range)?;
    let (resource, private) =
        visible_resource(&state, caller.caller(), &kind_segment, &name).await?;
    let old = releases::find(&state.pool, &resource, from, private).await?;
    let new = releases::find(&state.pool, &resource, to, private).await?;
    let (changes, _) = files::compare(
        &state.pool,
        &state.blobs,
        &old.zip(),
        &new.zip(),
        files::LineDiffs::Count,
    )
    .await?;
    Ok(Json(Comparison {
        from: old.version,
        to: new.version,
        summary: changes.summary(),
        changes,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_sent_as_inert_attachments() {
        assert_eq!(
            content_type("Client/ui/index.html"),
            "text/plain; charset=utf-8"
        );
        assert_eq!(content_type("icon.svg"), "application/octet-stream");
        assert_eq!(content_type("Package.JPG"), "image/jpeg");
        assert_eq!(
            attachment("Client/é \"x\".lua"),
            "attachment; filename=\"___x_.lua\"; filename*=UTF-8''%C3%A9%20%22x%22.lua"
        );
    }
}
