//! Resources and releases over the HTTP API, on SQLite and Postgres: uploads (including the
//! nanos-store-action request shape), validation failures, visibility, downloads with Range and
//! ETag, download counts, channels, and that failures leave nothing behind.

mod common;

use axum::body::{Body, Bytes};
use axum::http::Request;
use common::{zip, TestApp, TestResponse};
use nanos_store::db;
use nanos_store::teams::Role;
use nanos_store::tokens::Scope;
use serde_json::json;
use tower::ServiceExt;

const BOUNDARY: &str = "----nanosboundary7MA4YWxkTrZu0gW";

fn package(version: &str) -> Vec<u8> {
    let manifest = format!(
        "[meta]\ntitle = \"Sandbox\"\nauthor = \"me\"\nversion = \"{version}\"\n[game_mode]\n"
    );
    zip(&[
        ("Package.toml", &manifest),
        ("Server/Index.lua", "print('hi')"),
    ])
}

/// A multipart body: (name, filename, content type, bytes).
fn multipart(parts: &[(&str, Option<&str>, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, content_type, bytes) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n")
                    .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(format!("Content-Type: {content_type}\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Sends an upload as nanos-store-action does: chunked (no Content-Length), `Token` header,
/// part `file` named release.zip and part `changelog`, plus any extra parts.
async fn upload(
    app: &TestApp,
    path: &str,
    token: &str,
    zip: &[u8],
    extra: &[(&str, &str)],
) -> TestResponse {
    let mut parts: Vec<(&str, Option<&str>, &str, &[u8])> = vec![
        ("file", Some("release.zip"), "application/zip", zip),
        ("changelog", None, "text/plain", b"First release!"),
    ];
    for (name, value) in extra {
        parts.push((name, None, "text/plain", value.as_bytes()));
    }
    let body = multipart(&parts);
    let chunks: Vec<Result<Bytes, std::io::Error>> = body
        .chunks(1000)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let request = Request::post(path)
        .header("authorization", format!("Token {token}"))
        .header("user-agent", "axios/0.26.0")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from_stream(futures_stream(chunks)))
        .unwrap();
    app.send(request).await
}

fn futures_stream(
    chunks: Vec<Result<Bytes, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    futures_util::stream::iter(chunks)
}

struct World {
    owner: nanos_store::accounts::service::User,
    owner_token: String,
    tester_token: String,
    tester_no_download: String,
    outsider_token: String,
    reader_token: String,
}

/// A team `studio` with an owner, a tester (member), an outsider, and a package `sandbox`.
async fn world(app: &TestApp) -> World {
    let owner = app.create_user("owner").await;
    let tester = app.create_user("tester").await;
    let outsider = app.create_user("outsider").await;
    app.create_team(&owner, "studio").await;
    app.add_member(&owner, "studio", "tester", Role::Member)
        .await;
    let owner_token = app.create_token(&owner, &Scope::ALL, None).await;
    let created = app
        .api(
            "POST",
            "/store/v1/packages",
            Some(&format!("Token {owner_token}")),
            Some(json!({"name": "sandbox", "team": "studio", "title": "Sandbox", "short_description": "Build things", "category": "game-mode", "tags": ["Building", "sandbox"]})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.json()["tags"], json!(["building", "sandbox"]));
    World {
        owner_token,
        tester_token: app.create_token(&tester, &[Scope::Download], None).await,
        tester_no_download: app.create_token(&tester, &[Scope::Publish], None).await,
        outsider_token: app.create_token(&outsider, &Scope::ALL, None).await,
        reader_token: app.create_token(&owner, &[Scope::Download], None).await,
        owner,
    }
}

const RELEASES: &str = "/store/v1/packages/sandbox/releases";

/// Uploads `zip` to `sandbox` as its owner and publishes it on the stable channel.
async fn publish(app: &TestApp, w: &World, zip: &[u8]) {
    let response = upload(app, RELEASES, &w.owner_token, zip, &[("publish", "true")]).await;
    assert_eq!(response.status, 201, "{}", response.body);
}

fn auth(token: &str) -> String {
    format!("Token {token}")
}

async fn counts(app: &TestApp) -> (i64, usize, usize) {
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM releases")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    (
        rows,
        app.state.blobs.blob_files().await.unwrap().len(),
        app.temp_blobs().await,
    )
}

async fn the_publish_action_request_makes_a_draft(app: &TestApp) {
    let w = world(app).await;
    let response = upload(app, RELEASES, &w.owner_token, &package("1.0.0"), &[]).await;
    assert_eq!(response.status, 201, "{}", response.body);
    let release = response.json();
    assert_eq!(release["version"], "1.0.0");
    assert_eq!(release["state"], "draft");
    assert_eq!(release["changelog"], "First release!");
    assert_eq!(release["uploaded_by"], "owner");
    assert_eq!(release["file_count"], 2);
    assert_eq!(release["manifest"]["package_type"], "game-mode");
    assert_eq!(release["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(counts(app).await, (1, 1, 0));
}

async fn bad_uploads_are_refused_and_leave_nothing(app: &TestApp) {
    let w = world(app).await;
    assert_eq!(
        upload(app, RELEASES, &w.owner_token, &package("1.0.0"), &[])
            .await
            .status,
        201
    );
    let before = counts(app).await;

    let bad = upload(app, RELEASES, &w.owner_token, b"not a zip at all", &[]).await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.json()["error"], "invalid-zip");
    assert_eq!(bad.json()["diagnostics"][0]["code"], "not-a-zip");

    let assets = zip(&[("Assets.toml", "[meta]\nversion = \"1.0.0\"\n")]);
    let wrong_kind = upload(app, RELEASES, &w.owner_token, &assets, &[]).await;
    assert_eq!(wrong_kind.status, 422);
    assert!(
        wrong_kind.body.contains("manifest-wrong-kind"),
        "{}",
        wrong_kind.body
    );

    let duplicate = upload(app, RELEASES, &w.owner_token, &package("1.0.0"), &[]).await;
    assert_eq!(duplicate.status, 409);
    assert_eq!(duplicate.json()["error"], "version-exists");

    let small = app.with_settings(|s| s.max_upload_size = 100);
    let body = multipart(&[(
        "file",
        Some("release.zip"),
        "application/zip",
        &package("2.0.0"),
    )]);
    let request = Request::post(RELEASES)
        .header("authorization", auth(&w.owner_token))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .unwrap();
    let response = small.oneshot(request).await.unwrap();
    assert_eq!(response.status(), 413);

    // An upload whose connection breaks half-way.
    let body = multipart(&[(
        "file",
        Some("release.zip"),
        "application/zip",
        &package("3.0.0"),
    )]);
    let half = body.len() / 2;
    let chunks = vec![
        Ok(Bytes::copy_from_slice(&body[..half])),
        Err(std::io::Error::other("connection reset")),
    ];
    let request = Request::post(RELEASES)
        .header("authorization", auth(&w.owner_token))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from_stream(futures_stream(chunks)))
        .unwrap();
    let interrupted = app.send(request).await;
    assert!(
        interrupted.status.is_client_error(),
        "{}",
        interrupted.status
    );

    assert_eq!(
        counts(app).await,
        before,
        "no row, no blob, no temporary file"
    );
}

async fn uploads_need_rights(app: &TestApp) {
    let w = world(app).await;
    let response = upload(app, RELEASES, &w.reader_token, &package("1.0.0"), &[]).await;
    assert_eq!(response.status, 403);
    assert_eq!(response.json()["error"], "missing-scope");
    let response = upload(app, RELEASES, &w.outsider_token, &package("1.0.0"), &[]).await;
    assert_eq!(response.status, 403);
    let response = upload(app, RELEASES, &w.tester_no_download, &package("1.0.0"), &[]).await;
    assert_eq!(
        response.status, 403,
        "a member (tester) cannot upload: {}",
        response.body
    );
    let response = upload(
        app,
        "/store/v1/packages/nothing/releases",
        &w.owner_token,
        &package("1.0.0"),
        &[],
    )
    .await;
    assert_eq!(response.status, 404);
    assert_eq!(counts(app).await, (0, 0, 0));
}

/// What the README's "Publishing from CI" says of a CI token with the `publish` scope only: it
/// uploads drafts and releases published at once, but publishing a draft later needs `manage`.
async fn a_publish_token_uploads_but_publishes_drafts_only_with_manage(app: &TestApp) {
    let w = world(app).await;
    let developer = app.create_user("developer").await;
    app.add_member(&w.owner, "studio", "developer", Role::Developer)
        .await;
    let ci = app.create_token(&developer, &[Scope::Publish], None).await;
    let draft = upload(app, RELEASES, &ci, &package("1.0.0"), &[]).await;
    assert_eq!(draft.status, 201, "{}", draft.body);
    assert_eq!(draft.json()["state"], "draft");
    let at_once = upload(
        app,
        RELEASES,
        &ci,
        &package("1.1.0"),
        &[("publish", "true")],
    )
    .await;
    assert_eq!(at_once.status, 201, "{}", at_once.body);
    assert_eq!(at_once.json()["state"], "published");
    let later = app
        .api(
            "POST",
            &format!("{RELEASES}/1.0.0/publish"),
            Some(&auth(&ci)),
            None,
        )
        .await;
    assert_eq!(later.status, 403, "{}", later.body);
    assert_eq!(later.json()["error"], "missing-scope");
    let with_manage = app
        .api(
            "POST",
            &format!("{RELEASES}/1.0.0/publish"),
            Some(&auth(&w.owner_token)),
            None,
        )
        .await;
    assert_eq!(with_manage.status, 200, "{}", with_manage.body);
    assert_eq!(with_manage.json()["state"], "published");
}

async fn drafts_and_private_releases_are_for_members(app: &TestApp) {
    let w = world(app).await;
    upload(app, RELEASES, &w.owner_token, &package("1.0.0"), &[]).await;
    let path = format!("{RELEASES}/1.0.0");
    let download = format!("{path}/download");
    for token in [
        None,
        Some(auth(&w.outsider_token)),
        Some(auth(&w.tester_no_download)),
    ] {
        assert_eq!(
            app.api("GET", &path, token.as_deref(), None).await.status,
            404
        );
        assert_eq!(
            app.api("GET", &download, token.as_deref(), None)
                .await
                .status,
            404
        );
        assert_eq!(
            app.api("GET", RELEASES, token.as_deref(), None)
                .await
                .json(),
            json!([])
        );
    }
    assert_eq!(
        app.api("GET", &path, Some(&auth(&w.tester_token)), None)
            .await
            .status,
        200
    );
    assert_eq!(
        app.api("GET", &download, Some(&auth(&w.tester_token)), None)
            .await
            .status,
        200
    );

    // Published on the private channel: still members only.
    app.api(
        "PATCH",
        &path,
        Some(&auth(&w.owner_token)),
        Some(json!({"channel": "private"})),
    )
    .await;
    let published = app
        .api(
            "POST",
            &format!("{path}/publish"),
            Some(&auth(&w.owner_token)),
            None,
        )
        .await;
    assert_eq!(published.json()["state"], "published");
    assert_eq!(app.api("GET", &path, None, None).await.status, 404);
    // On stable: everyone.
    let moved = app
        .api(
            "PATCH",
            &path,
            Some(&auth(&w.owner_token)),
            Some(json!({"channel": "stable", "changelog": "Now public"})),
        )
        .await;
    assert_eq!(moved.json()["changelog"], "Now public");
    assert_eq!(app.api("GET", &path, None, None).await.status, 200);
    let resource = app
        .api("GET", "/store/v1/packages/sandbox", None, None)
        .await
        .json();
    assert_eq!(resource["latest_version"], "1.0.0");
}

async fn downloads_support_range_and_etag(app: &TestApp) {
    let w = world(app).await;
    let bytes = package("1.0.0");
    publish(app, &w, &bytes).await;
    let download = format!("{RELEASES}/1.0.0/download");

    let full = app.api("GET", &download, None, None).await;
    assert_eq!(full.status, 200);
    let etag = full.headers["etag"].to_str().unwrap().to_string();
    assert_eq!(
        full.headers["content-length"].to_str().unwrap(),
        bytes.len().to_string()
    );
    assert_eq!(
        full.headers["content-disposition"].to_str().unwrap(),
        "attachment; filename=\"sandbox-1.0.0.zip\""
    );
    assert_eq!(full.headers["content-type"], "application/zip");

    let raw = |range: Option<&str>, if_none_match: Option<&str>| {
        let mut request = Request::get(&download);
        if let Some(r) = range {
            request = request.header("range", r);
        }
        if let Some(e) = if_none_match {
            request = request.header("if-none-match", e);
        }
        request.body(Body::empty()).unwrap()
    };
    let response = app.router.clone().oneshot(raw(None, None)).await.unwrap();
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert_eq!(&body[..], &bytes[..], "the same bytes come back");

    let partial = app
        .router
        .clone()
        .oneshot(raw(Some("bytes=0-9"), None))
        .await
        .unwrap();
    assert_eq!(partial.status(), 206);
    assert_eq!(
        partial.headers()["content-range"],
        format!("bytes 0-9/{}", bytes.len()).as_str()
    );
    let body = http_body_util::BodyExt::collect(partial.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert_eq!(&body[..], &bytes[..10]);
    let bad = app
        .router
        .clone()
        .oneshot(raw(Some("bytes=999999-"), None))
        .await
        .unwrap();
    assert_eq!(bad.status(), 416);
    let cached = app
        .router
        .clone()
        .oneshot(raw(None, Some(&etag)))
        .await
        .unwrap();
    assert_eq!(cached.status(), 304);

    let head = app
        .router
        .clone()
        .oneshot(Request::head(&download).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(
        head.headers()["content-length"],
        bytes.len().to_string().as_str()
    );
}

async fn channel_downloads_take_the_newest_stable_enough_release(app: &TestApp) {
    let w = world(app).await;
    upload(
        app,
        RELEASES,
        &w.owner_token,
        &package("1.0.0"),
        &[("publish", "true"), ("channel", "stable")],
    )
    .await;
    upload(
        app,
        RELEASES,
        &w.owner_token,
        &package("1.1.0"),
        &[("publish", "true"), ("channel", "beta")],
    )
    .await;
    upload(
        app,
        RELEASES,
        &w.owner_token,
        &package("1.2.0"),
        &[("channel", "alpha")],
    )
    .await; // a draft
    let latest = |channel: &str| format!("/store/v1/packages/sandbox/download?channel={channel}");
    let disposition = |r: &TestResponse| {
        r.headers["content-disposition"]
            .to_str()
            .unwrap()
            .to_string()
    };
    assert!(disposition(&app.api("GET", &latest("stable"), None, None).await).contains("1.0.0"));
    assert!(disposition(&app.api("GET", &latest("beta"), None, None).await).contains("1.1.0"));
    assert!(disposition(&app.api("GET", &latest("alpha"), None, None).await).contains("1.1.0"));
    assert_eq!(
        app.api("GET", &latest("nightly"), None, None).await.status,
        422
    );
    let list = app
        .api("GET", RELEASES, Some(&auth(&w.tester_token)), None)
        .await
        .json();
    let versions: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["1.2.0", "1.1.0", "1.0.0"]);
}

async fn drafts_can_be_deleted_published_releases_cannot(app: &TestApp) {
    let w = world(app).await;
    publish(app, &w, &package("1.0.0")).await;
    upload(app, RELEASES, &w.owner_token, &package("1.1.0"), &[]).await;
    let published = app
        .api(
            "DELETE",
            &format!("{RELEASES}/1.0.0"),
            Some(&auth(&w.owner_token)),
            None,
        )
        .await;
    assert_eq!(published.status, 409);
    let draft = app
        .api(
            "DELETE",
            &format!("{RELEASES}/1.1.0"),
            Some(&auth(&w.owner_token)),
            None,
        )
        .await;
    assert_eq!(draft.status, 204);
    assert_eq!(counts(app).await, (1, 1, 0), "the draft's blob is gone");
}

async fn resources_are_listed_searched_and_edited(app: &TestApp) {
    let w = world(app).await;
    let owner = auth(&w.owner_token);
    let create = |name: &str, category: &str, tags: &[&str]| json!({"name": name, "team": "studio", "title": format!("Title {name}"), "category": category, "tags": tags});
    assert_eq!(
        app.api(
            "POST",
            "/store/v1/packages",
            Some(&owner),
            Some(create("racer", "script", &["cars"]))
        )
        .await
        .status,
        201
    );
    assert_eq!(
        app.api(
            "POST",
            "/store/v1/assets",
            Some(&owner),
            Some(create("city", "buildings", &[]))
        )
        .await
        .status,
        201
    );
    let taken = app
        .api(
            "POST",
            "/store/v1/packages",
            Some(&owner),
            Some(create("racer", "script", &[])),
        )
        .await;
    assert_eq!(taken.status, 409);
    let bad = app
        .api(
            "POST",
            "/store/v1/packages",
            Some(&owner),
            Some(create("racer2", "vehicles", &[])),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.json()["field"], "category");
    let outsider = app
        .api(
            "POST",
            "/store/v1/packages",
            Some(&auth(&w.outsider_token)),
            Some(create("x", "script", &[])),
        )
        .await;
    assert_eq!(outsider.status, 403);

    let names = |r: TestResponse| -> Vec<String> {
        r.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(
            app.api("GET", "/store/v1/packages?sort=name", None, None)
                .await
        ),
        ["racer", "sandbox"]
    );
    assert_eq!(
        names(app.api("GET", "/store/v1/packages?q=RAC", None, None).await),
        ["racer"]
    );
    assert_eq!(
        names(
            app.api("GET", "/store/v1/packages?category=game-mode", None, None)
                .await
        ),
        ["sandbox"]
    );
    assert_eq!(
        names(
            app.api("GET", "/store/v1/packages?tag=cars", None, None)
                .await
        ),
        ["racer"]
    );
    assert_eq!(
        names(
            app.api(
                "GET",
                "/store/v1/packages?team=studio&page_size=1&sort=name",
                None,
                None
            )
            .await
        ),
        ["racer"]
    );
    assert_eq!(
        names(app.api("GET", "/store/v1/assets", None, None).await),
        ["city"]
    );
    assert_eq!(
        app.api("GET", "/store/v1/packages?sort=best", None, None)
            .await
            .status,
        422
    );
    assert_eq!(
        app.api("GET", "/store/v1/maps", None, None).await.status,
        404
    );

    let edited = app
        .api(
            "PATCH",
            "/store/v1/packages/racer",
            Some(&owner),
            Some(json!({"title": "Racer", "tags": ["cars", "race"]})),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(edited.json()["tags"], json!(["cars", "race"]));
    assert_eq!(edited.json()["title"], "Racer");

    // The pages render on the server with the resources in them.
    let team_page = app.get("/teams/studio", None).await;
    assert_eq!(team_page.status, 200);
    assert!(
        team_page.body.contains("href=\"/packages/racer\""),
        "{}",
        team_page.body
    );
    let resource_page = app.get("/packages/racer", None).await;
    assert_eq!(resource_page.status, 200);
    assert!(
        resource_page
            .body
            .contains("packages = [&quot;racer&quot;]")
            || resource_page.body.contains("packages = [\"racer\"]"),
        "install hint"
    );
    assert_eq!(app.get("/packages/no-such-thing", None).await.status, 404);
    let browse = app.get("/packages?q=racer", None).await;
    assert!(browse.body.contains("card-racer"));
}

/// A GET (or HEAD) of `path` from `address`, with `headers`.
async fn fetch_from(
    app: &TestApp,
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> TestResponse {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    common::send_from(
        &app.router,
        address.parse().unwrap(),
        request.body(Body::empty()).unwrap(),
    )
    .await
}

/// The download counts of release `version` and of the resource, as the API shows them.
async fn download_counts(app: &TestApp, version: &str) -> (i64, i64) {
    let release = app
        .api("GET", &format!("{RELEASES}/{version}"), None, None)
        .await
        .json();
    let resource = app
        .api("GET", "/store/v1/packages/sandbox", None, None)
        .await
        .json();
    (
        release["download_count"].as_i64().unwrap(),
        resource["download_count"].as_i64().unwrap(),
    )
}

/// A download counts once per address and release within the window, when it starts from the
/// first byte; counts are written in batches, not by the request.
async fn downloads_count_once_per_address_within_the_window(app: &TestApp) {
    let w = world(app).await;
    let bytes = package("1.0.0");
    publish(app, &w, &bytes).await;
    let download = format!("{RELEASES}/1.0.0/download");
    let etag = format!("\"{}\"", hex_sha256(&bytes));

    for _ in 0..3 {
        let full = fetch_from(app, "10.0.0.1", "GET", &download, &[]).await;
        assert_eq!(full.status, 200);
    }
    assert_eq!(
        download_counts(app, "1.0.0").await,
        (0, 0),
        "written by the next flush, not by the request"
    );
    assert_eq!(app.flush_downloads().await, 1);
    assert_eq!(download_counts(app, "1.0.0").await, (1, 1));

    // A download manager: the first range counts, the resume does not.
    let first = fetch_from(
        app,
        "10.0.0.2",
        "GET",
        &download,
        &[("range", "bytes=0-99")],
    )
    .await;
    assert_eq!(first.status, 206);
    let resume = fetch_from(
        app,
        "10.0.0.2",
        "GET",
        &download,
        &[("range", "bytes=100-")],
    )
    .await;
    assert_eq!(resume.status, 206);
    // Not downloads: a resume alone, a HEAD, a 304, a 416.
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], u16);
    let cases: [Case; 4] = [
        ("10.0.0.3", "GET", &[("range", "bytes=100-")], 206),
        ("10.0.0.4", "HEAD", &[], 200),
        ("10.0.0.5", "GET", &[("if-none-match", &etag)], 304),
        ("10.0.0.6", "GET", &[("range", "bytes=99999999-")], 416),
    ];
    for (address, method, headers, status) in cases {
        let response = fetch_from(app, address, method, &download, headers).await;
        assert_eq!(response.status, status, "{address} {method} {headers:?}");
    }
    // The channel URL counts for the release it serves.
    let latest = "/store/v1/packages/sandbox/download?channel=stable";
    assert_eq!(
        fetch_from(app, "10.0.0.7", "GET", latest, &[]).await.status,
        200
    );
    assert_eq!(app.flush_downloads().await, 2);
    assert_eq!(download_counts(app, "1.0.0").await, (3, 3));

    // Within the window nothing counts again; past it, it does.
    let window = app.state.settings.download_count_window.as_secs() as i64;
    fetch_from(app, "10.0.0.1", "GET", &download, &[]).await;
    let counts = &app.state.downloads;
    let pool = &app.state.pool;
    assert_eq!(
        counts
            .flush_at(pool, db::now() + window - 60)
            .await
            .unwrap(),
        0
    );
    fetch_from(app, "10.0.0.1", "GET", &download, &[]).await;
    assert_eq!(
        counts
            .flush_at(pool, db::now() + window + 60)
            .await
            .unwrap(),
        1
    );
    assert_eq!(download_counts(app, "1.0.0").await, (4, 4));
}

/// Two store instances on one database that note the same download count it once, even when they
/// flush at the same moment; a flush that fails keeps its notes for the next one.
async fn download_counts_hold_across_instances_and_failures(app: &TestApp) {
    let w = world(app).await;
    publish(app, &w, &package("1.0.0")).await;
    let (release_id, resource_id): (String, String) =
        sqlx::query_as("SELECT id, resource_id FROM releases WHERE version = '1.0.0'")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    let window = app.state.settings.download_count_window;
    let first = nanos_store::download_counts::DownloadCounts::new(window);
    let second = nanos_store::download_counts::DownloadCounts::new(window);
    for instance in [&first, &second] {
        instance.note(&release_id, &resource_id, "10.1.0.1".parse().unwrap());
    }
    second.note(&release_id, &resource_id, "10.1.0.2".parse().unwrap());
    // One IPv6 network is one client, even in one batch.
    for address in ["2001:db8:7:7::1", "2001:db8:7:7::2"] {
        second.note(&release_id, &resource_id, address.parse().unwrap());
    }
    let (a, b) = tokio::join!(first.flush(&app.state.pool), second.flush(&app.state.pool));
    assert_eq!(
        a.unwrap() + b.unwrap(),
        3,
        "10.1.0.1 once, 10.1.0.2 once, 2001:db8:7:7::/64 once"
    );
    assert_eq!(download_counts(app, "1.0.0").await, (3, 3));

    // A database that does not answer: the notes wait for the next flush.
    let closed = db::connect(&app.state.settings.database_url).await.unwrap();
    closed.close().await;
    first.note(&release_id, &resource_id, "10.1.0.3".parse().unwrap());
    assert!(first.flush(&closed).await.is_err());
    assert_eq!(first.pending_len(), 1);
    assert_eq!(first.flush(&app.state.pool).await.unwrap(), 1);
    assert_eq!(first.pending_len(), 0);
    assert_eq!(download_counts(app, "1.0.0").await, (4, 4));
}

/// A release larger than one read of the file (256 KiB): whole, across a chunk boundary, to a
/// short last chunk, and a resume of another file (`If-Range` naming an older ETag) gets the whole
/// file.
async fn large_downloads_are_streamed_in_chunks(app: &TestApp) {
    let w = world(app).await;
    // Hex of a simple pseudo-random sequence: about 1.5 MB that deflate halves, so the zip is
    // larger than two chunks.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let noise: String = (0..1_500_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from_digit((state % 16) as u32, 16).unwrap()
        })
        .collect();
    let manifest =
        "[meta]\ntitle = \"Sandbox\"\nauthor = \"me\"\nversion = \"1.0.0\"\n[game_mode]\n";
    let bytes = zip(&[("Package.toml", manifest), ("Client/noise.txt", &noise)]);
    assert!(bytes.len() > 2 * 256 * 1024, "{} bytes", bytes.len());
    publish(app, &w, &bytes).await;
    let download = format!("{RELEASES}/1.0.0/download");
    let fetch = |headers: &[(&str, String)]| {
        let mut request = Request::get(&download);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let request = request.body(Body::empty()).unwrap();
        let router = app.router.clone();
        async move {
            let response = router.oneshot(request).await.unwrap();
            let status = response.status().as_u16();
            let body = http_body_util::BodyExt::collect(response.into_body())
                .await
                .unwrap()
                .to_bytes();
            (status, body)
        }
    };
    let (status, whole) = fetch(&[]).await;
    assert_eq!((status, whole.len()), (200, bytes.len()));
    assert!(whole[..] == bytes[..], "the same bytes");
    let boundary = 256 * 1024;
    for (from, to) in [
        (boundary - 5, boundary + 5),
        (boundary + 1000, bytes.len() - 1),
    ] {
        let (status, part) = fetch(&[("range", format!("bytes={from}-{to}"))]).await;
        assert_eq!(status, 206);
        assert!(part[..] == bytes[from..=to], "bytes {from}-{to}");
    }
    let etag = format!("\"{}\"", hex_sha256(&bytes));
    let (status, part) = fetch(&[("range", "bytes=10-".into()), ("if-range", etag.clone())]).await;
    assert_eq!((status, part.len()), (206, bytes.len() - 10));
    let (status, whole) = fetch(&[
        ("range", "bytes=10-".into()),
        ("if-range", "\"an-older-release\"".into()),
    ])
    .await;
    assert_eq!(
        (status, whole.len()),
        (200, bytes.len()),
        "a resume of another file"
    );
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

on_both_databases!(
    the_publish_action_request_makes_a_draft,
    bad_uploads_are_refused_and_leave_nothing,
    uploads_need_rights,
    a_publish_token_uploads_but_publishes_drafts_only_with_manage,
    drafts_and_private_releases_are_for_members,
    downloads_support_range_and_etag,
    large_downloads_are_streamed_in_chunks,
    downloads_count_once_per_address_within_the_window,
    download_counts_hold_across_instances_and_failures,
    channel_downloads_take_the_newest_stable_enough_release,
    drafts_can_be_deleted_published_releases_cannot,
    resources_are_listed_searched_and_edited,
);

// The same journeys with the release files in a real S3-compatible store (Garage).
on_object_storage!(
    the_publish_action_request_makes_a_draft,
    bad_uploads_are_refused_and_leave_nothing,
    drafts_and_private_releases_are_for_members,
    downloads_support_range_and_etag,
    large_downloads_are_streamed_in_chunks,
    channel_downloads_take_the_newest_stable_enough_release,
    drafts_can_be_deleted_published_releases_cannot,
);

/// The OpenAPI document lists every public endpoint, and Swagger UI is served.
#[tokio::test]
async fn openapi_document_and_swagger_ui() {
    let app = TestApp::start(nanos_store::db::Backend::Sqlite)
        .await
        .unwrap();
    let doc = app.api("GET", "/store/v1/openapi.json", None, None).await;
    assert_eq!(doc.status, 200);
    let doc = doc.json();
    let mut paths: Vec<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/store/v1/admin/log",
            "/store/v1/admin/reports",
            "/store/v1/admin/reports/{id}",
            "/store/v1/admin/reviews",
            "/store/v1/admin/users/{username}/role",
            "/store/v1/admin/users/{username}/suspension",
            "/store/v1/admin/{kind}/{name}/purge",
            "/store/v1/admin/{kind}/{name}/releases/{version}/purge",
            "/store/v1/admin/{kind}/{name}/releases/{version}/review",
            "/store/v1/admin/{kind}/{name}/releases/{version}/takedown",
            "/store/v1/admin/{kind}/{name}/takedown",
            "/store/v1/teams",
            "/store/v1/teams/{name}",
            "/store/v1/teams/{name}/audit",
            "/store/v1/teams/{name}/invitations",
            "/store/v1/teams/{name}/invitations/{username}",
            "/store/v1/teams/{name}/members",
            "/store/v1/teams/{name}/members/{username}",
            "/store/v1/teams/{name}/moderation",
            "/store/v1/upload-limits",
            "/store/v1/user/invitations",
            "/store/v1/user/invitations/{team}/accept",
            "/store/v1/user/invitations/{team}/decline",
            "/store/v1/user/me",
            "/store/v1/user/reports",
            "/store/v1/user/teams",
            "/store/v1/{kind}",
            "/store/v1/{kind}/{name}",
            "/store/v1/{kind}/{name}/compare/{range}",
            "/store/v1/{kind}/{name}/download",
            "/store/v1/{kind}/{name}/icon",
            "/store/v1/{kind}/{name}/releases",
            "/store/v1/{kind}/{name}/releases/bulk",
            "/store/v1/{kind}/{name}/releases/{version}",
            "/store/v1/{kind}/{name}/releases/{version}/download",
            "/store/v1/{kind}/{name}/releases/{version}/files",
            "/store/v1/{kind}/{name}/releases/{version}/files/{path}",
            "/store/v1/{kind}/{name}/releases/{version}/publish",
            "/store/v1/{kind}/{name}/releases/{version}/yank",
            "/store/v1/{kind}/{name}/reports",
            "/store/v1/{kind}/{name}/screenshots",
            "/store/v1/{kind}/{name}/screenshots/{id}",
        ]
    );
    assert!(doc["components"]["schemas"]["ErrorBody"]["properties"]["error"].is_object());
    assert!(doc["components"]["securitySchemes"]["token"].is_object());
    let ui = app.get("/store/docs/", None).await;
    assert_eq!(ui.status, 200, "{}", ui.body);
    assert!(ui.body.to_lowercase().contains("swagger"));
    app.finish().await;
}
