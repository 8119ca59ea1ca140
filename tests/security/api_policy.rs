//! Findings 8, 9 and 10: every API route names its scope (the audit log needs `manage` and keeps a
//! token's team restriction), the moving channel URL is not cached for a year, and a team's drafts
//! and private releases leave no public trace (counts, `updated_at`, shared caches).

use std::io::Write;

use axum::body::Body;
use axum::http::Request;
use nanos_store::accounts::service::{self as accounts, User};
use nanos_store::db;
use nanos_store::teams::Role;
use nanos_store::tokens::Scope;
use serde_json::{json, Value};

use crate::common::{TestApp, TestResponse};

const RELEASES: &str = "/store/v1/packages/sandbox/releases";
const RESOURCE: &str = "/store/v1/packages/sandbox";

fn package(version: &str) -> Vec<u8> {
    let manifest = format!(
        "[meta]\ntitle = \"Sandbox\"\nauthor = \"me\"\nversion = \"{version}\"\n[game_mode]\n"
    );
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in [
        ("Package.toml", manifest.as_str()),
        ("Server/Index.lua", "print('hi')"),
    ] {
        writer
            .start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(text.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// Uploads `version` of `sandbox` with extra text parts (`publish`, `channel`).
async fn upload(app: &TestApp, token: &str, version: &str, extra: &[(&str, &str)]) -> Value {
    let response = app
        .upload_release("packages", "sandbox", token, &package(version), extra)
        .await;
    assert_eq!(response.status, 201, "{}", response.body);
    response.json()
}

fn auth(token: &str) -> String {
    format!("Token {token}")
}

fn error_code(response: &TestResponse) -> String {
    response.json()["error"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn cache_control(response: &TestResponse) -> &str {
    response
        .headers
        .get("cache-control")
        .map_or("", |v| v.to_str().unwrap_or_default())
}

/// A session cookie for `user`, as the login page would set it.
async fn cookie_for(app: &TestApp, user: &User) -> String {
    let session = accounts::start_session(&app.state.pool, &user.id, 3600, db::now())
        .await
        .unwrap();
    format!("nanos_session={}", session.token)
}

struct World {
    owner: User,
    /// The owner's token with every scope.
    owner_token: String,
    /// A member of `studio` with a `download` token.
    member_token: String,
    member_cookie: String,
}

/// A team `studio` with an owner and a member, and a package `sandbox`.
async fn world(app: &TestApp) -> World {
    let owner = app.create_user("owner").await;
    let member = app.create_user("member").await;
    app.create_team(&owner, "studio").await;
    app.add_member(&owner, "studio", "member", Role::Member)
        .await;
    let owner_token = app.create_token(&owner, &Scope::ALL, None).await;
    let created = app
        .api(
            "POST",
            "/store/v1/packages",
            Some(&auth(&owner_token)),
            Some(json!({"name": "sandbox", "team": "studio", "title": "Sandbox", "category": "game-mode"})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    World {
        owner_token,
        member_token: app.create_token(&member, &[Scope::Download], None).await,
        member_cookie: cookie_for(app, &member).await,
        owner,
    }
}

async fn the_audit_log_needs_manage_and_keeps_the_team_restriction(app: &TestApp) {
    let w = world(app).await;
    app.create_team(&w.owner, "other").await;
    let audit = |team: &str| format!("/store/v1/teams/{team}/audit");

    let download_only = auth(&app.create_token(&w.owner, &[Scope::Download], None).await);
    let response = app
        .api("GET", &audit("studio"), Some(&download_only), None)
        .await;
    assert_eq!(response.status, 403, "{}", response.body);
    assert_eq!(error_code(&response), "missing-scope");
    assert!(response.body.contains("manage"), "{}", response.body);

    let only_studio = auth(
        &app.create_token(&w.owner, &Scope::ALL, Some("studio"))
            .await,
    );
    let response = app
        .api("GET", &audit("other"), Some(&only_studio), None)
        .await;
    assert_eq!(response.status, 403, "{}", response.body);
    assert_eq!(error_code(&response), "token-team-restricted");
    let response = app
        .api("GET", &audit("studio"), Some(&only_studio), None)
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(response.body.contains("created the team"));

    let manage_only = auth(&app.create_token(&w.owner, &[Scope::Manage], None).await);
    for team in ["studio", "other"] {
        let response = app.api("GET", &audit(team), Some(&manage_only), None).await;
        assert_eq!(response.status, 200, "{team}: {}", response.body);
    }
    let anonymous = app.api("GET", &audit("studio"), None, None).await;
    assert_eq!(anonymous.status, 401);

    // Routes open to everyone still answer without credentials.
    assert_eq!(app.api("GET", RESOURCE, None, None).await.status, 200);
    assert_eq!(
        app.api("GET", "/store/v1/packages", None, None)
            .await
            .status,
        200
    );
    assert_eq!(
        app.api("GET", "/store/v1/teams/studio", None, None)
            .await
            .status,
        200
    );
    assert_eq!(app.api("GET", RELEASES, None, None).await.status, 200);
    // Reading one's own account needs no scope.
    let me = app
        .api("GET", "/store/v1/user/me", Some(&download_only), None)
        .await;
    assert_eq!(me.status, 200, "{}", me.body);
}

async fn only_the_by_version_url_of_a_public_release_is_immutable(app: &TestApp) {
    let w = world(app).await;
    upload(
        app,
        &w.owner_token,
        "1.0.0",
        &[("publish", "true"), ("channel", "stable")],
    )
    .await;
    upload(app, &w.owner_token, "1.1.0", &[]).await; // a draft
    upload(
        app,
        &w.owner_token,
        "2.0.0",
        &[("publish", "true"), ("channel", "private")],
    )
    .await;

    let by_version = app
        .api("GET", &format!("{RELEASES}/1.0.0/download"), None, None)
        .await;
    assert_eq!(by_version.status, 200);
    assert_eq!(
        cache_control(&by_version),
        "public, max-age=31536000, immutable"
    );
    let with_token = app
        .api(
            "GET",
            &format!("{RELEASES}/1.0.0/download"),
            Some(&auth(&w.member_token)),
            None,
        )
        .await;
    assert_eq!(
        cache_control(&with_token),
        "public, max-age=31536000, immutable",
        "a public release is the same for everyone"
    );

    let channel = format!("{RESOURCE}/download?channel=stable");
    let moving = app.api("GET", &channel, None, None).await;
    assert_eq!(moving.status, 200);
    assert_eq!(cache_control(&moving), "public, max-age=60");
    let etag = moving.headers["etag"].to_str().unwrap().to_string();
    let revalidated = app
        .send(
            Request::get(&channel)
                .header("if-none-match", &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(revalidated.status, 304);
    assert_eq!(cache_control(&revalidated), "public, max-age=60");

    for path in [
        format!("{RELEASES}/1.1.0/download"),
        format!("{RELEASES}/2.0.0/download"),
        format!("{RESOURCE}/download?channel=private"),
    ] {
        let response = app
            .api("GET", &path, Some(&auth(&w.member_token)), None)
            .await;
        assert_eq!(response.status, 200, "{path}: {}", response.body);
        assert_eq!(cache_control(&response), "private, no-store", "{path}");
    }
    // Anonymous callers get the newest public release on that URL, which caches may share.
    let public = app
        .api(
            "GET",
            &format!("{RESOURCE}/download?channel=private"),
            None,
            None,
        )
        .await;
    assert!(public.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("1.0.0"));
    assert_eq!(cache_control(&public), "public, max-age=60");
}

async fn release_download_count(app: &TestApp, token: &str, version: &str) -> i64 {
    let release = app
        .api(
            "GET",
            &format!("{RELEASES}/{version}"),
            Some(&auth(token)),
            None,
        )
        .await;
    assert_eq!(release.status, 200, "{}", release.body);
    release.json()["download_count"].as_i64().unwrap()
}

async fn public_resource(app: &TestApp) -> Value {
    let response = app.api("GET", RESOURCE, None, None).await;
    assert_eq!(response.status, 200, "{}", response.body);
    response.json()
}

async fn drafts_and_private_downloads_count_nothing(app: &TestApp) {
    let w = world(app).await;
    upload(app, &w.owner_token, "1.0.0", &[]).await; // a draft
    upload(
        app,
        &w.owner_token,
        "1.1.0",
        &[("publish", "true"), ("channel", "private")],
    )
    .await;
    for path in [
        format!("{RELEASES}/1.0.0/download"),
        format!("{RELEASES}/1.1.0/download"),
        format!("{RESOURCE}/download?channel=private"),
    ] {
        let response = app
            .api("GET", &path, Some(&auth(&w.member_token)), None)
            .await;
        assert_eq!(response.status, 200, "{path}: {}", response.body);
    }
    assert_eq!(app.flush_downloads().await, 0);
    assert_eq!(
        release_download_count(app, &w.member_token, "1.0.0").await,
        0
    );
    assert_eq!(
        release_download_count(app, &w.member_token, "1.1.0").await,
        0
    );
    assert_eq!(public_resource(app).await["download_count"], 0);

    // A public release still counts.
    upload(app, &w.owner_token, "2.0.0", &[("publish", "true")]).await;
    let response = app
        .api("GET", &format!("{RELEASES}/2.0.0/download"), None, None)
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(app.flush_downloads().await, 1);
    assert_eq!(
        release_download_count(app, &w.member_token, "2.0.0").await,
        1
    );
    assert_eq!(public_resource(app).await["download_count"], 1);
}

/// Sets the resource's `updated_at` far in the past, so that any change shows.
async fn age_the_resource(app: &TestApp) {
    sqlx::query("UPDATE resources SET updated_at = 1000 WHERE name = 'sandbox'")
        .execute(&app.state.pool)
        .await
        .unwrap();
}

async fn only_public_releases_change_updated_at(app: &TestApp) {
    let w = world(app).await;
    age_the_resource(app).await;
    upload(app, &w.owner_token, "1.0.0", &[]).await;
    assert_eq!(
        public_resource(app).await["updated_at"],
        1000,
        "a draft upload is the team's business"
    );
    upload(
        app,
        &w.owner_token,
        "1.1.0",
        &[("publish", "true"), ("channel", "private")],
    )
    .await;
    assert_eq!(public_resource(app).await["updated_at"], 1000);

    let published = app
        .api(
            "POST",
            &format!("{RELEASES}/1.0.0/publish"),
            Some(&auth(&w.owner_token)),
            None,
        )
        .await;
    assert_eq!(published.status, 200, "{}", published.body);
    assert!(public_resource(app).await["updated_at"].as_i64().unwrap() > 1000);

    age_the_resource(app).await;
    upload(app, &w.owner_token, "2.0.0", &[("publish", "true")]).await;
    assert!(
        public_resource(app).await["updated_at"].as_i64().unwrap() > 1000,
        "an upload published at once is public"
    );
}

async fn responses_with_credentials_are_private(app: &TestApp) {
    let w = world(app).await;
    upload(app, &w.owner_token, "1.0.0", &[]).await; // a draft only members see
    let owner_cookie = cookie_for(app, &w.owner).await;

    for (path, cookie) in [
        ("/teams/studio/settings", &owner_cookie),
        ("/settings/tokens", &owner_cookie),
        ("/settings", &w.member_cookie),
        ("/packages/sandbox", &w.member_cookie),
        ("/packages/sandbox/releases/1.0.0", &w.member_cookie),
    ] {
        let page = app.get(path, Some(cookie)).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert_eq!(cache_control(&page), "private, no-store", "{path}");
    }
    let draft_page = app
        .get("/packages/sandbox/releases/1.0.0", Some(&w.member_cookie))
        .await;
    assert!(
        draft_page.body.contains("1.0.0"),
        "the member sees the draft"
    );

    // The same public page without credentials may be cached.
    let anonymous = app.get("/packages/sandbox", None).await;
    assert_eq!(anonymous.status, 200);
    assert!(!cache_control(&anonymous).contains("private"));

    // API answers to a token or a session: the drafts list, the account, server functions.
    let drafts = app
        .api("GET", RELEASES, Some(&auth(&w.member_token)), None)
        .await;
    assert_eq!(drafts.json()[0]["version"], "1.0.0");
    assert_eq!(cache_control(&drafts), "private, no-store");
    let me = app
        .api(
            "GET",
            "/store/v1/user/me",
            Some(&auth(&w.member_token)),
            None,
        )
        .await;
    assert_eq!(cache_control(&me), "private, no-store");
    let server_function = app
        .call("/api/accounts/me", &[], Some(&w.member_cookie))
        .await;
    assert_eq!(server_function.status, 200, "{}", server_function.body);
    assert_eq!(cache_control(&server_function), "private, no-store");
}

crate::on_both_databases!(
    the_audit_log_needs_manage_and_keeps_the_team_restriction,
    only_the_by_version_url_of_a_public_release_is_immutable,
    drafts_and_private_downloads_count_nothing,
    only_public_releases_change_updated_at,
    responses_with_credentials_are_private,
);
