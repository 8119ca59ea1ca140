//! The browser bundle over HTTP, on a site each test builds in a temp dir the way
//! `scripts/lib.sh` (build_site) lays it out: files named after their contents, each with a brotli
//! and a gzip copy beside it, and the hash file that names them. The bundle is sent in the encoding
//! the client accepts (brotli, gzip, or as it is) with `Vary: Accept-Encoding`, kept for good
//! (`immutable`) only under a content-hashed name and only when found, a missing file is a 404,
//! the pages name the hashed files, and the public files are kept a day.

mod common;

use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request};
use axum::Router;
use common::{send_from, TestApp, TestResponse};
use nanos_store::config::{self, Settings, HASH_FILE_NAME};
use nanos_store::server::router;
use nanos_store::state::AppState;

const JS: &str = "nanos-store.0123456789abcdef.js";
const WASM: &str = "nanos-store.fedcba9876543210.wasm";
const CSS: &str = "nanos-store.00112233aabbccdd.css";
/// A plainly named file, as a build without hashes leaves it.
const PLAIN: &str = "nanos-store.css";
const FOR_GOOD: &str = "public, max-age=31536000, immutable";

/// Writes the site into `root`: each file's body names its encoding, so the tests can tell which
/// copy was sent.
fn build_site(root: &Path) {
    let pkg = root.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    for name in [JS, WASM, CSS, PLAIN] {
        std::fs::write(pkg.join(name), format!("plain {name}")).unwrap();
        std::fs::write(pkg.join(format!("{name}.br")), format!("brotli {name}")).unwrap();
        std::fs::write(pkg.join(format!("{name}.gz")), format!("gzip {name}")).unwrap();
    }
    let hash = |name: &str| name.split('.').nth(1).unwrap().to_string();
    std::fs::write(
        root.join(HASH_FILE_NAME),
        format!(
            "js: {}\nwasm: {}\ncss: {}\n",
            hash(JS),
            hash(WASM),
            hash(CSS)
        ),
    )
    .unwrap();
    std::fs::write(root.join("favicon.svg"), "<svg/>").unwrap();
    std::fs::write(
        root.join("Leptos.toml"),
        format!("[leptos]\nsite-root = {:?}\n", root.to_str().unwrap()),
    )
    .unwrap();
}

/// The store of `app`, serving a site built in a temp dir, with the settings the store reads for
/// it at start-up (`Leptos.toml` naming the site root).
fn store_with_site(app: &TestApp) -> (tempfile::TempDir, Router) {
    let site = tempfile::tempdir().unwrap();
    build_site(site.path());
    let loaded = config::load(&site.path().join("Leptos.toml")).expect("settings");
    let settings = Settings {
        leptos: loaded.leptos.clone(),
        ..(*app.state.settings).clone()
    };
    let router = router(AppState {
        leptos: loaded.leptos,
        settings: Arc::new(settings),
        ..app.state.clone()
    });
    (site, router)
}

async fn get(router: &Router, path: &str, accept_encoding: Option<&str>) -> TestResponse {
    let mut request = Request::get(path);
    if let Some(value) = accept_encoding {
        request = request.header(header::ACCEPT_ENCODING, value);
    }
    send_from(
        router,
        [127, 0, 0, 1].into(),
        request.body(Body::empty()).unwrap(),
    )
    .await
}

fn header_of(response: &TestResponse, name: header::HeaderName) -> Option<&str> {
    response.headers.get(name).and_then(|v| v.to_str().ok())
}

async fn the_encoding_is_the_one_the_client_accepts(app: &TestApp) {
    let (_site, store) = store_with_site(app);
    let wasm = format!("/pkg/{WASM}");
    for (accepted, body, encoding) in [
        // What Chromium sends: brotli is preferred.
        (Some("gzip, deflate, br, zstd"), "brotli", Some("br")),
        (Some("br"), "brotli", Some("br")),
        (Some("gzip"), "gzip", Some("gzip")),
        (Some("br;q=0.5, gzip"), "gzip", Some("gzip")),
        (Some("identity"), "plain", None),
        (None, "plain", None),
    ] {
        let response = get(&store, &wasm, accepted).await;
        assert_eq!(response.status, 200, "{accepted:?}");
        assert_eq!(response.body, format!("{body} {WASM}"), "{accepted:?}");
        assert_eq!(
            header_of(&response, header::CONTENT_ENCODING),
            encoding,
            "{accepted:?}"
        );
        assert_eq!(
            header_of(&response, header::CONTENT_TYPE),
            Some("application/wasm"),
            "the type of the file, not of its compressed copy ({accepted:?})"
        );
        assert_eq!(
            header_of(&response, header::VARY),
            Some("accept-encoding"),
            "{accepted:?}"
        );
    }
    let script = get(&store, &format!("/pkg/{JS}"), Some("br")).await;
    assert_eq!(
        header_of(&script, header::CONTENT_TYPE),
        Some("text/javascript")
    );
    let style = get(&store, &format!("/pkg/{CSS}"), Some("gzip")).await;
    assert_eq!(header_of(&style, header::CONTENT_TYPE), Some("text/css"));
    assert_eq!(header_of(&style, header::CONTENT_ENCODING), Some("gzip"));
}

async fn only_hashed_names_are_kept_for_good(app: &TestApp) {
    let (_site, store) = store_with_site(app);
    for name in [JS, WASM, CSS] {
        for accepted in [Some("br"), Some("gzip"), None] {
            let response = get(&store, &format!("/pkg/{name}"), accepted).await;
            assert_eq!(response.status, 200, "{name}");
            assert_eq!(
                header_of(&response, header::CACHE_CONTROL),
                Some(FOR_GOOD),
                "{name} ({accepted:?})"
            );
        }
    }
    // Also for a member: the bundle is the same for everyone.
    let cookie = app.register("bundle-reader").await;
    let request = Request::get(format!("/pkg/{WASM}"))
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let member = send_from(&store, [127, 0, 0, 1].into(), request).await;
    assert_eq!(
        header_of(&member, header::CACHE_CONTROL),
        Some(FOR_GOOD),
        "member"
    );

    let plain = get(&store, &format!("/pkg/{PLAIN}"), Some("br")).await;
    assert_eq!(plain.status, 200);
    assert_eq!(plain.body, format!("brotli {PLAIN}"));
    assert_eq!(header_of(&plain, header::CACHE_CONTROL), Some("no-cache"));
    assert_eq!(header_of(&plain, header::VARY), Some("accept-encoding"));
}

async fn a_missing_file_is_not_found_and_not_kept(app: &TestApp) {
    let (_site, store) = store_with_site(app);
    for path in [
        "/pkg/nanos-store.aaaaaaaaaaaaaaaa.wasm",
        "/pkg/nanos-store_bg.wasm",
        "/pkg/",
    ] {
        let response = get(&store, path, Some("br, gzip")).await;
        assert_eq!(response.status, 404, "{path}");
        assert_eq!(
            header_of(&response, header::CACHE_CONTROL),
            Some("no-store"),
            "{path}"
        );
    }
}

/// A public file keeps its name across releases: kept a day; missing, not kept.
async fn public_files_are_kept_a_day(app: &TestApp) {
    let (site, store) = store_with_site(app);
    let icon = get(&store, "/favicon.svg", None).await;
    assert_eq!(icon.status, 200);
    assert_eq!(icon.body, "<svg/>");
    assert_eq!(
        header_of(&icon, header::CACHE_CONTROL),
        Some("public, max-age=86400")
    );
    assert_eq!(
        header_of(&icon, header::CONTENT_TYPE),
        Some("image/svg+xml")
    );
    std::fs::remove_file(site.path().join("favicon.svg")).unwrap();
    let missing = get(&store, "/favicon.svg", None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(header_of(&missing, header::CACHE_CONTROL), Some("no-store"));
}

async fn pages_name_the_hashed_files(app: &TestApp) {
    let (_site, store) = store_with_site(app);
    let home = get(&store, "/", None).await;
    assert_eq!(home.status, 200);
    for name in [JS, WASM, CSS] {
        assert!(
            home.body.contains(&format!("/pkg/{name}")),
            "the page names {name}: {}",
            home.body
        );
    }
    for plain in [
        "/pkg/nanos-store.js",
        "nanos-store_bg.wasm",
        "/pkg/nanos-store.css",
    ] {
        assert!(!home.body.contains(plain), "the page names {plain}");
    }
    // The hydration script loads the module and the WebAssembly by the names it was given.
    let (js_stem, wasm_stem) = (JS.trim_end_matches(".js"), WASM.trim_end_matches(".wasm"));
    let loads = format!(r#""pkg", "{js_stem}", "{wasm_stem}""#);
    assert!(home.body.contains(&loads), "{loads} in {}", home.body);
}

on_both_databases!(
    the_encoding_is_the_one_the_client_accepts,
    only_hashed_names_are_kept_for_good,
    a_missing_file_is_not_found_and_not_kept,
    public_files_are_kept_a_day,
    pages_name_the_hashed_files,
);
