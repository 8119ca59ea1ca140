//! Every page renders completely, many times at once, signed in and out, on a multi-threaded
//! runtime (where a render may end on another thread than it started): no panic, no cut-off body.
//! `/upload` used to panic in a third of such renders (a browser-only value kept in thread-local
//! storage on the server).

use crate::common::{send_from, TestApp};
use axum::body::Body;
use axum::http::Request;
use nanos_store::db::Backend;
use nanos_store::server::router;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

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
    // A moderator, so that the staff's pages and panels render whole too.
    nanos_store::moderation::service::grant(
        &app.state.pool,
        &nanos_store::access::Staff::operator(),
        "renderer",
        nanos_store::moderation::SiteRole::Moderator,
        nanos_store::db::now(),
    )
    .await
    .expect("grant");
    // A published package with two releases, for its release, file and comparison pages.
    let owner = app.create_user("publisher").await;
    app.create_team(&owner, "studio").await;
    let token = app
        .create_token(&owner, &nanos_store::tokens::Scope::ALL, None)
        .await;
    let created = app
        .api(
            "POST",
            "/store/v1/packages",
            Some(&format!("Token {token}")),
            Some(serde_json::json!({"name": "race", "team": "studio", "title": "Race", "category": "game-mode"})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    for version in ["1.0.0", "1.1.0"] {
        let manifest = format!(
            "[meta]\ntitle = \"Race\"\nauthor = \"me\"\nversion = \"{version}\"\n[game_mode]\n"
        );
        let zip = crate::common::zip(&[
            ("Package.toml", &manifest),
            (
                "Server/Index.lua",
                &format!("-- {version}\nprint('{version}')\n"),
            ),
        ]);
        let uploaded = app
            .upload_release("packages", "race", &token, &zip, &[("publish", "true")])
            .await;
        assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    }
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
        "/admin",
        "/admin?status=open&q=ren",
        "/admin/log",
        "/packages/race/releases/1.1.0",
        "/packages/race/releases/1.1.0/files",
        "/packages/race/releases/1.1.0/files/Server",
        "/packages/race/releases/1.1.0/files/Server/Index.lua",
        "/packages/race/compare/1.0.0...1.1.0",
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

/// Building a router generates the app's route list by rendering the app once, and Leptos switches
/// resource loading off for the whole process while it does (leptos_server's global
/// `SuppressResourceLoad`): a resource of another render that first polled in that moment waited
/// forever (leptos-rs/leptos#4773). This is how two tests' stores hung each other, one render in
/// eight runs. Here routers are built without pause while pages render: every render must end.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pages_render_whole_while_other_routers_are_built() {
    let app = TestApp::start(Backend::Sqlite)
        .await
        .expect("SQLite is always available");
    let cookie = app.register("renderer").await;
    let stop = Arc::new(AtomicBool::new(false));
    let builder = std::thread::spawn({
        let (state, stop) = (app.state.clone(), stop.clone());
        let runtime = tokio::runtime::Handle::current();
        move || {
            let _runtime = runtime.enter();
            let mut built = 0_usize;
            while !stop.load(Ordering::Relaxed) {
                drop(router(state.clone()));
                built += 1;
            }
            built
        }
    });
    let pages = [
        "/",
        "/settings",
        "/teams",
        "/u/renderer",
        "/settings/tokens",
    ];
    for round in 0..4 {
        let mut renders = Vec::new();
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
                    (page, signed_in, response)
                }));
            }
        }
        for render in renders {
            let (page, signed_in, response) = render.await.expect("the render panicked");
            assert!(
                response.body.contains("</html>"),
                "{page} (signed in: {signed_in}), round {round}: the page was cut off"
            );
        }
    }
    stop.store(true, Ordering::Relaxed);
    let built = builder.join().expect("building a router panicked");
    assert!(built > 0, "no router was built while the pages rendered");
    app.finish().await;
}

/// Two stores (two routers, two databases), each on its own runtime and thread as two tests
/// running at once, render pages while the other starts, renders and shuts down.
#[test]
fn two_stores_render_at_once_in_one_process() {
    let threads: Vec<_> = (0..2)
        .map(|thread| {
            std::thread::spawn(move || {
                for store in 0..8 {
                    let runtime = tokio::runtime::Builder::new_multi_thread()
                        .worker_threads(2)
                        .enable_all()
                        .build()
                        .expect("runtime");
                    runtime.block_on(render_pages_of_a_new_store(thread, store));
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("a store's renders failed");
    }
}

async fn render_pages_of_a_new_store(thread: usize, store: usize) {
    let app = TestApp::start(Backend::Sqlite)
        .await
        .expect("SQLite is always available");
    let cookie = app.register("renderer").await;
    let pages = [
        "/",
        "/upload",
        "/settings",
        "/teams",
        "/u/renderer",
        "/login",
    ];
    let mut renders = Vec::new();
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
                (page, response)
            }));
        }
    }
    for render in renders {
        let (page, response) = render.await.expect("the render panicked");
        assert!(
            response.body.contains("</html>"),
            "thread {thread}, store {store}: {page} was cut off"
        );
    }
    app.finish().await;
}
