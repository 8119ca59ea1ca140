//! What protects the browsers of the store's users, decided here for every request:
//!
//! - **Cross-site requests.** Every request that can change something (any method but `GET`,
//!   `HEAD`, `OPTIONS`) to a server function (`/api/…`), and every such API request (`/store/v1/…`)
//!   that relies on the session cookie rather than a token, must come from the store's own pages:
//!   its `Origin` names the store, or, without `Origin`, the browser's `Sec-Fetch-Site` says
//!   `same-origin`. This also refuses log-in CSRF (a foreign page logging the browser in) and plain
//!   HTML forms posted from other sites. Tokens are sent by programs in a header that a foreign page
//!   cannot make a browser send, so token requests are not checked.
//! - **Time limits.** Every request but a release upload must be answered within
//!   `store.request-timeout-secs`, reading of its body included, so that a body trickled byte by
//!   byte cannot hold a connection (uploads have their own stall timeout and minimum rate).
//! - **Private answers.** Every answer to a request with credentials (the session cookie or an
//!   `Authorization` header) is `Cache-Control: private, no-store` unless its handler chose
//!   otherwise: it may show the member's own data (team settings, tokens, drafts, private
//!   releases), which no shared cache may keep. Only the browser bundle, the same for everyone, is
//!   left cacheable. Being a layer over the whole router, this covers routes added later too.
//! - **Content-Security-Policy.** Pages allow only the store's own scripts, and the inline
//!   hydration scripts that carry this response's nonce; no plugins, no framing, no foreign form
//!   targets, images only from the store itself (Markdown renders remote images as links). Other
//!   responses (JSON, files) get a policy that allows nothing at all.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{AppError, ErrorCode};
use crate::state::AppState;

/// The policy of every HTML page rendered by the app; `nonce` is the response's script nonce.
/// Under `cargo leptos watch`, `live_reload_port` also lets the page reach the live-reload socket.
pub fn page_policy(nonce: &str, live_reload_port: Option<u32>) -> String {
    let live_reload = live_reload_port
        .map(|port| format!(" ws://*:{port}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'{live_reload}; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy of the Swagger UI at `/store/docs`, whose bundle sets inline styles.
const DOCS_POLICY: &str =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// The policy of everything else (JSON, downloads, static files): nothing may run or load.
const NOTHING_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

/// Inside a page render: sends the page policy with the nonce Leptos put on its scripts.
pub fn provide_page_policy(live_reload_port: Option<u32>) {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce, live_reload_port)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Middleware: refuses cross-site changes (see the module docs) and adds the security headers
/// that a response does not set itself.
pub async fn protect(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let docs = path.starts_with("/store/docs");
    if needs_same_origin(request.method(), &path, request.headers())
        && !same_origin(request.headers(), state.settings.public_url.as_deref())
    {
        return AppError::Forbidden {
            code: ErrorCode::CrossSiteRequest,
            message:
                "This change came from another site. Use the store's own pages, or an API token."
                    .into(),
        }
        .into_response();
    }
    let private = is_credentialed(request.headers())
        && !path.starts_with(&format!("/{}/", state.leptos.site_pkg_dir));
    let mut response = if is_upload(request.method(), &path) {
        next.run(request).await // limited by its own stall timeout and minimum rate
    } else {
        let limit = state.settings.request_timeout;
        match tokio::time::timeout(limit, next.run(request)).await {
            Ok(response) => response,
            Err(_) => AppError::RequestTimeout {
                code: ErrorCode::RequestTimeout,
                message: format!(
                    "The request took longer than {} seconds: its body arrived too slowly, or the \
                     store was too busy. Try again.",
                    limit.as_secs()
                ),
            }
            .into_response(),
        }
    };
    // Browsers keep a 410 for good unless told otherwise (Chromium holds it as fresh for ever):
    // a restored resource must reach those who saw it taken down.
    let gone = matches!(
        response.status(),
        StatusCode::GONE | StatusCode::UNAVAILABLE_FOR_LEGAL_REASONS
    );
    let headers = response.headers_mut();
    if gone {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if private {
        headers
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("private, no-store"));
    }
    let defaults: [(header::HeaderName, &'static str); 4] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            header::CONTENT_SECURITY_POLICY,
            if docs { DOCS_POLICY } else { NOTHING_POLICY },
        ),
    ];
    for (name, value) in defaults {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}

/// Whether a request is a release upload (`POST /store/v1/{kind}/{name}/releases`), which may take
/// as long as its bytes keep coming.
fn is_upload(method: &Method, path: &str) -> bool {
    *method == Method::POST
        && path.strip_prefix("/store/v1/").is_some_and(|rest| {
            let parts: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
            matches!(parts[..], [_, _, "releases"])
        })
}

/// Whether a request carries credentials (the session cookie or an `Authorization` header).
fn is_credentialed(headers: &HeaderMap) -> bool {
    headers.contains_key(header::AUTHORIZATION)
        || crate::accounts::session::token_from_headers(headers).is_some()
}

/// Whether this request must prove it comes from the store's own pages.
fn needs_same_origin(method: &Method, path: &str, headers: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    if path.starts_with("/api/") {
        return true; // server functions: the web UI's own calls, with or without a session
    }
    path.starts_with("/store/v1/")
        && !headers.contains_key(header::AUTHORIZATION)
        && crate::accounts::session::token_from_headers(headers).is_some()
}

/// Whether a request comes from the store's own pages: its `Origin` is the store's public address
/// (`store.public-url`, scheme and host) when one is configured, else names the `Host` the request
/// was sent to; without `Origin`, the browser says it is same-origin.
pub fn same_origin(headers: &HeaderMap, public_url: Option<&str>) -> bool {
    let header = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(origin) = header(header::ORIGIN) {
        let origin = origin.trim_end_matches('/');
        if let Some(public) = public_url {
            return origin_of(public).is_some_and(|ours| ours.eq_ignore_ascii_case(origin));
        }
        let Some(origin_host) = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"))
        else {
            return false; // `null` (sandboxed or file pages) and other schemes
        };
        return header(header::HOST).is_some_and(|host| host.eq_ignore_ascii_case(origin_host));
    }
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|site| site == "same-origin")
}

/// The origin (`scheme://host[:port]`) of an address such as `https://store.example/shop/`.
fn origin_of(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    let end = scheme.len() + 3 + rest.find('/').unwrap_or(rest.len());
    Some(&url[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn origins() {
        let ours = headers(&[("host", "store.test"), ("origin", "http://store.test")]);
        assert!(same_origin(&ours, None));
        let evil = headers(&[("host", "store.test"), ("origin", "https://evil.example")]);
        assert!(!same_origin(&evil, None));
        let null = headers(&[("host", "store.test"), ("origin", "null")]);
        assert!(!same_origin(&null, None));
        let proxied = headers(&[
            ("host", "10.0.0.5:3000"),
            ("origin", "https://store.example"),
        ]);
        assert!(same_origin(&proxied, Some("https://store.example/")));
        assert!(same_origin(&proxied, Some("https://Store.Example/shop/")));
        assert!(!same_origin(&proxied, None));
        // With a public address, its scheme counts and the Host header does not.
        let plain = headers(&[
            ("host", "store.example"),
            ("origin", "http://store.example"),
        ]);
        assert!(!same_origin(&plain, Some("https://store.example")));
        let lookalike = headers(&[
            ("host", "store.test"),
            ("origin", "http://store.test.evil.com"),
        ]);
        assert!(!same_origin(&lookalike, None));
        let cased = headers(&[("host", "Store.Test"), ("origin", "http://store.test")]);
        assert!(same_origin(&cased, None));
        // No Origin: only the browser's word counts; a bare request proves nothing.
        assert!(same_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            None
        ));
        assert!(!same_origin(
            &headers(&[("sec-fetch-site", "cross-site")]),
            None
        ));
        assert!(!same_origin(
            &headers(&[("sec-fetch-site", "same-site")]),
            None
        ));
        assert!(!same_origin(&headers(&[]), None));
    }

    #[test]
    fn which_requests_are_checked() {
        let none = headers(&[]);
        assert!(needs_same_origin(
            &Method::POST,
            "/api/accounts/login",
            &none
        ));
        assert!(!needs_same_origin(
            &Method::GET,
            "/api/resources/page",
            &none
        ));
        let cookie = headers(&[("cookie", "nanos_session=abc")]);
        assert!(needs_same_origin(&Method::POST, "/store/v1/teams", &cookie));
        assert!(needs_same_origin(
            &Method::DELETE,
            "/store/v1/teams/x",
            &cookie
        ));
        assert!(!needs_same_origin(&Method::POST, "/store/v1/teams", &none));
        let token = headers(&[
            ("cookie", "nanos_session=abc"),
            ("authorization", "Token x"),
        ]);
        assert!(!needs_same_origin(&Method::POST, "/store/v1/teams", &token));
    }

    #[test]
    fn uploads_are_told_apart() {
        assert!(is_upload(
            &Method::POST,
            "/store/v1/packages/drift/releases"
        ));
        assert!(is_upload(&Method::POST, "/store/v1/assets/city/releases/"));
        assert!(!is_upload(
            &Method::GET,
            "/store/v1/packages/drift/releases"
        ));
        assert!(!is_upload(
            &Method::POST,
            "/store/v1/packages/drift/releases/1.0.0/publish"
        ));
        assert!(!is_upload(&Method::POST, "/api/resources/create"));
    }

    #[test]
    fn the_page_policy_names_the_nonce() {
        let policy = page_policy("abc123", None);
        assert!(policy.contains("'nonce-abc123'"));
        assert!(!policy.contains("unsafe-inline"));
        assert!(policy.contains("connect-src 'self';"));
        let watching = page_policy("abc123", Some(3001));
        assert!(
            watching.contains("connect-src 'self' ws://*:3001;"),
            "{watching}"
        );
    }
}
