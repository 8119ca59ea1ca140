//! What operators and load balancers rely on, on SQLite and Postgres: `/readyz` (ready, and `503
//! not-ready` when the database is gone), `/metrics` (only with its token; route patterns, not raw
//! paths, as labels) and request ids on every response.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::TestApp;

const METRICS_TOKEN: &str = "scrape-me-0123456789";

fn with_metrics_token(app: &TestApp) -> axum::Router {
    app.with_settings(|settings| {
        settings.metrics_token = Some(nanos_store::secrets::Secret::new(METRICS_TOKEN.into()))
    })
}

async fn readiness_follows_the_database(app: &TestApp) {
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status, 200, "{}", ready.body);
    assert_eq!(ready.json()["status"], "ready");
    assert_eq!(app.get("/healthz", None).await.status, 200);

    app.state.pool.close().await;
    let down = app.get("/readyz", None).await;
    assert_eq!(down.status, 503, "{}", down.body);
    assert_eq!(down.json()["error"], "not-ready");
    let message = down.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(message.contains("the database"), "{message}");
    assert!(
        !message.contains("storage"),
        "the storage still answers: {message}"
    );
    assert_eq!(
        app.get("/healthz", None).await.status,
        200,
        "alive, though not ready"
    );
}

async fn metrics_need_their_token_and_label_routes_not_paths(app: &TestApp) {
    // Off without a token setting; with one, only for its bearer.
    assert_eq!(app.get("/metrics", None).await.status, 404);
    let router = with_metrics_token(app);
    let scrape = |authorization: Option<&str>| {
        let mut request = Request::get("/metrics");
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        common::send_from(
            &router,
            [127, 0, 0, 1].into(),
            request.body(Body::empty()).unwrap(),
        )
    };
    assert_eq!(
        scrape(None).await.status,
        404,
        "loopback alone is not enough"
    );
    assert_eq!(
        scrape(Some("Bearer wrong-token-0123456789")).await.status,
        404
    );

    // A made-up method is counted as `other`, not as a new series.
    let odd = app
        .send(
            Request::builder()
                .method("BREW")
                .uri("/store/v1/packages")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(odd.status.is_client_error(), "{}", odd.status);

    // A request to a resource with a hostile name is counted under its route's pattern.
    let hostile = "/store/v1/packages/%3Cscript%3Ealert(1)%3C%2Fscript%3E";
    assert_eq!(app.get(hostile, None).await.status, 404);
    let page = scrape(Some(&format!("Bearer {METRICS_TOKEN}"))).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("nanos_store_http_requests_total{")
            && page.body.contains("route=\"/store/v1/{kind}/{name}\""),
        "requests are counted by route pattern:\n{}",
        page.body
    );
    assert!(!page.body.contains("script"), "no raw path becomes a label");
    assert!(!page.body.contains("BREW") && page.body.contains("method=\"other\""));
    assert!(page
        .body
        .contains("nanos_store_http_request_duration_seconds_bucket"));
    assert!(page
        .body
        .contains("nanos_store_db_connections{state=\"idle\"}"));
}

async fn every_response_has_a_request_id(app: &TestApp) {
    let first = app.get("/store/v1/packages", None).await;
    let second = app.get("/store/v1/packages", None).await;
    let id = |r: &common::TestResponse| {
        r.headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(id(&first).len(), 32, "a new id: {:?}", id(&first));
    assert_ne!(id(&first), id(&second), "each request has its own id");
    assert!(id(&app.get("/no/such/page", None).await).len() == 32);

    // A trusted proxy's id is kept, unless it could forge log lines or headers; anyone else's is
    // replaced.
    let with_id = |value: &str| {
        Request::get("/healthz")
            .header("x-request-id", value)
            .body(Body::empty())
            .unwrap()
    };
    let behind_proxy = app.with_settings(|settings| {
        settings.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    });
    let from_proxy =
        |value: &str| common::send_from(&behind_proxy, [127, 0, 0, 1].into(), with_id(value));
    assert_eq!(id(&from_proxy("lb-7f3a-0001").await), "lb-7f3a-0001");
    let from_client = app.send(with_id("lb-7f3a-0001")).await;
    assert_eq!(id(&from_client).len(), 32, "a client's own id is replaced");
    for hostile in ["a b\" injected=1", &"x".repeat(65), "<script>"] {
        let replaced = from_proxy(hostile).await;
        assert_eq!(id(&replaced).len(), 32, "{hostile:?} is replaced");
    }
}

on_both_databases!(
    readiness_follows_the_database,
    metrics_need_their_token_and_label_routes_not_paths,
    every_response_has_a_request_id,
);
