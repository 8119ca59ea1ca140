//! The API's OpenAPI document, against the copy committed in `tests/snapshots/openapi.json`, so
//! that any change to the public API shows up in review as a change of that file.
//!
//! After an intended change, update the copy with
//! `UPDATE_SNAPSHOTS=1 cargo test --features ssr --test openapi` and commit it.

mod common;

use std::path::Path;

use common::TestApp;

/// Where the committed document lives.
const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/openapi.json");

/// The command that rewrites the committed document from the served one.
const UPDATE_COMMAND: &str = "UPDATE_SNAPSHOTS=1 cargo test --features ssr --test openapi";

/// The document `GET /store/v1/openapi.json` serves, as pretty JSON with sorted keys.
async fn served_document() -> String {
    let app = TestApp::start(nanos_store::db::Backend::Sqlite)
        .await
        .expect("a SQLite store");
    let response = app.api("GET", "/store/v1/openapi.json", None, None).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let document = response.json();
    app.finish().await;
    serde_json::to_string_pretty(&document).expect("JSON") + "\n"
}

/// The served document is the committed one; a difference fails with a diff and the command that
/// accepts it.
#[tokio::test]
async fn openapi_document_matches_the_snapshot() {
    let served = served_document().await;
    if std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(Path::new(SNAPSHOT).parent().expect("a folder"))
            .expect("create tests/snapshots");
        std::fs::write(SNAPSHOT, &served).expect("write the snapshot");
        return;
    }
    let committed = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    if committed != served {
        let diff = similar::TextDiff::from_lines(&committed, &served)
            .unified_diff()
            .context_radius(4)
            .header("tests/snapshots/openapi.json (committed)", "served")
            .to_string();
        panic!(
            "The OpenAPI document served at /store/v1/openapi.json differs from \
             tests/snapshots/openapi.json:\n\n{diff}\n\
             If the API change is intended, update the snapshot and commit it:\n    \
             {UPDATE_COMMAND}\n"
        );
    }
}
