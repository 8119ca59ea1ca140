//! Moderation (issue #16) over the HTTP API, on SQLite and Postgres: who may do each staff action
//! (anonymous, a user, a team member, a team owner, a moderator, an admin; with tokens and with
//! sessions), takedowns (410 and 451 for everyone but the team and the staff, gone from listings
//! and search, restored), yanks (never the latest, still downloadable by version) and suspensions
//! (sessions end, tokens stop, log-ins are refused with the reason), and reports (filed by any
//! user a few an hour, queued, assigned and resolved with a note the reporter reads).

mod common;

use axum::body::Body;
use axum::http::{header, Request};
use common::{send_from, upload_request, zip, TestApp, TestResponse};
use nanos_store::access::Staff;
use nanos_store::config::ReviewPolicy;
use nanos_store::db;
use nanos_store::moderation::service as moderation;
use nanos_store::moderation::SiteRole;
use nanos_store::teams::Role;
use nanos_store::tokens::Scope;
use serde_json::{json, Value};

/// Where the test's requests come from.
const LOCAL: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

fn package(version: &str) -> Vec<u8> {
    let manifest = format!(
        "[meta]\ntitle = \"Sandbox\"\nauthor = \"me\"\nversion = \"{version}\"\n[game_mode]\n"
    );
    zip(&[
        ("Package.toml", &manifest),
        ("Server/Index.lua", &format!("print('{version}')")),
    ])
}

/// Who calls, and how.
#[derive(Debug, Clone)]
enum Credential {
    Anonymous,
    Token(String),
    Session(String),
}

/// A person of the matrix: their name and both their credentials.
struct Person {
    name: &'static str,
    token: String,
    session: String,
}

/// Sends an API request with `credential` to `app`.
async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    credential: &Credential,
    body: Option<Value>,
) -> TestResponse {
    app.send(request(method, path, credential, body)).await
}

/// An API request with `credential` (a session's changes come from the store's own pages).
fn request(
    method: &str,
    path: &str,
    credential: &Credential,
    body: Option<Value>,
) -> Request<Body> {
    let mut request = Request::builder().method(method).uri(path);
    match credential {
        Credential::Anonymous => {}
        Credential::Token(token) => {
            request = request.header(header::AUTHORIZATION, format!("Token {token}"))
        }
        Credential::Session(cookie) => {
            request = request
                .header(header::COOKIE, cookie)
                .header("sec-fetch-site", "same-origin")
        }
    }
    let body = match body {
        Some(json) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    request.body(body).expect("request")
}

/// A page, as a browser asks for it (`Accept: text/html`).
async fn page(app: &TestApp, path: &str) -> TestResponse {
    let request = Request::get(path)
        .header(header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
        .body(Body::empty())
        .expect("request");
    app.send(request).await
}

fn code(response: &TestResponse) -> String {
    serde_json::from_str::<Value>(&response.body)
        .ok()
        .and_then(|b| b["error"].as_str().map(str::to_string))
        .unwrap_or_default()
}

/// `studio` owned by `owner`, with `member` (a member) and `dev` (a developer); `sandbox`, a
/// package of `studio`, with the published stable releases 1.0.0 and 1.1.0 and the draft 2.0.0;
/// `user` in no team; `moderator` and `admin` with those site roles; `victim`, to suspend.
/// Returns the people, and the owner's token with every scope.
async fn world(app: &TestApp) -> (Vec<Person>, String) {
    let owner = app.create_user("owner").await;
    app.create_team(&owner, "studio").await;
    for (name, role) in [("member", Role::Member), ("dev", Role::Developer)] {
        app.create_user(name).await;
        app.add_member(&owner, "studio", name, role).await;
    }
    for name in ["user", "moderator", "admin", "victim", "helper"] {
        app.create_user(name).await;
    }
    let operator = Staff::operator();
    for (name, role) in [
        ("moderator", SiteRole::Moderator),
        ("admin", SiteRole::Admin),
    ] {
        moderation::grant(&app.state.pool, &operator, name, role, db::now())
            .await
            .expect("grant");
    }
    let all = app.create_token(&owner, &Scope::ALL, None).await;
    let created = app
        .api(
            "POST",
            "/store/v1/packages",
            Some(&format!("Token {all}")),
            Some(json!({"name": "sandbox", "team": "studio", "title": "Sandbox", "category": "game-mode"})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    for (version, publish) in [("1.0.0", "true"), ("1.1.0", "true"), ("2.0.0", "false")] {
        let uploaded = app
            .upload_release(
                "packages",
                "sandbox",
                &all,
                &package(version),
                &[("publish", publish)],
            )
            .await;
        assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    }
    let mut people = Vec::new();
    for name in ["user", "member", "owner", "moderator", "admin"] {
        let user = sqlx::query_as::<_, nanos_store::accounts::service::User>(
            "SELECT id, username, display_name, created_at FROM users WHERE username = $1",
        )
        .bind(name)
        .fetch_one(&app.state.pool)
        .await
        .expect("user");
        people.push(Person {
            name,
            token: app.create_token(&user, &Scope::ALL, None).await,
            session: app.log_in(name).await,
        });
    }
    (people, all)
}

/// One staff action: the request that does it and the one that undoes it (so that every caller
/// meets the same state), and who may.
struct Action {
    what: &'static str,
    method: &'static str,
    path: &'static str,
    body: Option<&'static str>,
    undo: Option<(&'static str, &'static str)>,
    allowed: &'static [&'static str],
    /// What the allowed get, when not a success: a purge of what is not taken down gets past the
    /// policy to `409` (a real purge cannot be undone for the next caller).
    allowed_status: Option<u16>,
}

const STAFF: &[&str] = &["moderator", "admin"];

#[rustfmt::skip]
const ACTIONS: &[Action] = &[
    Action { what: "read the moderation log", method: "GET", path: "/store/v1/admin/log", body: None, undo: None, allowed: STAFF, allowed_status: None },
    Action { what: "take a resource down", method: "PUT", path: "/store/v1/admin/packages/sandbox/takedown", body: Some(r#"{"reason": "malware"}"#), undo: Some(("DELETE", "/store/v1/admin/packages/sandbox/takedown")), allowed: STAFF, allowed_status: None },
    Action { what: "take a release down", method: "PUT", path: "/store/v1/admin/packages/sandbox/releases/1.0.0/takedown", body: Some(r#"{"reason": "stolen", "legal": true}"#), undo: Some(("DELETE", "/store/v1/admin/packages/sandbox/releases/1.0.0/takedown")), allowed: STAFF, allowed_status: None },
    Action { what: "suspend a user", method: "PUT", path: "/store/v1/admin/users/victim/suspension", body: Some(r#"{"reason": "spam"}"#), undo: Some(("DELETE", "/store/v1/admin/users/victim/suspension")), allowed: STAFF, allowed_status: None },
    Action { what: "grant a site role", method: "PUT", path: "/store/v1/admin/users/helper/role", body: Some(r#"{"role": "moderator"}"#), undo: Some(("DELETE", "/store/v1/admin/users/helper/role")), allowed: &["admin"], allowed_status: None },
    Action { what: "yank a release", method: "PUT", path: "/store/v1/packages/sandbox/releases/1.1.0/yank", body: Some(r#"{"reason": "crashes"}"#), undo: Some(("DELETE", "/store/v1/packages/sandbox/releases/1.1.0/yank")), allowed: &["owner", "moderator", "admin"], allowed_status: None },
    Action { what: "read the report queue", method: "GET", path: "/store/v1/admin/reports?status=open", body: None, undo: None, allowed: STAFF, allowed_status: None },
    Action { what: "report a release", method: "POST", path: "/store/v1/packages/sandbox/reports", body: Some(r#"{"reason": "broken", "version": "1.0.0", "details": "crashes"}"#), undo: None, allowed: &["user", "member", "owner", "moderator", "admin"], allowed_status: None },
    Action { what: "read the team's moderation entries", method: "GET", path: "/store/v1/teams/studio/moderation", body: None, undo: None, allowed: &["member", "owner", "moderator", "admin"], allowed_status: None },
    Action { what: "purge a release", method: "POST", path: "/store/v1/admin/packages/sandbox/releases/1.0.0/purge", body: Some("{}"), undo: None, allowed: &["admin"], allowed_status: Some(409) },
    Action { what: "purge a resource", method: "POST", path: "/store/v1/admin/packages/sandbox/purge", body: Some("{}"), undo: None, allowed: &["admin"], allowed_status: Some(409) },
    Action { what: "yank releases in bulk", method: "POST", path: "/store/v1/packages/sandbox/releases/bulk", body: Some(r#"{"action": "unyank", "versions": ["1.1.0"]}"#), undo: None, allowed: &["owner", "moderator", "admin"], allowed_status: None },
];

async fn every_staff_action_is_allowed_to_exactly_who_may(app: &TestApp) {
    let (people, _) = world(app).await;
    for action in ACTIONS {
        let body = action
            .body
            .map(|b| serde_json::from_str::<Value>(b).unwrap());
        let anonymous = call(
            app,
            action.method,
            action.path,
            &Credential::Anonymous,
            body.clone(),
        )
        .await;
        assert_eq!(
            anonymous.status, 401,
            "anonymous may not {}: {}",
            action.what, anonymous.body
        );
        for person in &people {
            for credential in [
                Credential::Token(person.token.clone()),
                Credential::Session(person.session.clone()),
            ] {
                let who = format!("{} ({credential:?})", person.name);
                let response =
                    call(app, action.method, action.path, &credential, body.clone()).await;
                if action.allowed.contains(&person.name) {
                    assert!(
                        match action.allowed_status {
                            Some(status) => response.status == status,
                            None => response.status.is_success(),
                        },
                        "{who} may {}: {} {}",
                        action.what,
                        response.status,
                        response.body
                    );
                    if let Some((method, path)) = action.undo {
                        let undone = call(app, method, path, &credential, None).await;
                        assert!(undone.status.is_success(), "{who} undoes: {}", undone.body);
                    }
                } else {
                    assert_eq!(
                        response.status, 403,
                        "{who} may not {}: {}",
                        action.what, response.body
                    );
                    assert_eq!(code(&response), "forbidden", "{who}: {}", action.what);
                }
            }
        }
    }
    // Every action that was allowed is in the log, with who did it; the team sees its own part.
    let admin = &people[4];
    let log = call(
        app,
        "GET",
        "/store/v1/admin/log",
        &Credential::Token(admin.token.clone()),
        None,
    )
    .await;
    let entries = log.json();
    let entries = entries.as_array().expect("a list");
    for (action, subject) in [
        ("takedown", "packages/sandbox"),
        ("restore", "packages/sandbox"),
        ("legal-takedown", "packages/sandbox 1.0.0"),
        ("suspend", "user victim"),
        ("lift-suspension", "user victim"),
        ("grant-role", "user helper"),
        ("revoke-role", "user helper"),
        ("yank", "packages/sandbox 1.1.0"),
    ] {
        assert!(
            entries
                .iter()
                .any(|e| e["action"] == action && e["subject"] == subject),
            "{action} {subject} is in the log: {entries:?}"
        );
    }
    let owner = &people[2];
    let team = call(
        app,
        "GET",
        "/store/v1/teams/studio/moderation",
        &Credential::Token(owner.token.clone()),
        None,
    )
    .await;
    let team = team.json();
    let team = team.as_array().expect("a list");
    assert!(team
        .iter()
        .any(|e| e["action"] == "takedown" && e["reason"] == "malware"));
    assert!(
        team.iter().all(|e| !e["subject"]
            .as_str()
            .unwrap_or_default()
            .starts_with("user ")),
        "the team sees only what concerns it: {team:?}"
    );
}

async fn takedowns_hide_from_all_but_the_team_and_the_staff(app: &TestApp) {
    let (people, _) = world(app).await;
    let moderator = Credential::Token(people[3].token.clone());
    let owner = Credential::Token(people[2].token.clone());
    let user = Credential::Token(people[0].token.clone());
    let down = call(
        app,
        "PUT",
        "/store/v1/admin/packages/sandbox/takedown",
        &moderator,
        Some(json!({"reason": "  <script>alert(1)</script> ships a miner  "})),
    )
    .await;
    assert_eq!(down.status, 200, "{}", down.body);
    assert_eq!(down.json()["takedown"]["kind"], "gone");
    let reason = "<script>alert(1)</script> ships a miner";
    for path in [
        "/store/v1/packages/sandbox",
        "/store/v1/packages/sandbox/releases",
        "/store/v1/packages/sandbox/releases/1.0.0",
        "/store/v1/packages/sandbox/releases/1.0.0/download",
        "/store/v1/packages/sandbox/download",
    ] {
        for who in [&Credential::Anonymous, &user] {
            let response = call(app, "GET", path, who, None).await;
            assert_eq!(
                response.status, 410,
                "{path} for {who:?}: {}",
                response.body
            );
            assert_eq!(code(&response), "taken-down");
            assert!(response.json()["message"]
                .as_str()
                .unwrap()
                .contains(reason));
        }
        for who in [&owner, &moderator] {
            let response = call(app, "GET", path, who, None).await;
            assert_eq!(
                response.status, 200,
                "{path} for {who:?}: {}",
                response.body
            );
        }
    }
    let seen = call(app, "GET", "/store/v1/packages/sandbox", &owner, None).await;
    assert_eq!(seen.json()["takedown"]["reason"], reason);
    // Gone from listings and search, for everyone.
    for query in ["", "?q=sandbox", "?team=studio", "?sort=downloads"] {
        let listing = call(
            app,
            "GET",
            &format!("/store/v1/packages{query}"),
            &owner,
            None,
        )
        .await;
        assert_eq!(listing.json()["total"], 0, "{query}: {}", listing.body);
    }
    // The pages answer 410 with the reason, escaped, to a browser too.
    for path in ["/packages/sandbox", "/packages/sandbox/releases/1.0.0"] {
        let shown = page(app, path).await;
        assert_eq!(shown.status, 410, "{path}");
        assert!(shown
            .body
            .contains("&lt;script&gt;alert(1)&lt;/script&gt; ships a miner"));
        assert!(!shown.body.contains("<script>alert(1)"));
    }
    // Nor are its screenshots shown.
    let screenshots = call(
        app,
        "GET",
        "/store/v1/packages/sandbox/screenshots",
        &Credential::Anonymous,
        None,
    )
    .await;
    assert_eq!(screenshots.status, 410);
    // Its team cannot delete it (and so free its name for the same upload).
    let deleted = call(app, "DELETE", "/store/v1/packages/sandbox", &owner, None).await;
    assert_eq!(deleted.status, 409, "{}", deleted.body);
    assert_eq!(code(&deleted), "under-takedown");

    // Legal reasons: 451.
    let legal = call(
        app,
        "PUT",
        "/store/v1/admin/packages/sandbox/takedown",
        &moderator,
        Some(json!({"reason": "a court order", "legal": true})),
    )
    .await;
    assert_eq!(legal.status, 200, "{}", legal.body);
    let response = call(
        app,
        "GET",
        "/store/v1/packages/sandbox",
        &Credential::Anonymous,
        None,
    )
    .await;
    assert_eq!(response.status, 451);
    assert_eq!(code(&response), "unavailable-for-legal-reasons");
    // A reason is required.
    let bare = call(
        app,
        "PUT",
        "/store/v1/admin/packages/sandbox/takedown",
        &moderator,
        Some(json!({"reason": " "})),
    )
    .await;
    assert_eq!(bare.status, 422);
    assert_eq!(code(&bare), "invalid-reason");

    // Restored: back for everyone, in listings too.
    let restored = call(
        app,
        "DELETE",
        "/store/v1/admin/packages/sandbox/takedown?reason=cleared",
        &moderator,
        None,
    )
    .await;
    assert_eq!(restored.status, 204, "{}", restored.body);
    let back = call(
        app,
        "GET",
        "/store/v1/packages/sandbox",
        &Credential::Anonymous,
        None,
    )
    .await;
    assert_eq!(back.status, 200);
    assert!(back.json().get("takedown").is_none());
    let listing = call(
        app,
        "GET",
        "/store/v1/packages?q=sandbox",
        &Credential::Anonymous,
        None,
    )
    .await;
    assert_eq!(listing.json()["total"], 1);

    // One release: 451 for it alone, out of the list and never the latest; the team still sees it.
    let down = call(
        app,
        "PUT",
        "/store/v1/admin/packages/sandbox/releases/1.1.0/takedown",
        &moderator,
        Some(json!({"reason": "stolen assets", "legal": true})),
    )
    .await;
    assert_eq!(down.status, 200, "{}", down.body);
    let release = call(
        app,
        "GET",
        "/store/v1/packages/sandbox/releases/1.1.0",
        &user,
        None,
    )
    .await;
    assert_eq!(release.status, 451, "{}", release.body);
    assert!(release.body.contains("stolen assets"));
    let list = call(
        app,
        "GET",
        "/store/v1/packages/sandbox/releases",
        &user,
        None,
    )
    .await;
    assert!(!list.body.contains("\"1.1.0\""), "{}", list.body);
    let latest = call(
        app,
        "GET",
        "/store/v1/packages/sandbox/download",
        &Credential::Anonymous,
        None,
    )
    .await;
    assert_eq!(latest.status, 200);
    assert_eq!(latest.body, String::from_utf8_lossy(&package("1.0.0")));
    let resource = call(
        app,
        "GET",
        "/store/v1/packages/sandbox",
        &Credential::Anonymous,
        None,
    )
    .await;
    assert_eq!(resource.json()["latest_version"], "1.0.0");
    let team = call(
        app,
        "GET",
        "/store/v1/packages/sandbox/releases/1.1.0",
        &owner,
        None,
    )
    .await;
    assert_eq!(team.status, 200);
    assert_eq!(team.json()["takedown"]["kind"], "legal");
    let shown = page(app, "/packages/sandbox/releases/1.1.0").await;
    assert_eq!(shown.status, 451);
    assert!(shown.body.contains("stolen assets"));
    // Restoring what is not taken down changes nothing and logs nothing.
    let before = call(app, "GET", "/store/v1/admin/log", &moderator, None)
        .await
        .json();
    let again = call(
        app,
        "DELETE",
        "/store/v1/admin/packages/sandbox/takedown",
        &moderator,
        None,
    )
    .await;
    assert_eq!(again.status, 204);
    let after = call(app, "GET", "/store/v1/admin/log", &moderator, None)
        .await
        .json();
    assert_eq!(before, after);
    let missing = call(
        app,
        "PUT",
        "/store/v1/admin/packages/sandbox/releases/9.9.9/takedown",
        &moderator,
        Some(json!({"reason": "x"})),
    )
    .await;
    assert_eq!(missing.status, 404);
}

async fn yanked_releases_are_never_the_latest(app: &TestApp) {
    let (people, all) = world(app).await;
    let owner = Credential::Token(all);
    let member = Credential::Token(people[1].token.clone());
    // Yanking the newest: the channel download and the resource's latest go back to 1.0.0.
    let yanked = call(
        app,
        "PUT",
        "/store/v1/packages/sandbox/releases/1.1.0/yank",
        &owner,
        Some(json!({"reason": "crashes on start"})),
    )
    .await;
    assert_eq!(yanked.status, 200, "{}", yanked.body);
    assert_eq!(yanked.json()["yanked"]["reason"], "crashes on start");
    let latest = call(
        app,
        "GET",
        "/store/v1/packages/sandbox/download?channel=stable",
        &Credential::Anonymous,
        None,
    )
    .await;
    assert_eq!(latest.status, 200);
    assert_eq!(latest.body, String::from_utf8_lossy(&package("1.0.0")));
    let resource = call(
        app,
        "GET",
        "/store/v1/packages/sandbox",
        &Credential::Anonymous,
        None,
    )
    .await;
    assert_eq!(resource.json()["latest_version"], "1.0.0");
    // Still there, marked, and downloadable by its exact version (lock files keep working).
    let exact = call(
        app,
        "GET",
        "/store/v1/packages/sandbox/releases/1.1.0/download",
        &Credential::Anonymous,
        None,
    )
    .await;
    assert_eq!(exact.status, 200);
    assert_eq!(exact.body, String::from_utf8_lossy(&package("1.1.0")));
    let listed = call(
        app,
        "GET",
        "/store/v1/packages/sandbox/releases",
        &Credential::Anonymous,
        None,
    )
    .await;
    let listed = listed.json();
    let newest = &listed.as_array().unwrap()[0];
    assert_eq!(newest["version"], "1.1.0");
    assert!(newest["yanked"]["yanked_at"].as_i64().is_some());
    // The page marks it.
    let page = app.get("/packages/sandbox/releases/1.1.0", None).await;
    assert!(
        page.body.contains("data-testid=\"yanked\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("crashes on start"));
    // Only a published release can be yanked, and only by the team's developers (or staff).
    let draft = call(
        app,
        "PUT",
        "/store/v1/packages/sandbox/releases/2.0.0/yank",
        &owner,
        Some(json!({})),
    )
    .await;
    assert_eq!(draft.status, 409);
    assert_eq!(code(&draft), "release-not-published");
    let refused = call(
        app,
        "PUT",
        "/store/v1/packages/sandbox/releases/1.0.0/yank",
        &member,
        Some(json!({})),
    )
    .await;
    assert_eq!(refused.status, 403);
    // Every release yanked: no latest at all.
    let both = call(
        app,
        "PUT",
        "/store/v1/packages/sandbox/releases/1.0.0/yank",
        &owner,
        Some(json!({})),
    )
    .await;
    assert_eq!(both.status, 200);
    let none = call(
        app,
        "GET",
        "/store/v1/packages/sandbox/download",
        &Credential::Anonymous,
        None,
    )
    .await;
    assert_eq!(none.status, 404);
    // A yank by the staff is theirs to take back.
    let moderator = Credential::Token(people[3].token.clone());
    let by_staff = call(
        app,
        "PUT",
        "/store/v1/packages/sandbox/releases/1.0.0/yank",
        &moderator,
        Some(json!({"reason": "ships a miner"})),
    )
    .await;
    assert_eq!(by_staff.status, 200, "{}", by_staff.body);
    let undone = call(
        app,
        "DELETE",
        "/store/v1/packages/sandbox/releases/1.0.0/yank",
        &owner,
        None,
    )
    .await;
    assert_eq!(undone.status, 403, "{}", undone.body);
    let undone = call(
        app,
        "DELETE",
        "/store/v1/packages/sandbox/releases/1.0.0/yank",
        &moderator,
        None,
    )
    .await;
    assert_eq!(undone.status, 200, "{}", undone.body);
    // Taking the yank back makes 1.1.0 the latest again.
    let back = call(
        app,
        "DELETE",
        "/store/v1/packages/sandbox/releases/1.1.0/yank",
        &owner,
        None,
    )
    .await;
    assert_eq!(back.status, 200, "{}", back.body);
    assert!(back.json().get("yanked").is_none());
    let latest = call(
        app,
        "GET",
        "/store/v1/packages/sandbox/download",
        &Credential::Anonymous,
        None,
    )
    .await;
    assert_eq!(latest.body, String::from_utf8_lossy(&package("1.1.0")));
}

async fn suspended_accounts_lose_their_sessions_and_tokens(app: &TestApp) {
    let (people, _) = world(app).await;
    let moderator = Credential::Token(people[3].token.clone());
    let admin = Credential::Token(people[4].token.clone());
    let victim = sqlx::query_as::<_, nanos_store::accounts::service::User>(
        "SELECT id, username, display_name, created_at FROM users WHERE username = 'victim'",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    let token = Credential::Token(app.create_token(&victim, &Scope::ALL, None).await);
    let session = Credential::Session(app.log_in("victim").await);
    for who in [&token, &session] {
        assert_eq!(
            call(app, "GET", "/store/v1/user/me", who, None)
                .await
                .status,
            200
        );
    }
    let until = db::now() + 7 * 86_400;
    let suspended = call(
        app,
        "PUT",
        "/store/v1/admin/users/victim/suspension",
        &moderator,
        Some(json!({"reason": "spam in every changelog", "ends_at": until})),
    )
    .await;
    assert_eq!(suspended.status, 200, "{}", suspended.body);
    let refused = call(app, "GET", "/store/v1/user/me", &token, None).await;
    assert_eq!(refused.status, 401);
    assert_eq!(code(&refused), "account-suspended");
    let message = refused.json()["message"].as_str().unwrap().to_string();
    assert!(message.contains("spam in every changelog"), "{message}");
    assert!(
        message.contains(&nanos_store::dates::format_date(until)),
        "{message}"
    );
    // The session ended: the cookie is anonymous now.
    let ended = call(app, "GET", "/store/v1/user/me", &session, None).await;
    assert_eq!(ended.status, 401);
    assert_eq!(code(&ended), "missing-credentials");
    // Logging in is refused, with why and until when (the password is right).
    let login = app
        .call(
            "/api/accounts/login",
            &[
                ("username", "victim"),
                ("password", "correct horse battery"),
            ],
            None,
        )
        .await;
    assert_eq!(login.status, 401, "{}", login.body);
    assert!(
        login.body.contains("account-suspended") && login.body.contains("spam in every changelog")
    );
    assert!(login.session_cookie().is_none());
    // A wrong password says nothing about the suspension.
    let wrong = app
        .call(
            "/api/accounts/login",
            &[("username", "victim"), ("password", "not the password")],
            None,
        )
        .await;
    assert!(!wrong.body.contains("suspended"), "{}", wrong.body);

    // Who may suspend whom.
    let body = Some(json!({"reason": "test"}));
    let moderator_on_admin = call(
        app,
        "PUT",
        "/store/v1/admin/users/admin/suspension",
        &moderator,
        body.clone(),
    )
    .await;
    assert_eq!(moderator_on_admin.status, 403);
    let moderator_on_moderator = call(
        app,
        "PUT",
        "/store/v1/admin/users/moderator/suspension",
        &moderator,
        body.clone(),
    )
    .await;
    assert_eq!(moderator_on_moderator.status, 403);
    let lift_moderator = call(
        app,
        "DELETE",
        "/store/v1/admin/users/moderator/suspension",
        &moderator,
        None,
    )
    .await;
    assert_eq!(lift_moderator.status, 403);
    let own_role = call(
        app,
        "PUT",
        "/store/v1/admin/users/admin/role",
        &admin,
        Some(json!({"role": "moderator"})),
    )
    .await;
    assert_eq!(own_role.status, 403);
    let past = call(
        app,
        "PUT",
        "/store/v1/admin/users/user/suspension",
        &moderator,
        Some(json!({"reason": "test", "ends_at": db::now() - 1})),
    )
    .await;
    assert_eq!(past.status, 422);
    assert_eq!(code(&past), "invalid-expiry");

    // Lifted: the token works again and logging in does too.
    let lifted = call(
        app,
        "DELETE",
        "/store/v1/admin/users/victim/suspension",
        &admin,
        None,
    )
    .await;
    assert_eq!(lifted.status, 204, "{}", lifted.body);
    assert_eq!(
        call(app, "GET", "/store/v1/user/me", &token, None)
            .await
            .status,
        200
    );
    let again = app
        .call(
            "/api/accounts/login",
            &[
                ("username", "victim"),
                ("password", "correct horse battery"),
            ],
            None,
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.body);

    // A suspension that has ended lets the account in without anyone lifting it.
    sqlx::query("INSERT INTO suspensions (user_id, reason, ends_at, suspended_by, created_at) VALUES ($1, 'over', $2, 'x', 0)")
        .bind(&victim.id)
        .bind(db::now() - 1)
        .execute(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(
        call(app, "GET", "/store/v1/user/me", &token, None)
            .await
            .status,
        200
    );
}

async fn reports_reach_the_staff_and_the_outcome_the_reporter(app: &TestApp) {
    let (people, _) = world(app).await;
    let user = Credential::Token(people[0].token.clone());
    let moderator = Credential::Token(people[3].token.clone());
    let owner = Credential::Token(people[2].token.clone());
    let report = |body: Value| {
        call(
            app,
            "POST",
            "/store/v1/packages/sandbox/reports",
            &user,
            Some(body),
        )
    };
    // What the store refuses, each with its field.
    for (body, status, error) in [
        (json!({"reason": "boring"}), 422, "invalid-report-reason"),
        (json!({"reason": "other"}), 422, "invalid-details"),
        (
            json!({"reason": "spam", "details": "x".repeat(5_001)}),
            422,
            "invalid-details",
        ),
        (
            json!({"reason": "broken", "version": "9.9.9"}),
            404,
            "not-found",
        ),
        (
            json!({"reason": "broken", "version": "2.0.0"}),
            404,
            "not-found",
        ),
    ] {
        let refused = report(body.clone()).await;
        assert_eq!(refused.status, status, "{body}: {}", refused.body);
        assert_eq!(code(&refused), error, "{body}");
    }
    let filed =
        report(json!({"reason": "malware", "version": "1.0.0", "details": "  mines coins  "}))
            .await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    let filed = filed.json();
    assert_eq!(filed["status"], "open");
    assert_eq!(filed["details"], "mines coins");
    assert_eq!(filed["reporter"], "user");
    let id = filed["id"].as_str().unwrap().to_string();

    // The queue, filtered.
    let queue = call(
        app,
        "GET",
        "/store/v1/admin/reports?status=open&reason=malware",
        &moderator,
        None,
    )
    .await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    assert_eq!(queue.json().as_array().unwrap().len(), 1);
    let none = call(
        app,
        "GET",
        "/store/v1/admin/reports?reason=spam",
        &moderator,
        None,
    )
    .await;
    assert_eq!(none.json().as_array().unwrap().len(), 0);
    let bad = call(
        app,
        "GET",
        "/store/v1/admin/reports?status=closed",
        &moderator,
        None,
    )
    .await;
    assert_eq!(bad.status, 422);

    // Assigned, then resolved with a note the reporter reads.
    let path = format!("/store/v1/admin/reports/{id}");
    let not_staff = call(
        app,
        "PATCH",
        &path,
        &moderator,
        Some(json!({"assignee": "user"})),
    )
    .await;
    assert_eq!(not_staff.status, 422);
    assert_eq!(code(&not_staff), "unknown-user");
    let assigned = call(
        app,
        "PATCH",
        &path,
        &moderator,
        Some(json!({"assignee": "me"})),
    )
    .await;
    assert_eq!(assigned.json()["assignee"], "moderator");
    let mine = call(
        app,
        "GET",
        "/store/v1/admin/reports?assignee=me",
        &moderator,
        None,
    )
    .await;
    assert_eq!(mine.json().as_array().unwrap().len(), 1);
    let bare = call(
        app,
        "PATCH",
        &path,
        &moderator,
        Some(json!({"status": "acted-on"})),
    )
    .await;
    assert_eq!(bare.status, 422, "{}", bare.body);
    assert_eq!(code(&bare), "invalid-reason");
    let resolved = call(
        app,
        "PATCH",
        &path,
        &moderator,
        Some(json!({"status": "acted-on", "note": "Taken down; thank you."})),
    )
    .await;
    assert_eq!(resolved.status, 200, "{}", resolved.body);
    assert!(resolved.json()["resolved_at"].as_i64().is_some());
    let outcome = call(app, "GET", "/store/v1/user/reports", &user, None).await;
    let outcome = outcome.json();
    assert_eq!(outcome[0]["status"], "acted-on");
    assert_eq!(outcome[0]["resolution_note"], "Taken down; thank you.");
    // Others do not see it among theirs; the team sees the outcome in its moderation entries.
    let others = call(app, "GET", "/store/v1/user/reports", &owner, None).await;
    assert_eq!(others.json().as_array().unwrap().len(), 0);
    let team = call(
        app,
        "GET",
        "/store/v1/teams/studio/moderation",
        &owner,
        None,
    )
    .await;
    assert!(
        team.json()
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "act-on-report"
                && e["subject"] == "packages/sandbox 1.0.0"
                && e["reason"] == "Taken down; thank you."),
        "{}",
        team.body
    );
    // Reopened: open again, without its note.
    let reopened = call(
        app,
        "PATCH",
        &path,
        &moderator,
        Some(json!({"status": "open"})),
    )
    .await;
    assert_eq!(reopened.json()["status"], "open");
    assert!(reopened.json()["resolution_note"].is_null());

    // A few reports an hour: the one after the limit is 429 with when to try again.
    for _ in 1..nanos_store::moderation::reports::REPORTS_PER_HOUR {
        let filed = report(json!({"reason": "spam", "details": "again"})).await;
        assert_eq!(filed.status, 201, "{}", filed.body);
    }
    let limited = report(json!({"reason": "spam", "details": "again"})).await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert!(limited.headers.get(header::RETRY_AFTER).is_some());
}

async fn reviews_hold_releases_until_the_staff_approve(app: &TestApp) {
    let (people, all) = world(app).await;
    let store = app.with_settings(|s| s.review_policy = ReviewPolicy::AllReleases);
    let send = |method: &str, path: &str, who: &Credential, body: Option<Value>| {
        send_from(&store, LOCAL, request(method, path, who, body))
    };
    let owner = Credential::Token(all.clone());
    let moderator = Credential::Token(people[3].token.clone());
    // Publishing at upload puts the release in review: a draft, said so in the answer.
    let uploaded = send_from(
        &store,
        LOCAL,
        upload_request(
            "packages",
            "sandbox",
            &all,
            &package("3.0.0"),
            &[("publish", "true")],
        ),
    )
    .await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    assert_eq!(uploaded.json()["state"], "draft");
    assert_eq!(uploaded.json()["review"]["state"], "pending");
    let path = "/store/v1/packages/sandbox/releases/3.0.0";
    assert_eq!(
        send("GET", path, &Credential::Anonymous, None).await.status,
        404
    );
    assert_eq!(send("GET", path, &owner, None).await.status, 200);
    let queue = send("GET", "/store/v1/admin/reviews", &moderator, None).await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    assert_eq!(queue.json()[0]["version"], "3.0.0");
    assert_eq!(queue.json()[0]["team"], "studio");
    // Publishing it again changes nothing; the draft 2.0.0 goes into review the same way.
    let again = send("POST", &format!("{path}/publish"), &owner, None).await;
    assert_eq!(again.json()["review"]["state"], "pending");
    let draft = send(
        "POST",
        "/store/v1/packages/sandbox/releases/2.0.0/publish",
        &owner,
        None,
    )
    .await;
    assert_eq!(draft.json()["state"], "draft");
    assert_eq!(draft.json()["review"]["state"], "pending");

    // Declined: a reason is required, and the team reads it.
    let decide = "/store/v1/admin/packages/sandbox/releases/3.0.0/review";
    let bare = send("PUT", decide, &moderator, Some(json!({"approve": false}))).await;
    assert_eq!(bare.status, 422);
    let declined = send(
        "PUT",
        decide,
        &moderator,
        Some(json!({"approve": false, "reason": "Bundles a crypto miner. <script>alert(1)</script>"})),
    )
    .await;
    assert_eq!(declined.status, 200, "{}", declined.body);
    let seen = send("GET", path, &owner, None).await.json();
    assert_eq!(seen["review"]["state"], "declined");
    assert_eq!(
        seen["review"]["reason"],
        "Bundles a crypto miner. <script>alert(1)</script>"
    );
    // The team reads the reason on its pages, as text.
    for page in ["/packages/sandbox", "/packages/sandbox/releases/3.0.0"] {
        let shown = send_from(
            &store,
            LOCAL,
            request(
                "GET",
                page,
                &Credential::Session(people[2].session.clone()),
                None,
            ),
        )
        .await;
        assert_eq!(shown.status, 200, "{page}");
        assert!(
            shown
                .body
                .contains("Bundles a crypto miner. &lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
                || shown
                    .body
                    .contains("Bundles a crypto miner. &lt;script&gt;alert(1)&lt;/script&gt;"),
            "{page}: the reason is shown as text"
        );
        assert!(
            !shown.body.contains("<script>alert(1)"),
            "{page}: live markup"
        );
    }
    assert_eq!(
        send("GET", path, &Credential::Anonymous, None).await.status,
        404
    );
    let twice = send("PUT", decide, &moderator, Some(json!({"approve": true}))).await;
    assert_eq!(twice.status, 409);
    assert_eq!(code(&twice), "not-in-review");
    // The team publishes again: in review again, then approved and public.
    send("POST", &format!("{path}/publish"), &owner, None).await;
    let approved = send("PUT", decide, &moderator, Some(json!({"approve": true}))).await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    assert_eq!(approved.json()["state"], "published");
    assert!(approved.json().get("review").is_none());
    assert_eq!(
        send("GET", path, &Credential::Anonymous, None).await.status,
        200
    );
    let latest = send(
        "GET",
        "/store/v1/packages/sandbox",
        &Credential::Anonymous,
        None,
    )
    .await;
    assert_eq!(latest.json()["latest_version"], "3.0.0");
    // Only staff decide; the team sees the decisions in its moderation entries.
    let by_owner = send(
        "PUT",
        "/store/v1/admin/packages/sandbox/releases/2.0.0/review",
        &owner,
        Some(json!({"approve": true})),
    )
    .await;
    assert_eq!(by_owner.status, 403);
    let entries = send("GET", "/store/v1/teams/studio/moderation", &owner, None)
        .await
        .json();
    let actions: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"approve-release") && actions.contains(&"decline-release"),
        "{actions:?}"
    );

    // Under new-resources, only a resource's first release waits.
    let store = app.with_settings(|s| s.review_policy = ReviewPolicy::NewResources);
    let later = send_from(
        &store,
        LOCAL,
        upload_request(
            "packages",
            "sandbox",
            &all,
            &package("4.0.0"),
            &[("publish", "true")],
        ),
    )
    .await;
    assert_eq!(later.json()["state"], "published", "{}", later.body);
    let resource = json!({"team": "studio", "title": "Fresh", "category": "game-mode"}).to_string();
    let first = send_from(
        &store,
        LOCAL,
        upload_request(
            "packages",
            "fresh",
            &all,
            &package("1.0.0"),
            &[("resource", &resource), ("publish", "true")],
        ),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.json()["review"]["state"], "pending");
}

async fn profiles_show_site_roles(app: &TestApp) {
    world(app).await;
    let page = app.get("/u/moderator", None).await;
    assert!(page.body.contains("store moderator"), "{}", page.body);
    let page = app.get("/u/user", None).await;
    assert!(!page.body.contains("data-testid=\"site-role\""));
}

/// The staff's pages and forms (`/admin`, `/admin/log`, the panels of the resource and profile
/// pages, the report form), through their server functions with sessions: what each person may
/// do, and what the pages then show.
async fn the_staff_act_from_the_pages(app: &TestApp) {
    let (people, _) = world(app).await;
    let (user, owner, moderator, admin) = (
        people[0].session.as_str(),
        people[2].session.as_str(),
        people[3].session.as_str(),
        people[4].session.as_str(),
    );
    // /admin is for the staff only.
    let refused = app.get("/admin", Some(user)).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("Only the store&#x27;s moderators and admins")
            || refused
                .body
                .contains("Only the store's moderators and admins"),
        "{}",
        refused.body
    );
    assert!(!refused.body.contains("data-testid=\"report-queue\""));
    for path in ["/api/moderation/overview", "/api/moderation/log"] {
        let denied = app.call(path, &[], Some(user)).await;
        assert_eq!(denied.status, 403, "{path}: {}", denied.body);
    }
    let header = app.get("/", Some(user)).await;
    assert!(!header.body.contains("data-testid=\"admin-link\""));
    let header = app.get("/", Some(moderator)).await;
    assert!(header.body.contains("data-testid=\"admin-link\""));

    // A user reports a release from its page's form; a bad reason is refused with its field.
    let bad = app
        .call(
            "/api/moderation/report",
            &[
                ("kind", "packages"),
                ("name", "sandbox"),
                ("reason", "boring"),
            ],
            Some(user),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("invalid-report-reason"), "{}", bad.body);
    let anonymous = app
        .call(
            "/api/moderation/report",
            &[
                ("kind", "packages"),
                ("name", "sandbox"),
                ("reason", "spam"),
            ],
            None,
        )
        .await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    let filed = app
        .call(
            "/api/moderation/report",
            &[
                ("kind", "packages"),
                ("name", "sandbox"),
                ("version", "1.1.0"),
                ("reason", "malware"),
                ("details", "mines coins"),
            ],
            Some(user),
        )
        .await;
    assert_eq!(filed.status, 200, "{}", filed.body);
    let id = filed.json()["id"].as_str().unwrap().to_string();
    let release_page = app
        .get("/packages/sandbox/releases/1.1.0", Some(user))
        .await;
    assert!(release_page.body.contains("Report this"));
    assert!(!release_page.body.contains("data-testid=\"staff-panel\""));
    let signed_out = app.get("/packages/sandbox/releases/1.1.0", None).await;
    assert!(signed_out.body.contains("Log in to report this"));

    // The moderator's /admin: the report (filtered), recent uploads, and a search.
    let queue = app
        .get("/admin?status=open&reason=malware", Some(moderator))
        .await;
    assert_eq!(queue.status, 200);
    assert!(queue.body.contains("mines coins"), "{}", queue.body);
    assert!(
        queue.body.contains("sandbox 2.0.0"),
        "recent uploads: {}",
        queue.body
    );
    let other = app.get("/admin?reason=spam", Some(moderator)).await;
    assert!(!other.body.contains("mines coins"));
    let found = app.get("/admin?q=sand", Some(moderator)).await;
    assert!(found.body.contains("data-testid=\"admin-found\""));
    assert!(
        found.body.contains("href=\"/packages/sandbox\""),
        "{}",
        found.body
    );
    // LIKE's wildcards are matched as themselves.
    let wildcard = app.get("/admin?q=%25", Some(moderator)).await;
    assert!(!wildcard.body.contains("href=\"/packages/sandbox\""));

    // Assign, then resolve with a note the reporter reads.
    let taken = app
        .call(
            "/api/moderation/change-report",
            &[("id", &id), ("take", "yes")],
            Some(moderator),
        )
        .await;
    assert_eq!(taken.status, 200, "{}", taken.body);
    assert_eq!(taken.json()["assignee"], "moderator");
    let unnoted = app
        .call(
            "/api/moderation/change-report",
            &[("id", &id), ("status", "acted-on"), ("note", "")],
            Some(moderator),
        )
        .await;
    assert_eq!(unnoted.status, 422, "{}", unnoted.body);
    let resolved = app
        .call(
            "/api/moderation/change-report",
            &[
                ("id", &id),
                ("status", "acted-on"),
                ("note", "Removed the miner"),
            ],
            Some(moderator),
        )
        .await;
    assert_eq!(resolved.status, 200, "{}", resolved.body);
    let mine = app.get("/settings", Some(user)).await;
    assert!(mine.body.contains("Removed the miner"), "{}", mine.body);

    // Takedown from the resource page's panel: refused to the owner, done by the moderator.
    let resource_page = app.get("/packages/sandbox", Some(moderator)).await;
    assert!(resource_page.body.contains("data-testid=\"staff-panel\""));
    let form = [
        ("kind", "packages"),
        ("name", "sandbox"),
        ("reason", "Mines coins"),
    ];
    let by_owner = app
        .call("/api/moderation/take-down", &form, Some(owner))
        .await;
    assert_eq!(by_owner.status, 403, "{}", by_owner.body);
    let no_reason = app
        .call(
            "/api/moderation/take-down",
            &[("kind", "packages"), ("name", "sandbox"), ("reason", " ")],
            Some(moderator),
        )
        .await;
    assert_eq!(no_reason.status, 422, "{}", no_reason.body);
    let done = app
        .call("/api/moderation/take-down", &form, Some(moderator))
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    // Browsers would keep a 410 for good (Chromium does), and never see the restore.
    let gone = page(app, "/packages/sandbox").await;
    let api = call(
        app,
        "GET",
        "/store/v1/packages/sandbox",
        &Credential::Anonymous,
        None,
    )
    .await;
    for response in [&gone, &api] {
        assert_eq!(response.status, 410);
        assert_eq!(response.headers[header::CACHE_CONTROL], "no-store");
    }
    let owners = app.get("/packages/sandbox", Some(owner)).await;
    assert!(owners.body.contains("Mines coins"));
    // The team's page shows what the staff did to the team's members and the staff only.
    for (who, cookie, sees) in [
        ("the owner", Some(owner), true),
        ("a member", Some(people[1].session.as_str()), true),
        ("the moderator", Some(moderator), true),
        ("a user", Some(user), false),
        ("a visitor", None, false),
    ] {
        let team = app.get("/teams/studio", cookie).await;
        assert_eq!(team.status, 200, "{who}");
        assert_eq!(
            team.body.contains("data-testid=\"team-moderation\"")
                && team.body.contains("Mines coins"),
            sees,
            "{who}: {}",
            team.body
        );
    }
    let found = app.get("/admin?q=sandbox", Some(moderator)).await;
    assert!(found.body.contains("taken down"), "{}", found.body);
    let log = app.get("/admin/log", Some(moderator)).await;
    assert!(log.body.contains("Mines coins") && log.body.contains("takedown"));
    let restored = app
        .call(
            "/api/moderation/restore",
            &[
                ("kind", "packages"),
                ("name", "sandbox"),
                ("reason", "fixed"),
            ],
            Some(moderator),
        )
        .await;
    assert_eq!(restored.status, 200, "{}", restored.body);
    assert_eq!(page_status(app, "/packages/sandbox").await, 200);

    // One release, then restored.
    let release = [
        ("kind", "packages"),
        ("name", "sandbox"),
        ("version", "1.1.0"),
        ("reason", "Broken build"),
        ("legal", "yes"),
    ];
    let done = app
        .call("/api/moderation/take-down", &release, Some(moderator))
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(
        page_status(app, "/packages/sandbox/releases/1.1.0").await,
        451
    );
    app.call(
        "/api/moderation/restore",
        &[
            ("kind", "packages"),
            ("name", "sandbox"),
            ("version", "1.1.0"),
        ],
        Some(moderator),
    )
    .await;
    assert_eq!(
        page_status(app, "/packages/sandbox/releases/1.1.0").await,
        200
    );

    // Suspensions from the profile's panel, which only the staff see.
    let profile = app.get("/u/victim", Some(user)).await;
    assert!(!profile.body.contains("data-testid=\"staff-panel\""));
    let profile = app.get("/u/victim", Some(moderator)).await;
    assert!(profile.body.contains("data-testid=\"staff-panel\""));
    assert!(!profile.body.contains("Grant"), "moderators grant no roles");
    for days in ["0", "x", "100000"] {
        let refused = app
            .call(
                "/api/moderation/suspend",
                &[("username", "victim"), ("reason", "spam"), ("days", days)],
                Some(moderator),
            )
            .await;
        assert_eq!(refused.status, 422, "{days}: {}", refused.body);
        assert!(refused.body.contains("invalid-expiry"));
    }
    let suspended = app
        .call(
            "/api/moderation/suspend",
            &[
                ("username", "victim"),
                ("reason", "Spams every page"),
                ("days", "3"),
            ],
            Some(moderator),
        )
        .await;
    assert_eq!(suspended.status, 200, "{}", suspended.body);
    let profile = app.get("/u/victim", Some(moderator)).await;
    assert!(profile.body.contains("Suspended until") && profile.body.contains("Spams every page"));
    let lifted = app
        .call(
            "/api/moderation/lift-suspension",
            &[("username", "victim")],
            Some(moderator),
        )
        .await;
    assert_eq!(lifted.status, 200, "{}", lifted.body);
    let profile = app.get("/u/victim", Some(moderator)).await;
    assert!(!profile.body.contains("Suspended until"));

    // Site roles from the web: admins only.
    let by_moderator = app
        .call(
            "/api/moderation/grant-role",
            &[("username", "helper"), ("role", "moderator")],
            Some(moderator),
        )
        .await;
    assert_eq!(by_moderator.status, 403, "{}", by_moderator.body);
    let bad_role = app
        .call(
            "/api/moderation/grant-role",
            &[("username", "helper"), ("role", "king")],
            Some(admin),
        )
        .await;
    assert_eq!(bad_role.status, 422, "{}", bad_role.body);
    let granted = app
        .call(
            "/api/moderation/grant-role",
            &[("username", "helper"), ("role", "moderator")],
            Some(admin),
        )
        .await;
    assert_eq!(granted.status, 200, "{}", granted.body);
    assert!(app
        .get("/u/helper", None)
        .await
        .body
        .contains("store moderator"));
    let profile = app.get("/u/helper", Some(admin)).await;
    assert!(profile.body.contains("Revoke the role"));
    let revoked = app
        .call(
            "/api/moderation/revoke-role",
            &[("username", "helper")],
            Some(admin),
        )
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    assert!(!app
        .get("/u/helper", None)
        .await
        .body
        .contains("store moderator"));
}

/// The status a browser gets for `path`, signed out.
async fn page_status(app: &TestApp, path: &str) -> u16 {
    page(app, path).await.status.as_u16()
}

/// Bulk yanks and deletions of the release management page (API and the page's form), and
/// purges of what the staff took down (admins only).
async fn bulk_actions_and_purges(app: &TestApp) {
    let (people, all) = world(app).await;
    let owner = Credential::Token(all.clone());
    let member = Credential::Token(people[1].token.clone());
    for body in [
        json!({"action": "explode", "versions": ["1.0.0"]}),
        json!({"action": "yank", "versions": []}),
        json!({"action": "yank", "versions": vec!["1.0.0"; 101].iter().enumerate().map(|(i, _)| format!("1.0.{i}")).collect::<Vec<_>>()}),
    ] {
        let refused = bulk(app, &owner, body.clone()).await;
        assert_eq!(refused.status, 422, "{body}: {}", refused.body);
        assert_eq!(code(&refused), "invalid-bulk");
    }
    let by_member = bulk(
        app,
        &member,
        json!({"action": "yank", "versions": ["1.0.0"]}),
    )
    .await;
    assert_eq!(by_member.status, 403, "{}", by_member.body);
    // Each release as its own request would be: the others go on.
    let yanked = bulk(
        app,
        &owner,
        json!({"action": "yank", "versions": ["1.0.0", "2.0.0", "9.9.9", "1.0.0"], "reason": "broken"}),
    )
    .await;
    assert_eq!(yanked.status, 200, "{}", yanked.body);
    let outcomes: Vec<(String, String)> = yanked
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["version"].as_str().unwrap().to_string(),
                o["error"]["error"].as_str().unwrap_or("done").to_string(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("1.0.0".to_string(), "done".to_string()),
            ("2.0.0".to_string(), "release-not-published".to_string()),
            ("9.9.9".to_string(), "not-found".to_string()),
        ]
    );
    let release = call(
        app,
        "GET",
        "/store/v1/packages/sandbox/releases/1.0.0",
        &Credential::Anonymous,
        None,
    )
    .await;
    assert_eq!(
        release.json()["yanked"]["reason"],
        "broken",
        "{}",
        release.body
    );

    // The page's form: ticked boxes arrive as `versions[i]`, some left out.
    let form = app
        .call(
            "/api/resources/bulk-releases",
            &[
                ("kind", "packages"),
                ("name", "sandbox"),
                ("action", "unyank"),
                ("versions[0]", "1.0.0"),
                ("versions[2]", "1.1.0"),
            ],
            Some(&people[2].session),
        )
        .await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert_eq!(
        form.json().as_array().map(Vec::len),
        Some(2),
        "{}",
        form.body
    );
    // One release refused (a draft cannot be yanked): the answer is still every outcome.
    let mixed = app
        .call(
            "/api/resources/bulk-releases",
            &[
                ("kind", "packages"),
                ("name", "sandbox"),
                ("action", "yank"),
                ("versions[0]", "2.0.0"),
                ("versions[1]", "1.0.0"),
            ],
            Some(&people[2].session),
        )
        .await;
    assert_eq!(mixed.status, 200, "{}", mixed.body);
    let outcomes = mixed.json();
    assert_eq!(outcomes[0]["version"], "2.0.0", "in the order given");
    assert_eq!(outcomes[0]["error"]["error"], "release-not-published");
    assert!(outcomes[1]["error"].is_null(), "{}", mixed.body);
    let unyanked = bulk(
        app,
        &owner,
        json!({"action": "unyank", "versions": ["1.0.0"]}),
    )
    .await;
    assert_eq!(unyanked.status, 200, "{}", unyanked.body);
    let release = call(
        app,
        "GET",
        "/store/v1/packages/sandbox/releases/1.0.0",
        &Credential::Anonymous,
        None,
    )
    .await;
    assert!(release.json()["yanked"].is_null(), "{}", release.body);
    let deleted = bulk(
        app,
        &owner,
        json!({"action": "delete", "versions": ["2.0.0", "1.1.0"]}),
    )
    .await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert!(
        deleted.body.contains("release-published"),
        "{}",
        deleted.body
    );
    let draft = call(
        app,
        "GET",
        "/store/v1/packages/sandbox/releases/2.0.0",
        &owner,
        None,
    )
    .await;
    assert_eq!(draft.status, 404, "the draft is gone: {}", draft.body);

    // Purges: admins only, of what is taken down.
    let moderator = Credential::Token(people[3].token.clone());
    let admin = Credential::Token(people[4].token.clone());
    let release_path = "/store/v1/admin/packages/sandbox/releases/1.0.0/purge";
    let refused = purge(app, &moderator, release_path).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let refused = purge(app, &admin, release_path).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(code(&refused), "not-taken-down");
    let (sha256,): (String,) = sqlx::query_as(
        "SELECT l.sha256 FROM releases l JOIN resources r ON r.id = l.resource_id \
         WHERE r.name = 'sandbox' AND l.version = '1.0.0'",
    )
    .fetch_one(&app.state.pool)
    .await
    .expect("release");
    let down = call(
        app,
        "PUT",
        "/store/v1/admin/packages/sandbox/releases/1.0.0/takedown",
        &moderator,
        Some(json!({"reason": "malware"})),
    )
    .await;
    assert_eq!(down.status, 200, "{}", down.body);
    let purged = purge(app, &admin, release_path).await;
    assert_eq!(purged.status, 200, "{}", purged.body);
    assert_eq!(purged.json()["purged"], 1);
    let blobs: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM blobs WHERE sha256 = $1")
        .bind(&sha256)
        .fetch_one(&app.state.pool)
        .await
        .expect("count");
    assert_eq!(blobs.0, 0, "the file no other release shares is deleted");
    let gone = call(
        app,
        "GET",
        "/store/v1/packages/sandbox/releases/1.0.0",
        &owner,
        None,
    )
    .await;
    assert_eq!(gone.status, 404, "{}", gone.body);

    // The whole resource: it stays, taken down, with no release.
    let resource_path = "/store/v1/admin/packages/sandbox/purge";
    assert_eq!(purge(app, &admin, resource_path).await.status, 409);
    call(
        app,
        "PUT",
        "/store/v1/admin/packages/sandbox/takedown",
        &moderator,
        Some(json!({"reason": "malware", "legal": true})),
    )
    .await;
    let purged = purge(app, &admin, resource_path).await;
    assert_eq!(purged.status, 200, "{}", purged.body);
    assert_eq!(purged.json()["purged"], 1, "1.1.0 was left");
    assert_eq!(page(app, "/packages/sandbox").await.status, 451);
    let releases = call(
        app,
        "GET",
        "/store/v1/packages/sandbox/releases",
        &owner,
        None,
    )
    .await;
    assert_eq!(
        releases.json().as_array().map(Vec::len),
        Some(0),
        "{}",
        releases.body
    );
    let log = call(app, "GET", "/store/v1/admin/log", &admin, None).await;
    assert!(log.body.contains("\"purge\""), "{}", log.body);
}

/// A bulk action on `sandbox`'s releases.
async fn bulk(app: &TestApp, credential: &Credential, body: Value) -> TestResponse {
    let path = "/store/v1/packages/sandbox/releases/bulk";
    call(app, "POST", path, credential, Some(body)).await
}

/// A purge at `path`, for malware.
async fn purge(app: &TestApp, credential: &Credential, path: &str) -> TestResponse {
    let reason = json!({"reason": "malware"});
    call(app, "POST", path, credential, Some(reason)).await
}

on_both_databases!(
    every_staff_action_is_allowed_to_exactly_who_may,
    takedowns_hide_from_all_but_the_team_and_the_staff,
    yanked_releases_are_never_the_latest,
    suspended_accounts_lose_their_sessions_and_tokens,
    reports_reach_the_staff_and_the_outcome_the_reporter,
    reviews_hold_releases_until_the_staff_approve,
    profiles_show_site_roles,
    the_staff_act_from_the_pages,
    bulk_actions_and_purges,
);
