//! Every page renders completely, many times at once, signed in and out, on a multi-threaded
//! runtime (where a render may end on another thread than it started): no panic, no cut-off body.
//! `/upload` used to panic in a third of such renders (a browser-only value kept in thread-local
//! storage on the server).

use crate::common::{send_from, TestApp};
use axum::body::Body;
use axum::http::Request;
use nanos_store::db::Backend;

const ROUNDS: usize = 12;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_route_renders_whole_many_times_at_once() {
    let app = TestApp::start(Backend::Sqlite)
        .await
        .expect("SQLite is always available");
    let cookie = app.register("renderer").await;
    let created = app
        .call(
            "/api/teams/create",
            &[("name", "crew"), ("title", "Crew")],
            Some(&cookie),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let pages = [
        "/",
        "/packages",
        "/assets",
        "/packages?q=x&sort=downloads",
        "/upload",
        "/upload?kind=packages&name=drift",
        "/login",
        "/register",
        "/settings",
        "/settings/tokens",
        "/u/renderer",
        "/teams",
        "/teams/crew",
        "/teams/crew/settings",
    ];
    let mut renders = Vec::new();
    for round in 0..ROUNDS {
        for page in pages {
            for signed_in in [false, true] {
                let router = app.router.clone();
                let cookie = cookie.clone();
                renders.push(tokio::spawn(async move {
                    let mut request = Request::get(page);
                    if signed_in {
                        request = request.header("cookie", cookie);
                    }
                    let response = send_from(
                        &router,
                        [127, 0, 0, 1].into(),
                        request.body(Body::empty()).expect("request"),
                    )
                    .await;
                    (round, page, signed_in, response)
                }));
            }
        }
    }
    for render in renders {
        let (round, page, signed_in, response) = render.await.expect("the render panicked");
        let who = if signed_in { "signed in" } else { "signed out" };
        // Member pages send a visitor to log in (303 to /login?next=…).
        let expected: &[u16] = if signed_in { &[200] } else { &[200, 303] };
        assert!(
            expected.contains(&response.status.as_u16()),
            "{page} {who}, round {round}: {}",
            response.status
        );
        assert!(
            response.body.contains("</html>"),
            "{page} {who}, round {round}: the page was cut off"
        );
    }
    app.finish().await;
}
