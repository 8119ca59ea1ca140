//! Resource images over HTTP: the stored image files (`/media/{file}`), and a resource's icon and
//! screenshots under `/store/v1/{type}/{name}/`.
//!
//! The upload endpoints also serve the resource page's plain HTML forms: a request that accepts
//! `text/html` (a browser's form post) is answered with a redirect back to the resource page,
//! which shows the outcome; programs get JSON.

use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;

use super::auth::{Authorized, Download, Manage, MaybeAuthorized};
use crate::db;
use crate::error::{AppError, ErrorCode};
use crate::resources::media::{self, MediaStore, MAX_IMAGE_BYTES};
use crate::resources::service::{self, Resource};
use crate::resources::{kind_from_path, parse_kind, path_of_kind, Icon, Screenshot};
use crate::state::AppState;

/// The body limit of an image upload: the image and a caption.
pub const IMAGE_BODY_LIMIT: usize = MAX_IMAGE_BYTES + 64 * 1024;

fn store(state: &AppState) -> MediaStore {
    MediaStore::new(&state.blobs)
}

async fn resource(state: &AppState, kind: &str, name: &str) -> Result<Resource, AppError> {
    service::find_or_404(&state.pool, parse_kind(kind)?, name).await
}

/// `GET /media/{file}`: a stored image, cacheable for a year (its name is its content's hash).
pub async fn serve_media(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let missing = || AppError::NotFound("There is no such image.".into());
    let (bytes, content_type) = store(&state)
        .read(&file)
        .await
        .map_err(|e| AppError::Internal(format!("cannot read an image: {e}")))?
        .ok_or_else(missing)?;
    Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CONTENT_LENGTH, bytes.len())
        .body(Body::from(bytes))
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// The parts of an image upload: `file` (the image) and an optional `caption`.
async fn read_image(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(Vec<u8>, String), AppError> {
    let bad = |why: String| {
        AppError::Invalid {
        code: ErrorCode::BadUpload,
        field: None,
        message: format!(
            "The upload could not be read ({why}). Send multipart/form-data with the image in a part named file."
        ),
    }
    };
    let mut multipart = multipart.map_err(|e| bad(e.body_text()))?;
    let (mut image, mut caption) = (None, String::new());
    while let Some(mut field) = multipart.next_field().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            bad(e.body_text())
        }
    })? {
        let name = field.name().unwrap_or_default().to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                bad(e.body_text())
            }
        })? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > MAX_IMAGE_BYTES {
                return Err(too_large());
            }
        }
        match name.as_str() {
            "file" => image = Some(bytes),
            "caption" => {
                caption = String::from_utf8(bytes).map_err(|_| {
                    AppError::field(
                        ErrorCode::NotUtf8,
                        "caption",
                        "The caption is not UTF-8 text.",
                    )
                })?
            }
            _ => {}
        }
    }
    let image = image.filter(|bytes| !bytes.is_empty()).ok_or_else(|| {
        AppError::field(
            ErrorCode::MissingFile,
            "file",
            "No image in the upload: choose a JPEG, PNG or WebP file.",
        )
    })?;
    Ok((image, caption))
}

fn too_large() -> AppError {
    AppError::TooLarge(format!(
        "This image is larger than {} MiB.",
        MAX_IMAGE_BYTES / (1024 * 1024)
    ))
}

/// Whether the request is a browser's form post (it accepts HTML).
fn from_a_page(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// The answer to an image change: JSON for programs; for a page's form, back to the resource page
/// with `media=saved` or `media-error=<code>`.
fn answer<T: serde::Serialize>(
    headers: &HeaderMap,
    kind: &str,
    name: &str,
    status: StatusCode,
    result: Result<T, AppError>,
) -> Response {
    if from_a_page(headers) && kind_from_path(kind).is_some() {
        let outcome = match &result {
            Ok(_) => "media=saved".to_string(),
            Err(e) => format!("media-error={}", e.body().code),
        };
        let kind = kind_from_path(kind).map(path_of_kind).unwrap_or("packages");
        return Redirect::to(&format!("/{kind}/{name}?{outcome}#media")).into_response();
    }
    match result {
        Ok(value) => (status, Json(value)).into_response(),
        Err(e) => e.into_response(),
    }
}

#[utoipa::path(post, path = "/{kind}/{name}/icon", tag = "resources", security(("token" = ["manage"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path, description = "the resource name")),
    request_body(content_type = "multipart/form-data", description = "Part file: a JPEG, PNG or WebP image, at most 8 MiB and 8192 pixels a side. Stored as 64 and 128 px squares."),
    responses((status = 200, body = Icon), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody), (status = 422, description = "not-an-image or image-too-large", body = crate::error::ErrorBody)))]
/// `POST /store/v1/{type}/{name}/icon`: set the icon (developer or above, `manage`). A release's
/// `Package.jpg` / `Assets.jpg` no longer replaces it.
pub async fn set_icon(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path((kind, name)): Path<(String, String)>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let result = async {
        let resource = resource(&state, &kind, &name).await?;
        service::authorize(
            &state.pool,
            caller.actor(),
            &resource.team_id,
            "change the icon",
        )
        .await?;
        let (image, _) = read_image(multipart).await?;
        media::set_icon(
            &state.pool,
            &store(&state),
            caller.actor(),
            &resource,
            image,
        )
        .await
    }
    .await;
    answer(&headers, &kind, &name, StatusCode::OK, result)
}

#[utoipa::path(delete, path = "/{kind}/{name}/icon", tag = "resources", security(("token" = ["manage"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path, description = "the resource name")),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
/// `DELETE /store/v1/{type}/{name}/icon`: remove the icon (developer or above, `manage`).
pub async fn remove_icon(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path((kind, name)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let resource = resource(&state, &kind, &name).await?;
    media::remove_icon(&state.pool, caller.actor(), &resource).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/{kind}/{name}/screenshots", tag = "resources", params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path, description = "the resource name")),
    responses((status = 200, body = Vec<Screenshot>), (status = 404, body = crate::error::ErrorBody), (status = 410, body = crate::error::ErrorBody), (status = 451, body = crate::error::ErrorBody)))]
/// `GET /store/v1/{type}/{name}/screenshots`: the gallery, in order.
pub async fn list_screenshots(
    State(state): State<AppState>,
    caller: MaybeAuthorized<Download>,
    Path((kind, name)): Path<(String, String)>,
) -> Result<Json<Vec<Screenshot>>, AppError> {
    let (resource, _) =
        super::resources::visible_resource(&state, caller.caller(), &kind, &name).await?;
    Ok(Json(media::screenshots(&state.pool, &resource).await?))
}

#[utoipa::path(post, path = "/{kind}/{name}/screenshots", tag = "resources", security(("token" = ["manage"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path, description = "the resource name")),
    request_body(content_type = "multipart/form-data", description = "Parts: file (a JPEG, PNG or WebP image, at most 8 MiB and 8192 pixels a side) and an optional caption (at most 200 characters). At most 8 screenshots per resource."),
    responses((status = 201, body = Screenshot), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, description = "too-many-screenshots", body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
/// `POST /store/v1/{type}/{name}/screenshots`: add a screenshot at the end of the gallery
/// (developer or above, `manage`).
pub async fn add_screenshot(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path((kind, name)): Path<(String, String)>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let result = async {
        let resource = resource(&state, &kind, &name).await?;
        service::authorize(
            &state.pool,
            caller.actor(),
            &resource.team_id,
            "change screenshots",
        )
        .await?;
        let (image, caption) = read_image(multipart).await?;
        media::add_screenshot(
            &state.pool,
            &store(&state),
            caller.actor(),
            &resource,
            image,
            &caption,
            db::now(),
        )
        .await
    }
    .await;
    answer(&headers, &kind, &name, StatusCode::CREATED, result)
}

#[utoipa::path(delete, path = "/{kind}/{name}/screenshots/{id}", tag = "resources", security(("token" = ["manage"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path, description = "the resource name"), ("id" = String, Path, description = "the screenshot's id")),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
/// `DELETE /store/v1/{type}/{name}/screenshots/{id}` (developer or above, `manage`).
pub async fn remove_screenshot(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path((kind, name, id)): Path<(String, String, String)>,
) -> Result<StatusCode, AppError> {
    let resource = resource(&state, &kind, &name).await?;
    media::remove_screenshot(&state.pool, caller.actor(), &resource, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
