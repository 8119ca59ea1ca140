//! What the upload wizard relies on, over HTTP on SQLite and Postgres: an upload that creates its
//! resource together with its first release (and leaves nothing when refused), the Details
//! step's check that creates nothing, the duplicate-version question, the store's limits, and
//! deleting a resource (rows, shared and unshared blobs, rights, audit log).

mod common;

use axum::body::{Body, Bytes};
use axum::http::Request;
use common::{zip, TestApp, TestResponse};
use nanos_store::accounts::service::User;
use nanos_store::db;
use nanos_store::error::{AppError, ErrorCode};
use nanos_store::resources::releases::{self, NewRelease, UploadTarget, UploadedZip};
use nanos_store::resources::service;
use nanos_store::resources::Channel;
use nanos_store::teams::service::Actor;
use nanos_store::teams::Role;
use nanos_store::tokens::Scope;
use nanos_store::validate::{Code, Kind};
use serde_json::json;

const BOUNDARY: &str = "----nanoswizard7MA4YWxkTrZu0gW";

fn package(version: &str) -> Vec<u8> {
    let manifest = format!(
        "[meta]\ntitle = \"Racer\"\nauthor = \"me\"\nversion = \"{version}\"\n[game_mode]\n"
    );
    zip(&[
        ("Package.toml", &manifest),
        ("Server/Index.lua", "print('go')"),
    ])
}

/// A multipart part: name, file name, bytes.
type Part<'a> = (&'a str, Option<&'a str>, &'a [u8]);

fn multipart(parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, bytes) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let disposition = match filename {
            Some(f) => format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/zip\r\n\r\n"),
            None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
        };
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn upload_request(path: &str, token: &str, body: Body) -> Request<Body> {
    Request::post(path)
        .header("authorization", format!("Token {token}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .unwrap()
}

async fn upload(app: &TestApp, path: &str, token: &str, parts: &[Part<'_>]) -> TestResponse {
    app.send(upload_request(path, token, Body::from(multipart(parts))))
        .await
}

/// The `resource` part of an upload that creates its resource.
fn details(team: &str, category: &str) -> Vec<u8> {
    json!({
        "team": team,
        "title": "Racer",
        "short_description": "Go fast",
        "description": "**Fast** cars",
        "category": category,
        "tags": ["Fun Stuff", "cars", "fun_stuff"],
    })
    .to_string()
    .into_bytes()
}

/// Users of team `studio`, one per role, and an outsider, each with an all-scope token.
struct World {
    owner: User,
    owner_token: String,
    admin_token: String,
    developer_token: String,
    member_token: String,
    outsider_token: String,
    /// The owner's token without the manage scope.
    publish_only_token: String,
}

async fn world(app: &TestApp) -> World {
    let owner = app.create_user("owner").await;
    app.create_team(&owner, "studio").await;
    let mut tokens = Vec::new();
    for (name, role) in [
        ("admin", Role::Admin),
        ("developer", Role::Developer),
        ("member", Role::Member),
    ] {
        let user = app.create_user(name).await;
        app.add_member(&owner, "studio", name, role).await;
        tokens.push(app.create_token(&user, &Scope::ALL, None).await);
    }
    let outsider = app.create_user("outsider").await;
    World {
        owner_token: app.create_token(&owner, &Scope::ALL, None).await,
        publish_only_token: app
            .create_token(&owner, &[Scope::Publish, Scope::Download], None)
            .await,
        admin_token: tokens[0].clone(),
        developer_token: tokens[1].clone(),
        member_token: tokens[2].clone(),
        outsider_token: app.create_token(&outsider, &Scope::ALL, None).await,
        owner,
    }
}

/// Rows of resources, releases and tags, stored blobs and temporary files.
async fn counts(app: &TestApp) -> [i64; 5] {
    let mut rows = [0; 5];
    for (i, table) in ["resources", "releases", "resource_tags", "blobs"]
        .iter()
        .enumerate()
    {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
        rows[i] = n;
    }
    assert_eq!(
        rows[3] as usize,
        app.state.blobs.blob_files().await.unwrap().len(),
        "one stored file per blob row"
    );
    rows[4] = app.temp_blobs().await as i64;
    rows
}

const RACER: &str = "/store/v1/packages/racer/releases";

async fn an_upload_with_a_resource_part_creates_both(app: &TestApp) {
    let w = world(app).await;
    let resource = details("studio", "game-mode");
    let zip = package("1.0.0");
    let created = upload(
        app,
        RACER,
        &w.developer_token,
        &[
            ("resource", None, &resource),
            ("changelog", None, b"First"),
            ("publish", None, b"true"),
            ("file", Some("release.zip"), &zip),
        ],
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.json()["version"], "1.0.0");
    assert_eq!(created.json()["state"], "published");
    let info = app
        .api("GET", "/store/v1/packages/racer", None, None)
        .await
        .json();
    assert_eq!(info["team"], "studio");
    assert_eq!(info["title"], "Racer");
    assert_eq!(info["short_description"], "Go fast");
    assert_eq!(info["category"], "game-mode");
    assert_eq!(
        info["tags"],
        json!(["cars", "fun-stuff"]),
        "tags normalised"
    );
    assert_eq!(info["latest_version"], "1.0.0");
    assert_eq!(counts(app).await, [1, 1, 2, 1, 0]);

    // Asking again to create it: the name is taken, whoever asks.
    let again = upload(
        app,
        RACER,
        &w.developer_token,
        &[
            ("resource", None, &resource),
            ("file", Some("release.zip"), &package("2.0.0")),
        ],
    )
    .await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert_eq!(again.json()["error"], "name-taken");
    assert_eq!(again.json()["field"], "name");
    // A plain upload now adds a release to it.
    let second = upload(
        app,
        RACER,
        &w.developer_token,
        &[("file", Some("release.zip"), &package("1.1.0"))],
    )
    .await;
    assert_eq!(second.status, 201, "{}", second.body);
    assert_eq!(counts(app).await, [1, 2, 2, 2, 0]);
}

async fn refused_uploads_with_a_resource_part_leave_nothing(app: &TestApp) {
    let w = world(app).await;
    let good = details("studio", "game-mode");
    let good_zip = package("1.0.0");
    // (token, resource part, file, status, error code)
    type Case<'a> = (&'a str, Vec<u8>, Vec<u8>, u16, &'a str);
    let cases: Vec<Case> = vec![
        (
            w.developer_token.as_str(),
            good.clone(),
            b"not a zip".to_vec(),
            422,
            "invalid-zip",
        ),
        (
            w.developer_token.as_str(),
            good.clone(),
            zip(&[("Assets.toml", "[meta]\nversion = \"1.0.0\"\n")]),
            422,
            "invalid-zip",
        ),
        (
            w.outsider_token.as_str(),
            good.clone(),
            good_zip.clone(),
            403,
            "forbidden",
        ),
        (
            w.member_token.as_str(),
            good.clone(),
            good_zip.clone(),
            403,
            "forbidden",
        ),
        (
            w.developer_token.as_str(),
            details("studio", "vehicles"),
            good_zip.clone(),
            422,
            "invalid-category",
        ),
        (
            w.developer_token.as_str(),
            details("nobody", "game-mode"),
            good_zip.clone(),
            422,
            "unknown-team",
        ),
        (
            w.developer_token.as_str(),
            b"{not json".to_vec(),
            good_zip.clone(),
            422,
            "invalid-resource",
        ),
    ];
    for (token, resource, file, status, code) in cases {
        let response = upload(
            app,
            RACER,
            token,
            &[
                ("resource", None, &resource),
                ("file", Some("release.zip"), &file),
            ],
        )
        .await;
        assert_eq!(response.status, status, "{code}: {}", response.body);
        assert_eq!(response.json()["error"], code, "{}", response.body);
        assert_eq!(counts(app).await, [0; 5], "{code}: nothing left");
    }

    // Without a resource part, or with it after the file: no resource to upload to.
    let missing = upload(
        app,
        RACER,
        w.developer_token.as_str(),
        &[("file", Some("release.zip"), &good_zip)],
    )
    .await;
    assert_eq!(missing.status, 404, "{}", missing.body);
    assert!(missing.json()["message"]
        .as_str()
        .unwrap()
        .contains("resource part"));
    let late = upload(
        app,
        RACER,
        w.developer_token.as_str(),
        &[
            ("file", Some("release.zip"), &good_zip),
            ("resource", None, &good),
        ],
    )
    .await;
    assert_eq!(late.status, 404, "{}", late.body);
    let bad_name = upload(
        app,
        "/store/v1/packages/Bad_Name/releases",
        w.developer_token.as_str(),
        &[
            ("resource", None, &good),
            ("file", Some("release.zip"), &good_zip),
        ],
    )
    .await;
    assert_eq!(bad_name.status, 422, "{}", bad_name.body);
    assert_eq!(bad_name.json()["error"], "invalid-name");
    assert_eq!(counts(app).await, [0; 5]);

    // Rights come before the file: a body that breaks inside the file still gets 403, not an
    // upload error.
    let mut body = multipart(&[
        ("resource", None, &good),
        ("file", Some("release.zip"), &good_zip),
    ]);
    let cut = body.len() - good_zip.len();
    body.truncate(cut);
    // The rest of the file would come late, and then the connection breaks.
    let stream = futures_util::StreamExt::chain(
        futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from(body))]),
        futures_util::stream::once(async {
            tokio::time::sleep(std::time::Duration::from_secs(3)).await;
            Err(std::io::Error::other("connection reset"))
        }),
    );
    let response = app
        .send(upload_request(
            RACER,
            &w.outsider_token,
            Body::from_stream(stream),
        ))
        .await;
    assert_eq!(response.status, 403, "{}", response.body);
    assert_eq!(counts(app).await, [0; 5]);
}

async fn the_details_check_creates_nothing(app: &TestApp) {
    let w = world(app).await;
    let developer = app.log_in("developer").await;
    let member = app.log_in("member").await;
    let check = |cookie: String, name: &'static str, category: &'static str| async move {
        app.call(
            "/api/resources/check-new",
            &[
                ("kind", "packages"),
                ("name", name),
                ("details[team]", "studio"),
                ("details[title]", "Racer"),
                ("details[short_description]", ""),
                ("details[description]", ""),
                ("details[category]", category),
                ("details[tags][0]", "Fun Stuff"),
            ],
            Some(&cookie),
        )
        .await
    };
    let ok = check(developer.clone(), "racer", "game-mode").await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(counts(app).await, [0; 5], "a check creates nothing");
    let bad = check(developer.clone(), "racer", "vehicles").await;
    assert_eq!(bad.json()["field"], "category", "{}", bad.body);
    let bad = check(developer.clone(), "Racer!", "game-mode").await;
    assert_eq!(bad.json()["field"], "name", "{}", bad.body);
    let forbidden = check(member, "racer", "game-mode").await;
    assert_eq!(forbidden.status, 403, "{}", forbidden.body);

    // Once the name exists, the check says so beside the name.
    let created = upload(
        app,
        RACER,
        &w.owner_token,
        &[
            ("resource", None, &details("studio", "game-mode")),
            ("file", Some("release.zip"), &package("1.0.0")),
        ],
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let taken = check(developer, "racer", "game-mode").await;
    assert_eq!(taken.status, 409, "{}", taken.body);
    assert_eq!(taken.json()["error"], "name-taken");
    assert_eq!(taken.json()["field"], "name");
}

async fn version_checks_respect_visibility(app: &TestApp) {
    let w = world(app).await;
    let draft = upload(
        app,
        RACER,
        &w.owner_token,
        &[
            ("resource", None, &details("studio", "game-mode")),
            ("file", Some("release.zip"), &package("1.2.0")),
        ],
    )
    .await;
    assert_eq!(draft.json()["state"], "draft");
    let member = app.log_in("member").await;
    let outsider = app.log_in("outsider").await;
    let exists = |cookie: Option<String>, name: &'static str, version: &'static str| async move {
        let response = app
            .call(
                "/api/resources/version-exists",
                &[("kind", "packages"), ("name", name), ("version", version)],
                cookie.as_deref(),
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.body);
        response.json()
    };
    assert_eq!(exists(Some(member.clone()), "racer", "1.2.0").await, true);
    assert_eq!(exists(Some(member), "racer", "1.3.0").await, false);
    assert_eq!(
        exists(Some(outsider), "racer", "1.2.0").await,
        false,
        "a draft is the team's"
    );
    assert_eq!(exists(None, "racer", "1.2.0").await, false);
    assert_eq!(exists(None, "nothing", "1.0.0").await, false);
}

async fn the_wizard_gets_the_store_limits(app: &TestApp) {
    let limits = app.call("/api/resources/upload-limits", &[], None).await;
    assert_eq!(limits.status, 200, "{}", limits.body);
    let configured = app.state.settings.max_upload_size;
    assert_eq!(limits.json()["max_upload_size"], configured);
    assert_eq!(
        limits.json()["validator"]["max_archive_size"],
        configured,
        "the validator's limit is the upload limit"
    );
}

async fn a_small_limit_refuses_a_zip_over_it_as_too_large(app: &TestApp) {
    let w = world(app).await;
    let bytes = package("1.0.0");
    let mut temp = app.state.blobs.create_temp().await.unwrap();
    temp.write(&bytes).await.unwrap();
    let blob = temp.finish().await.unwrap();
    let checked = service::check_new(
        &app.state.pool,
        Actor::user(&w.owner),
        Kind::Package,
        service::NewResource {
            name: "racer".into(),
            team: "studio".into(),
            title: "Racer".into(),
            short_description: String::new(),
            description: String::new(),
            category: "game-mode".into(),
            tags: Vec::new(),
        },
    )
    .await
    .unwrap();
    let refused = releases::create(
        &app.state.pool,
        &app.state.blobs,
        Actor::user(&w.owner),
        UploadTarget::New(Box::new(checked)),
        UploadedZip {
            blob,
            max_upload_size: bytes.len() as u64 - 1,
        },
        NewRelease {
            changelog: String::new(),
            channel: Channel::Stable,
            publish: true,
            review_policy: nanos_store::config::ReviewPolicy::None,
        },
        db::now(),
    )
    .await;
    match refused {
        Err(AppError::InvalidZip { diagnostics, .. }) => {
            assert!(
                diagnostics.iter().any(|d| d.code == Code::TooLarge),
                "{diagnostics:?}"
            );
        }
        other => panic!("expected a too-large zip, got {other:?}"),
    }
    assert_eq!(counts(app).await, [0; 5]);
}

async fn a_name_taken_during_the_upload_is_409_and_leaves_nothing(app: &TestApp) {
    let w = world(app).await;
    let new = || service::NewResource {
        name: "racer".into(),
        team: "studio".into(),
        title: "Racer".into(),
        short_description: String::new(),
        description: String::new(),
        category: "game-mode".into(),
        tags: vec!["Fun Stuff".into()],
    };
    // The checks pass before the upload...
    let checked = service::check_new(&app.state.pool, Actor::user(&w.owner), Kind::Package, new())
        .await
        .unwrap();
    // ...then someone else takes the name while the file is on its way.
    service::create(
        &app.state.pool,
        Actor::user(&w.owner),
        Kind::Package,
        new(),
        db::now(),
    )
    .await
    .unwrap();
    let before = counts(app).await;
    let bytes = package("1.0.0");
    let mut temp = app.state.blobs.create_temp().await.unwrap();
    temp.write(&bytes).await.unwrap();
    let taken = releases::create(
        &app.state.pool,
        &app.state.blobs,
        Actor::user(&w.owner),
        UploadTarget::New(Box::new(checked)),
        UploadedZip {
            blob: temp.finish().await.unwrap(),
            max_upload_size: app.state.settings.max_upload_size,
        },
        NewRelease {
            changelog: String::new(),
            channel: Channel::Stable,
            publish: true,
            review_policy: nanos_store::config::ReviewPolicy::None,
        },
        db::now(),
    )
    .await;
    match taken {
        Err(AppError::Conflict { code, field, .. }) => {
            assert_eq!((code, field), (ErrorCode::NameTaken, Some("name")));
        }
        other => panic!("expected name-taken, got {other:?}"),
    }
    assert_eq!(
        counts(app).await,
        before,
        "no release, no blob, no temporary file"
    );
}

async fn deleting_a_resource_removes_its_rows_and_unshared_blobs(app: &TestApp) {
    let w = world(app).await;
    let create = |name: &'static str, version: &'static str| {
        let token = w.owner_token.clone();
        async move {
            let response = upload(
                app,
                &format!("/store/v1/packages/{name}/releases"),
                &token,
                &[
                    ("resource", None, &details("studio", "game-mode")),
                    ("publish", None, b"true"),
                    ("file", Some("release.zip"), &package(version)),
                ],
            )
            .await;
            assert_eq!(response.status, 201, "{}", response.body);
        }
    };
    create("racer", "1.0.0").await;
    // A draft whose file only racer has, and another resource sharing racer's 1.0.0 file.
    let draft = upload(
        app,
        RACER,
        &w.owner_token,
        &[("file", Some("release.zip"), &package("1.1.0"))],
    )
    .await;
    assert_eq!(draft.status, 201);
    create("copy", "1.0.0").await;
    assert_eq!(counts(app).await, [2, 3, 4, 2, 0]);

    let delete = |token: Option<String>| async move {
        app.api(
            "DELETE",
            "/store/v1/packages/racer",
            token.map(|t| format!("Token {t}")).as_deref(),
            None,
        )
        .await
    };
    assert_eq!(delete(None).await.status, 401);
    for token in [&w.developer_token, &w.member_token, &w.outsider_token] {
        let refused = delete(Some(token.clone())).await;
        assert_eq!(refused.status, 403, "{}", refused.body);
    }
    let no_scope = delete(Some(w.publish_only_token.clone())).await;
    assert_eq!(no_scope.status, 403);
    assert_eq!(no_scope.json()["error"], "missing-scope");
    assert_eq!(
        counts(app).await,
        [2, 3, 4, 2, 0],
        "refusals change nothing"
    );

    let deleted = delete(Some(w.admin_token.clone())).await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_eq!(
        counts(app).await,
        [1, 1, 2, 1, 0],
        "racer's rows and its unshared file are gone; the shared file stays"
    );
    assert_eq!(
        app.api("GET", "/store/v1/packages/racer", None, None)
            .await
            .status,
        404
    );
    let shared = app
        .api(
            "GET",
            "/store/v1/packages/copy/releases/1.0.0/download",
            None,
            None,
        )
        .await;
    assert_eq!(shared.status, 200);
    assert_eq!(
        shared.headers["content-length"].to_str().unwrap(),
        package("1.0.0").len().to_string()
    );
    assert_eq!(delete(Some(w.admin_token.clone())).await.status, 404);

    let audit = app
        .api(
            "GET",
            "/store/v1/teams/studio/audit",
            Some(&format!("Token {}", w.owner_token)),
            None,
        )
        .await
        .json();
    let entry = &audit.as_array().unwrap()[0];
    assert_eq!(entry["actor"], "admin");
    assert_eq!(entry["action"], "deleted");
    assert_eq!(entry["subject"], "packages/racer");
    assert_eq!(entry["detail"], "with 2 releases");

    // The name is free again.
    create("racer", "1.0.0").await;
    assert_eq!(counts(app).await, [2, 2, 4, 1, 0]);
}

async fn the_resource_page_deletes_after_the_name_is_typed(app: &TestApp) {
    let w = world(app).await;
    let created = upload(
        app,
        RACER,
        &w.owner_token,
        &[
            ("resource", None, &details("studio", "game-mode")),
            ("file", Some("release.zip"), &package("1.0.0")),
        ],
    )
    .await;
    assert_eq!(created.status, 201);
    let admin = app.log_in("admin").await;
    let developer = app.log_in("developer").await;

    let page = app.get("/packages/racer", Some(&admin)).await;
    assert!(page.body.contains("Delete this resource"), "admins see it");
    let page = app.get("/packages/racer", Some(&developer)).await;
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains("Delete this resource"),
        "developers do not"
    );

    let delete = |cookie: String, confirm: &'static str| async move {
        app.call(
            "/api/resources/delete",
            &[
                ("kind", "packages"),
                ("name", "racer"),
                ("confirm", confirm),
            ],
            Some(&cookie),
        )
        .await
    };
    let mismatch = delete(admin.clone(), "racr").await;
    assert_eq!(mismatch.json()["field"], "confirm", "{}", mismatch.body);
    let refused = delete(developer, "racer").await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(counts(app).await, [1, 1, 2, 1, 0]);
    let done = delete(admin, "racer").await;
    assert!(done.status.as_u16() < 400, "{}", done.body);
    assert_eq!(counts(app).await, [0; 5]);
}

on_both_databases!(
    an_upload_with_a_resource_part_creates_both,
    refused_uploads_with_a_resource_part_leave_nothing,
    the_details_check_creates_nothing,
    version_checks_respect_visibility,
    the_wizard_gets_the_store_limits,
    a_small_limit_refuses_a_zip_over_it_as_too_large,
    a_name_taken_during_the_upload_is_409_and_leaves_nothing,
    deleting_a_resource_removes_its_rows_and_unshared_blobs,
    the_resource_page_deletes_after_the_name_is_typed,
);

// The same journeys with the release files in a real S3-compatible store (Garage).
on_object_storage!(
    an_upload_with_a_resource_part_creates_both,
    refused_uploads_with_a_resource_part_leave_nothing,
    a_name_taken_during_the_upload_is_409_and_leaves_nothing,
    deleting_a_resource_removes_its_rows_and_unshared_blobs,
);
