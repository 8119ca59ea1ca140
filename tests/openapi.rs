//! The API's OpenAPI document, against the copy committed in `tests/snapshots/openapi.json`, so
//! that any change to the public API shows up in review as a change of that file; and the error
//! codes, which the document and README.md both list.
//!
//! After an intended change, update the copy with
//! `UPDATE_SNAPSHOTS=1 cargo test --features ssr --test openapi` and commit it.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::TestApp;
use nanos_store::error::ErrorCode;

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

/// The line before README.md's table of error codes, and the line after it.
const README_TABLE: (&str, &str) = (
    "<!-- error codes: one row per ErrorCode; tests/openapi.rs checks the list -->",
    "<!-- end of error codes -->",
);

/// The codes in the first column of README.md's table of error codes.
fn readme_error_codes() -> BTreeSet<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let (_, table) = readme
        .split_once(README_TABLE.0)
        .expect("README.md has its table of error codes");
    let (table, _) = table
        .split_once(README_TABLE.1)
        .expect("README.md's table of error codes ends");
    table
        .lines()
        .filter_map(|line| line.strip_prefix("| `")?.split_once('`'))
        .map(|(code, _)| code.to_string())
        .collect()
}

/// The `error` field of both error shapes is the `ErrorCode` enum, which lists every code (utoipa
/// derives it from the Rust enum), and README.md's table lists exactly those codes.
#[tokio::test]
async fn readme_and_openapi_document_list_every_error_code() {
    let document: serde_json::Value = serde_json::from_str(&served_document().await).expect("JSON");
    let schemas = &document["components"]["schemas"];
    for shape in ["ErrorBody", "FieldError"] {
        assert_eq!(
            schemas[shape]["properties"]["error"]["$ref"], "#/components/schemas/ErrorCode",
            "{shape}.error is an ErrorCode"
        );
    }
    let documented: BTreeSet<String> = schemas["ErrorCode"]["enum"]
        .as_array()
        .expect("ErrorCode is an enum of strings")
        .iter()
        .map(|code| code.as_str().expect("a code is a string").to_string())
        .collect();
    for code in &documented {
        let parsed: ErrorCode = code
            .parse()
            .unwrap_or_else(|e| panic!("{code} is not an ErrorCode: {e}"));
        assert_eq!(
            parsed.to_string(),
            *code,
            "ErrorCode spells {code} as JSON does"
        );
    }
    let listed = readme_error_codes();
    let missing: Vec<&String> = documented.difference(&listed).collect();
    let unknown: Vec<&String> = listed.difference(&documented).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "README.md's table of error codes (The HTTP API → Error codes) must list every ErrorCode \
         (src/error.rs) and nothing else: missing {missing:?}, not error codes {unknown:?}"
    );
}
