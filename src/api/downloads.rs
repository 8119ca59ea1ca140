//! Release downloads: `GET …/releases/{version}/download` and `GET …/download?channel=…`.
//!
//! - **Fast.** The file is streamed from the blob store (`storage`) as the connection takes it, so
//!   a download costs a chunk or two of memory whatever the file's size. With an object store and
//!   `store.download-redirect`, the store answers with a redirect to a short-lived presigned URL
//!   instead, and the bytes come from the object store (or its CDN).
//! - **HTTP caching and resumes.** `ETag` (the SHA-256), `If-None-Match`, one `Range` (with
//!   `If-Range`), and a
//!   `Cache-Control` that fits the URL (see [`download_cache_control`]).
//! - **Counted as peers count, off the request path.** A public release's download is noted in
//!   memory ([`crate::download_counts`]) when it starts from the first byte: a whole-file `GET`, or
//!   a `Range` from byte 0. A resume (a range from further on), a `HEAD` and a `304` are not
//!   downloads. The notes are written in batches, once per client address and release within the
//!   counting window.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;
use serde::Deserialize;

use super::auth::{Download, MaybeAuthorized};
use super::resources::visible_resource;
use crate::accounts::client_address::client_address;
use crate::error::AppError;
use crate::resources::parse_channel;
use crate::resources::releases::{self, Release};
use crate::resources::service::Resource;
use crate::state::AppState;

/// The peer's address as the connection loop gives it; unknown in a router called directly.
type Peer = Result<ConnectInfo<SocketAddr>, axum::extract::rejection::ExtensionRejection>;

#[utoipa::path(get, path = "/{kind}/{name}/releases/{version}/download", tag = "releases", security((), ("token" = ["download"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path, description = "the resource name"), ("version" = String, Path, description = "X.Y.Z")),
    responses((status = 200, description = "The zip (honours Range, If-Range and If-None-Match)", content_type = "application/zip"), (status = 206, description = "Part of the zip"), (status = 304, description = "Not modified"), (status = 404, body = crate::error::ErrorBody), (status = 416, description = "Range not satisfiable")))]
/// `GET /store/v1/{type}/{name}/releases/{version}/download`
pub async fn download_release(
    State(state): State<AppState>,
    caller: MaybeAuthorized<Download>,
    peer: Peer,
    Path((kind_segment, name, version)): Path<(String, String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (resource, private) =
        visible_resource(&state, caller.caller(), &kind_segment, &name).await?;
    let release = releases::find(&state.pool, &resource, &version, private).await?;
    let request = DownloadRequest::new(&state, peer, method, headers, DownloadUrl::Version);
    serve_release(&state, &resource, &release, request).await
}

/// Query of the channel download.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ChannelParams {
    pub channel: Option<String>,
}

#[utoipa::path(get, path = "/{kind}/{name}/download", tag = "releases", security((), ("token" = ["download"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path), ChannelParams),
    responses((status = 200, description = "The newest published release on the channel or a more stable one", content_type = "application/zip"), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
/// `GET /store/v1/{type}/{name}/download?channel=stable`: the newest published release on that
/// channel or a more stable one.
pub async fn download_latest(
    State(state): State<AppState>,
    caller: MaybeAuthorized<Download>,
    peer: Peer,
    Path((kind_segment, name)): Path<(String, String)>,
    Query(params): Query<ChannelParams>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let channel = parse_channel(params.channel.as_deref().unwrap_or("stable"))?;
    let (resource, private) =
        visible_resource(&state, caller.caller(), &kind_segment, &name).await?;
    let release = releases::latest_on_channel(&state.pool, &resource, channel, private).await?;
    let request = DownloadRequest::new(&state, peer, method, headers, DownloadUrl::Channel);
    serve_release(&state, &resource, &release, request).await
}

/// What a download handler passes on about its request.
struct DownloadRequest {
    method: Method,
    headers: HeaderMap,
    /// The client, for counting (`0.0.0.0` when the connection's address is unknown).
    client: IpAddr,
    url: DownloadUrl,
}

impl DownloadRequest {
    fn new(
        state: &AppState,
        peer: Peer,
        method: Method,
        headers: HeaderMap,
        url: DownloadUrl,
    ) -> DownloadRequest {
        let client = match peer {
            Ok(ConnectInfo(peer)) => {
                client_address(peer.ip(), &headers, &state.settings.trusted_proxies)
            }
            Err(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        };
        DownloadRequest {
            method,
            headers,
            client,
            url,
        }
    }
}

/// A byte range of a file of `size` bytes, from a `Range` header; `Err` when unsatisfiable.
fn parse_range(value: &str, size: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None; // several ranges: answer with the whole file
    }
    let (start, end) = spec.split_once('-')?;
    let range = match (start.trim(), end.trim()) {
        ("", suffix) => {
            let n: u64 = suffix.parse().ok()?;
            if n == 0 {
                return Some(Err(()));
            }
            (size.saturating_sub(n), size.checked_sub(1)?)
        }
        (start, "") => (start.parse().ok()?, size.checked_sub(1)?),
        (start, end) => (
            start.parse().ok()?,
            end.parse::<u64>().ok()?.min(size.saturating_sub(1)),
        ),
    };
    Some(if range.0 <= range.1 && range.0 < size {
        Ok(range)
    } else {
        Err(())
    })
}

/// What a GET of a file of `size` bytes whose ETag is `etag` asks for, by its conditional and
/// `Range` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Wanted {
    /// `If-None-Match` names this file: `304`.
    NotModified,
    /// A range past the file's end: `416`.
    Unsatisfiable,
    /// Bytes `start..=end`: `206`.
    Part { start: u64, end: u64 },
    /// The whole file: `200` (also for several ranges, and for a resume of another file).
    Whole,
}

/// What `headers` ask of a file of `size` bytes whose ETag is `etag`: a resume names the file it
/// began with `If-Range` (its ETag), and gets the whole file when that file is not this one (the
/// channel URL moved to a newer release) rather than a mix of both.
pub(super) fn wanted(headers: &HeaderMap, etag: &str, size: u64) -> Wanted {
    let if_none_match = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    if if_none_match.is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*")) {
        return Wanted::NotModified;
    }
    let same_file = headers
        .get(header::IF_RANGE)
        .is_none_or(|v| v.to_str().is_ok_and(|v| v.trim() == etag));
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .filter(|_| same_file)
        .and_then(|v| parse_range(v, size));
    match range {
        Some(Ok((start, end))) => Wanted::Part { start, end },
        Some(Err(())) => Wanted::Unsatisfiable,
        None => Wanted::Whole,
    }
}

/// Which URL a download came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DownloadUrl {
    /// `…/releases/{version}/download`: always the same bytes.
    Version,
    /// `…/download?channel=…`: the newest release on a channel, which moves with each release.
    Channel,
}

/// How long caches may keep a download. Only a public release's by-version URL never changes; the
/// channel URL may be kept a minute (then revalidated with its `ETag`), so a new release reaches
/// everyone within a minute; a draft or private release is for its team only and is never stored.
fn download_cache_control(release: &Release, url: DownloadUrl) -> &'static str {
    match (release.is_public(), url) {
        (false, _) => "private, no-store",
        (true, DownloadUrl::Version) => "public, max-age=31536000, immutable",
        (true, DownloadUrl::Channel) => "public, max-age=60",
    }
}

/// Answers a download of `release`: `304`, `416`, `206` or `200` with the file streamed, and the
/// download noted for counting when it is one (see the module docs).
async fn serve_release(
    state: &AppState,
    resource: &Resource,
    release: &Release,
    request: DownloadRequest,
) -> Result<Response, AppError> {
    let etag = format!("\"{}\"", release.sha256);
    let size = release.size as u64;
    let mut response = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::CONTENT_TYPE, "application/zip")
        .header(
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}-{}.zip\"",
                resource.name, release.version
            ),
        )
        .header(
            header::CACHE_CONTROL,
            download_cache_control(release, request.url),
        );

    let wanted = wanted(&request.headers, &etag, size);
    if wanted == Wanted::NotModified {
        return response
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .map_err(|e| AppError::Internal(e.to_string()));
    }

    // Only a public release is handed out as a URL anyone holding it can use for a while; a
    // draft or private release goes through the store, to its team only.
    if state.settings.download_redirect && request.method == Method::GET && release.is_public() {
        if let Some(response) = redirect(state, resource, release, &request).await? {
            return Ok(response);
        }
    }

    let (status, start, length) = match wanted {
        Wanted::Part { start, end } => {
            response =
                response.header(header::CONTENT_RANGE, format!("bytes {start}-{end}/{size}"));
            (StatusCode::PARTIAL_CONTENT, start, end - start + 1)
        }
        Wanted::Unsatisfiable => {
            return response
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{size}"))
                .body(Body::empty())
                .map_err(|e| AppError::Internal(e.to_string()));
        }
        Wanted::Whole | Wanted::NotModified => (StatusCode::OK, 0, size),
    };
    let body = if request.method == Method::HEAD {
        Body::empty()
    } else {
        let chunks = state
            .blobs
            .read_range(&release.sha256, start, length)
            .await
            .map_err(|e| AppError::Internal(format!("release file unreadable: {e}")))?;
        if start == 0 && release.is_public() {
            state
                .downloads
                .note(&release.id, &release.resource_id, request.client);
        }
        let sent = metrics::counter!("nanos_store_download_bytes_total");
        Body::from_stream(chunks.inspect_ok(move |chunk| sent.increment(chunk.len() as u64)))
    };
    let mut response = response
        .status(status)
        .body(body)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    Ok(response.into_response())
}

/// How long a presigned download URL works: long enough to start the download (a resume asks the
/// store again), short enough that a shared link soon stops working.
const REDIRECT_VALID_FOR: std::time::Duration = std::time::Duration::from_secs(300);

/// The answer to a `GET` of a public release when `store.download-redirect` is on: `302` to a
/// presigned URL of the object store, which then serves the bytes (`Range` included). A download
/// that starts at the first byte counts, as when the store serves it. `None` for a store without
/// object storage.
async fn redirect(
    state: &AppState,
    resource: &Resource,
    release: &Release,
    request: &DownloadRequest,
) -> Result<Option<Response>, AppError> {
    let filename = format!("{}-{}.zip", resource.name, release.version);
    let url = state
        .blobs
        .signed_download(&release.sha256, REDIRECT_VALID_FOR, &filename)
        .await
        .map_err(|e| AppError::Internal(format!("cannot sign a download URL: {e}")))?;
    let Some(url) = url else {
        return Ok(None);
    };
    let from_start = request
        .headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_range(v, release.size as u64))
        .is_none_or(|range| matches!(range, Ok((0, _))));
    if from_start {
        state
            .downloads
            .note(&release.id, &release.resource_id, request.client);
    }
    Response::builder()
        .status(StatusCode::FOUND)
        .header(header::LOCATION, url.as_str())
        .header(header::CACHE_CONTROL, "private, no-store")
        .body(Body::empty())
        .map(Some)
        .map_err(|e| AppError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Some(Ok((0, 9))));
        assert_eq!(parse_range("bytes=90-", 100), Some(Ok((90, 99))));
        assert_eq!(parse_range("bytes=-10", 100), Some(Ok((90, 99))));
        assert_eq!(parse_range("bytes=50-500", 100), Some(Ok((50, 99))));
        assert_eq!(parse_range("bytes=100-", 100), Some(Err(())));
        assert_eq!(parse_range("bytes=9-0", 100), Some(Err(())));
        assert_eq!(parse_range("bytes=0-1,5-6", 100), None);
        assert_eq!(parse_range("items=0-1", 100), None);
    }
}
