//! The browser bundle's files (`/pkg/…`: the script, the WebAssembly module and the stylesheet),
//! served as the build left them: compressed, and named after their contents.
//!
//! - **Compressed.** The build (`scripts/lib.sh`, build_site) writes a brotli (`.br`) and a gzip
//!   (`.gz`) copy beside each file. tower-http's `ServeDir` sends the copy the client accepts
//!   (`Accept-Encoding`; brotli first), with its `Content-Encoding` and the `Content-Type` of the
//!   original name, or the file itself to a client that accepts neither. Every answer says
//!   `Vary: Accept-Encoding`, so that a shared cache keeps one copy per encoding.
//! - **Kept for good when named after their contents.** A file whose name carries the hash of its
//!   contents (`nanos-store.0123456789abcdef.wasm`) never changes, so it may be kept for a year
//!   without asking again (`immutable`): a repeat visit downloads nothing. A plainly named file (a
//!   build without hashes, such as `cargo leptos watch`) is checked with the store every time
//!   (`no-cache`), and a missing file or an error is not kept at all (`no-store`).
//!
//! The site's public files ([`PUBLIC_FILES`], from `public/`) keep their names across releases, so
//! browsers keep them a day.

use std::path::Path;

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use leptos::config::LeptosOptions;
use tower_http::services::{ServeDir, ServeFile};

/// `Cache-Control` of a file named after its contents.
const FOR_GOOD: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of a plainly named file: kept, but checked with the store before each use.
const CHECK_EACH_TIME: &str = "no-cache";
/// `Cache-Control` of a missing file or an error.
const NOT_KEPT: &str = "no-store";
/// `Cache-Control` of a public file.
const FOR_A_DAY: &str = "public, max-age=86400";

/// The files of `public/`, which the build copies to the site root and the store serves at
/// `/<name>`.
pub const PUBLIC_FILES: &[&str] = &["favicon.svg"];

/// The service that answers the bundle's folder (`<site-root>/<site-pkg-dir>`), as described in
/// the module docs; nest it at `/<site-pkg-dir>`, so that it sees paths inside the folder.
pub fn service(options: &LeptosOptions) -> Router {
    let files = ServeDir::new(Path::new(&*options.site_root).join(&*options.site_pkg_dir))
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .fallback_service(files)
        .layer(axum::middleware::from_fn(cache_headers))
}

/// The service that answers the public file `name` of the site root; nest it at `/<name>`.
pub fn public_file(options: &LeptosOptions, name: &str) -> Router {
    Router::new()
        .fallback_service(ServeFile::new(Path::new(&*options.site_root).join(name)))
        .layer(axum::middleware::from_fn(public_cache_headers))
}

/// Middleware over a public file: kept a day when found, not at all otherwise.
async fn public_cache_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let found = response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED;
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if found { FOR_A_DAY } else { NOT_KEPT }),
    );
    response
}

/// Middleware over the files: adds `Vary: Accept-Encoding` and the `Cache-Control` the file's
/// name and the answer call for.
async fn cache_headers(request: Request, next: Next) -> Response {
    let content_named = is_named_by_content(request.uri().path());
    let mut response = next.run(request).await;
    let cache = cache_control(response.status(), content_named);
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// The `Cache-Control` of an answer with `status` for a file that is (or is not) named by its
/// contents.
fn cache_control(status: StatusCode, content_named: bool) -> &'static str {
    let found = status.is_success() || status == StatusCode::NOT_MODIFIED;
    match (found, content_named) {
        (true, true) => FOR_GOOD,
        (true, false) => CHECK_EACH_TIME,
        (false, _) => NOT_KEPT,
    }
}

/// Whether the last segment of `path` is a file name that carries a content hash:
/// `<stem>.<hash>.<extension>`, the hash 16 to 64 letters, digits, `-` or `_`. That covers the
/// hex digests of `scripts/lib.sh` and the base64url ones of cargo-leptos' `hash-files`.
fn is_named_by_content(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let mut parts = name.rsplitn(3, '.');
    let (Some(extension), Some(hash), Some(stem)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    !extension.is_empty()
        && !stem.is_empty()
        && (16..=64).contains(&hash.len())
        && hash
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_a_content_hash() {
        assert!(is_named_by_content("/nanos-store.0123456789abcdef.js"));
        assert!(is_named_by_content("/nanos-store.0123456789abcdef.wasm"));
        // cargo-leptos' `hash-files`: an MD5 in base64url.
        assert!(is_named_by_content(
            "/nanos-store.vB3mQ9x_Lk2-aZ81pQwErT.css"
        ));
        assert!(!is_named_by_content("/nanos-store.js"));
        assert!(!is_named_by_content("/nanos-store_bg.wasm"));
        assert!(!is_named_by_content("/nanos-store.0123.js"), "too short");
        assert!(!is_named_by_content("/nanos-store.0123456789abcdef!.js"));
        assert!(!is_named_by_content("/.0123456789abcdef.js"), "no stem");
        assert!(!is_named_by_content("/nanos-store.0123456789abcdef."));
        assert!(!is_named_by_content("/nanos-store.0123456789abcdef.js/"));
    }

    #[test]
    fn only_files_that_were_found_are_kept() {
        assert_eq!(cache_control(StatusCode::OK, true), FOR_GOOD);
        assert_eq!(cache_control(StatusCode::PARTIAL_CONTENT, true), FOR_GOOD);
        assert_eq!(
            cache_control(StatusCode::NOT_MODIFIED, false),
            CHECK_EACH_TIME
        );
        assert_eq!(cache_control(StatusCode::OK, false), CHECK_EACH_TIME);
        assert_eq!(cache_control(StatusCode::NOT_FOUND, true), NOT_KEPT);
        assert_eq!(
            cache_control(StatusCode::INTERNAL_SERVER_ERROR, false),
            NOT_KEPT
        );
    }
}
