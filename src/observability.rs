//! What operators see of a running store: a request id on every request, every log line written
//! while it is handled (one, `answered`, per request at least, with its status and time), and its
//! response (`X-Request-Id`); and Prometheus metrics at `/metrics` (with the `metrics` crate and
//! its Prometheus exporter).
//!
//! Metrics, all prefixed `nanos_store_`:
//! - `http_requests_total{method, route, status}` and `http_request_duration_seconds{method,
//!   route}`: `route` is the matched route pattern (`/store/v1/{kind}/{name}`), never the raw
//!   path, so that the number of series stays bounded; anything unmatched is `other`;
//! - `upload_bytes_total` and `download_bytes_total`: release file bytes received and sent;
//! - `validations_total{outcome}`: server-side checks of uploaded zips (`valid`, `invalid`);
//! - `db_connections{state}`: the database pool's `idle` and `in_use` connections, at each scrape.
//!
//! `/metrics` answers only with `Authorization: Bearer <store.metrics-token>`; without that setting
//! it is off (`404`). Loopback is not trusted instead: behind a reverse proxy on the same machine,
//! every request comes from loopback.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing::Instrument;

use crate::state::AppState;

/// The header carrying the request id, in requests (from a proxy) and in responses.
pub const REQUEST_ID: &str = "x-request-id";

/// The process's metrics recorder, installed on first use.
fn recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ])
            .map(|builder| builder.build_recorder())
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        let handle = recorder.handle();
        // Another recorder already installed (only in tests that install their own) keeps its
        // place; this handle then renders nothing.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Installs the metrics recorder, so that metrics recorded before the first scrape count.
pub fn install() {
    recorder();
}

/// How often the recorder folds recorded durations into its histograms.
const UPKEEP_PERIOD: std::time::Duration = std::time::Duration::from_secs(5);

/// Folds the recorded durations into the histograms every [`UPKEEP_PERIOD`], for as long as the
/// server runs. Without it the exporter keeps every sample until a scrape, so a store nobody
/// scrapes (the default: no metrics token) would hold one sample per request, for ever.
pub async fn upkeep() {
    let mut ticks = tokio::time::interval(UPKEEP_PERIOD);
    loop {
        ticks.tick().await;
        recorder().run_upkeep();
    }
}

/// An incoming request id worth keeping: one a trusted proxy (`store.trusted-proxies`) sent, of up
/// to 64 characters that are safe in a log line and a header. Anyone else's is replaced, so that a
/// client cannot pass its requests off as another's in the logs.
fn incoming_id(request: &Request, trusted_proxies: &[ipnet::IpNet]) -> Option<String> {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()?
        .0
        .ip();
    if !trusted_proxies.iter().any(|proxy| proxy.contains(&peer)) {
        return None;
    }
    let value = request.headers().get(REQUEST_ID)?.to_str().ok()?;
    let fine = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    fine.then(|| value.to_string())
}

/// Middleware: gives the request an id (a trusted proxy's or a new one), runs it inside a tracing
/// span carrying that id, and records its route, status and duration.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let id = incoming_id(&request, &state.settings.trusted_proxies)
        .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string());
    let method = method_label(request.method());
    let unmatched = route_of_unmatched(request.uri().path());
    let span =
        tracing::info_span!("request", id = %id, method = %method, path = %request.uri().path());
    let started = Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let route = response
        .extensions()
        .get::<RouteLabel>()
        .map_or_else(|| unmatched.to_string(), |label| label.0.clone());
    let status = response.status().as_u16().to_string();
    let seconds = started.elapsed().as_secs_f64();
    span.in_scope(|| {
        tracing::info!(status = %status, route = %route, ms = seconds * 1000.0, "answered");
    });
    metrics::counter!("nanos_store_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("nanos_store_http_request_duration_seconds", "method" => method, "route" => route).record(seconds);
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// The route pattern a request matched, passed from [`label_route`] to [`track`].
#[derive(Debug, Clone)]
struct RouteLabel(String);

/// Route middleware (inside the router, where the route is known): labels the response with the
/// route pattern the request matched, for [`track`], which runs outside the router.
pub async fn label_route(request: Request, next: Next) -> Response {
    let label = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| RouteLabel(path.as_str().to_string()));
    let mut response = next.run(request).await;
    if let Some(label) = label {
        response.extensions_mut().insert(label);
    }
    response
}

/// The method label: one of HTTP's own methods, or `other` (a client may send any word as its
/// method, and each would make new series).
fn method_label(method: &axum::http::Method) -> String {
    use axum::http::Method;
    let known = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
    ];
    if known.contains(method) {
        method.as_str().to_string()
    } else {
        "other".to_string()
    }
}

/// The route label of a request no axum route matched (pages and server functions, which Leptos
/// routes itself, the bundle, unknown paths): a few fixed groups.
fn route_of_unmatched(path: &str) -> &'static str {
    if path.starts_with("/api/") {
        "server-function"
    } else if path.starts_with("/pkg/") {
        "bundle"
    } else {
        "other"
    }
}

/// `GET /metrics`: the Prometheus text format, for the bearer of the metrics token.
pub async fn metrics_endpoint(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Response {
    let with_token = state.settings.metrics_token.as_ref().is_some_and(|token| {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| {
                subtle::ConstantTimeEq::ct_eq(given.as_bytes(), token.expose().as_bytes()).into()
            })
    });
    if !with_token {
        return StatusCode::NOT_FOUND.into_response();
    }
    let size = state.pool.size() as f64;
    let idle = state.pool.num_idle() as f64;
    metrics::gauge!("nanos_store_db_connections", "state" => "idle").set(idle);
    metrics::gauge!("nanos_store_db_connections", "state" => "in_use").set((size - idle).max(0.0));
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        recorder().render(),
    )
        .into_response()
}
