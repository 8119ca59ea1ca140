//! Issue #12: one access policy, held to a table. Every REST route under `/store/v1` is listed
//! here with what it needs (the table in `src/api/mod.rs`); the test first checks that the table
//! covers exactly the routes of the OpenAPI document, then asks each route as an anonymous
//! visitor, with a token lacking the scope, with a token restricted to another team, and with a
//! token that has the scope. Every server function that needs a session refuses an anonymous
//! call, and no code outside `src/access.rs` builds an `Actor` by hand.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{header, Request};
use nanos_store::access::Staff;
use nanos_store::db;
use nanos_store::moderation::service as moderation;
use nanos_store::moderation::SiteRole;
use nanos_store::tokens::Scope;
use serde_json::{json, Value};

use nanos_store::accounts::service::User;

use crate::common::{TestApp, TestResponse};
use crate::support::package;

/// What a route needs of its caller, as `src/api/mod.rs` tables it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Nothing: anyone gets the answer.
    Public,
    /// Any valid credential (`Authorized<ReadAccount>`).
    Account,
    /// Open to everyone; the `download` scope of a team member unlocks drafts and private
    /// releases (`MaybeAuthorized<Download>`).
    Download,
    /// `Authorized<Publish>`.
    Publish,
    /// `Authorized<Manage>`.
    Manage,
    /// `Authorized<Manage>` of the store's moderators and admins (`access::require_staff`).
    Staff,
    /// `Authorized<Manage>` of the store's admins.
    Admin,
}

impl Need {
    fn scope(self) -> Option<Scope> {
        match self {
            Need::Public | Need::Account => None,
            Need::Download => Some(Scope::Download),
            Need::Publish => Some(Scope::Publish),
            Need::Manage | Need::Staff | Need::Admin => Some(Scope::Manage),
        }
    }
}

/// How a route treats a token restricted to one team.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Team {
    /// The route acts in no team: a restriction does not matter.
    None,
    /// The route acts in the team `studio`: only a token restricted to it (or to no team) may.
    Studio,
    /// The route acts beyond teams (creating one): no restricted token may.
    Unrestricted,
}

/// One row of the table: the route as the OpenAPI document names it, what it needs, how it
/// treats team restrictions, and the request that asks it (path and JSON body).
struct Route {
    method: &'static str,
    route: &'static str,
    need: Need,
    team: Team,
    path: &'static str,
    body: Option<&'static str>,
}

const fn route(
    method: &'static str,
    route: &'static str,
    need: Need,
    team: Team,
    path: &'static str,
    body: Option<&'static str>,
) -> Route {
    Route {
        method,
        route,
        need,
        team,
        path,
        body,
    }
}

/// Every REST route. `sandbox` (team `studio`) has the public release 1.0.0, the published
/// private-channel release 1.1.0 and the draft 2.0.0; `member` is a member of `studio`.
#[rustfmt::skip]
const ROUTES: &[Route] = &[
    route("GET", "/store/v1/openapi.json", Need::Public, Team::None, "/store/v1/openapi.json", None),
    route("GET", "/store/v1/upload-limits", Need::Public, Team::None, "/store/v1/upload-limits", None),
    // The caller's account.
    route("GET", "/store/v1/user/me", Need::Account, Team::None, "/store/v1/user/me", None),
    route("GET", "/store/v1/user/teams", Need::Account, Team::None, "/store/v1/user/teams", None),
    route("GET", "/store/v1/user/invitations", Need::Account, Team::None, "/store/v1/user/invitations", None),
    route("POST", "/store/v1/user/invitations/{team}/accept", Need::Manage, Team::Studio, "/store/v1/user/invitations/studio/accept", None),
    route("POST", "/store/v1/user/invitations/{team}/decline", Need::Manage, Team::Studio, "/store/v1/user/invitations/studio/decline", None),
    // Teams.
    route("POST", "/store/v1/teams", Need::Manage, Team::Unrestricted, "/store/v1/teams", Some(r#"{"name": "newteam", "title": "New team"}"#)),
    route("GET", "/store/v1/teams/{name}", Need::Public, Team::None, "/store/v1/teams/studio", None),
    route("PATCH", "/store/v1/teams/{name}", Need::Manage, Team::Studio, "/store/v1/teams/studio", Some(r#"{"title": "Studio"}"#)),
    route("DELETE", "/store/v1/teams/{name}", Need::Manage, Team::Studio, "/store/v1/teams/studio", None),
    route("POST", "/store/v1/teams/{name}/members", Need::Manage, Team::Studio, "/store/v1/teams/studio/members", Some(r#"{"username": "outsider", "role": "member"}"#)),
    route("PATCH", "/store/v1/teams/{name}/members/{username}", Need::Manage, Team::Studio, "/store/v1/teams/studio/members/member", Some(r#"{"role": "developer"}"#)),
    route("DELETE", "/store/v1/teams/{name}/members/{username}", Need::Manage, Team::Studio, "/store/v1/teams/studio/members/member", None),
    route("GET", "/store/v1/teams/{name}/audit", Need::Manage, Team::Studio, "/store/v1/teams/studio/audit", None),
    route("GET", "/store/v1/teams/{name}/invitations", Need::Manage, Team::Studio, "/store/v1/teams/studio/invitations", None),
    route("DELETE", "/store/v1/teams/{name}/invitations/{username}", Need::Manage, Team::Studio, "/store/v1/teams/studio/invitations/outsider", None),
    // Resources.
    route("GET", "/store/v1/{kind}", Need::Public, Team::None, "/store/v1/packages", None),
    route("POST", "/store/v1/{kind}", Need::Manage, Team::Studio, "/store/v1/packages", Some(r#"{"name": "another", "team": "studio", "title": "Another", "category": "game-mode"}"#)),
    route("GET", "/store/v1/{kind}/{name}", Need::Public, Team::None, "/store/v1/packages/sandbox", None),
    route("PATCH", "/store/v1/{kind}/{name}", Need::Manage, Team::Studio, "/store/v1/packages/sandbox", Some(r#"{"title": "Sandbox"}"#)),
    route("DELETE", "/store/v1/{kind}/{name}", Need::Manage, Team::Studio, "/store/v1/packages/sandbox", None),
    // Releases and downloads.
    route("GET", "/store/v1/{kind}/{name}/releases", Need::Download, Team::Studio, "/store/v1/packages/sandbox/releases", None),
    route("POST", "/store/v1/{kind}/{name}/releases", Need::Publish, Team::Studio, "/store/v1/packages/sandbox/releases", None),
    route("GET", "/store/v1/{kind}/{name}/releases/{version}", Need::Download, Team::Studio, "/store/v1/packages/sandbox/releases/1.1.0", None),
    route("PATCH", "/store/v1/{kind}/{name}/releases/{version}", Need::Manage, Team::Studio, "/store/v1/packages/sandbox/releases/1.1.0", Some(r#"{"changelog": "Changed."}"#)),
    route("DELETE", "/store/v1/{kind}/{name}/releases/{version}", Need::Manage, Team::Studio, "/store/v1/packages/sandbox/releases/2.0.0", None),
    route("POST", "/store/v1/{kind}/{name}/releases/{version}/publish", Need::Manage, Team::Studio, "/store/v1/packages/sandbox/releases/2.0.0/publish", None),
    route("GET", "/store/v1/{kind}/{name}/releases/{version}/download", Need::Download, Team::Studio, "/store/v1/packages/sandbox/releases/1.1.0/download", None),
    route("GET", "/store/v1/{kind}/{name}/download", Need::Download, Team::Studio, "/store/v1/packages/sandbox/download?channel=private", None),
    route("GET", "/store/v1/{kind}/{name}/releases/{version}/files", Need::Download, Team::Studio, "/store/v1/packages/sandbox/releases/1.1.0/files", None),
    route("GET", "/store/v1/{kind}/{name}/releases/{version}/files/{path}", Need::Download, Team::Studio, "/store/v1/packages/sandbox/releases/1.1.0/files/Package.toml", None),
    route("GET", "/store/v1/{kind}/{name}/compare/{range}", Need::Download, Team::Studio, "/store/v1/packages/sandbox/compare/1.0.0...1.1.0", None),
    // Images.
    route("POST", "/store/v1/{kind}/{name}/icon", Need::Manage, Team::Studio, "/store/v1/packages/sandbox/icon", None),
    route("DELETE", "/store/v1/{kind}/{name}/icon", Need::Manage, Team::Studio, "/store/v1/packages/sandbox/icon", None),
    route("GET", "/store/v1/{kind}/{name}/screenshots", Need::Public, Team::None, "/store/v1/packages/sandbox/screenshots", None),
    route("POST", "/store/v1/{kind}/{name}/screenshots", Need::Manage, Team::Studio, "/store/v1/packages/sandbox/screenshots", None),
    route("DELETE", "/store/v1/{kind}/{name}/screenshots/{id}", Need::Manage, Team::Studio, "/store/v1/packages/sandbox/screenshots/no-such-id", None),
    // Yanks (the team's developers, or the staff).
    route("PUT", "/store/v1/{kind}/{name}/releases/{version}/yank", Need::Manage, Team::Studio, "/store/v1/packages/sandbox/releases/1.0.0/yank", Some(r#"{"reason": "broken"}"#)),
    route("DELETE", "/store/v1/{kind}/{name}/releases/{version}/yank", Need::Manage, Team::Studio, "/store/v1/packages/sandbox/releases/1.0.0/yank", None),
    // Moderation.
    route("GET", "/store/v1/teams/{name}/moderation", Need::Manage, Team::Studio, "/store/v1/teams/studio/moderation", None),
    route("GET", "/store/v1/admin/log", Need::Staff, Team::Unrestricted, "/store/v1/admin/log", None),
    route("POST", "/store/v1/{kind}/{name}/reports", Need::Account, Team::None, "/store/v1/packages/sandbox/reports", Some(r#"{"reason": "broken"}"#)),
    route("GET", "/store/v1/user/reports", Need::Account, Team::None, "/store/v1/user/reports", None),
    route("GET", "/store/v1/admin/reviews", Need::Staff, Team::Unrestricted, "/store/v1/admin/reviews", None),
    route("PUT", "/store/v1/admin/{kind}/{name}/releases/{version}/review", Need::Staff, Team::Unrestricted, "/store/v1/admin/packages/sandbox/releases/2.0.0/review", Some(r#"{"approve": false, "reason": "no"}"#)),
    route("GET", "/store/v1/admin/reports", Need::Staff, Team::Unrestricted, "/store/v1/admin/reports", None),
    route("PATCH", "/store/v1/admin/reports/{id}", Need::Staff, Team::Unrestricted, "/store/v1/admin/reports/no-such-report", Some(r#"{"status": "dismissed", "note": "n"}"#)),
    route("PUT", "/store/v1/admin/users/{username}/role", Need::Admin, Team::Unrestricted, "/store/v1/admin/users/member/role", Some(r#"{"role": "moderator"}"#)),
    route("DELETE", "/store/v1/admin/users/{username}/role", Need::Admin, Team::Unrestricted, "/store/v1/admin/users/member/role", None),
    route("PUT", "/store/v1/admin/users/{username}/suspension", Need::Staff, Team::Unrestricted, "/store/v1/admin/users/outsider/suspension", Some(r#"{"reason": "spam"}"#)),
    route("DELETE", "/store/v1/admin/users/{username}/suspension", Need::Staff, Team::Unrestricted, "/store/v1/admin/users/outsider/suspension", None),
    route("PUT", "/store/v1/admin/{kind}/{name}/takedown", Need::Staff, Team::Unrestricted, "/store/v1/admin/packages/sandbox/takedown", Some(r#"{"reason": "a test"}"#)),
    route("DELETE", "/store/v1/admin/{kind}/{name}/takedown", Need::Staff, Team::Unrestricted, "/store/v1/admin/packages/sandbox/takedown", None),
    route("PUT", "/store/v1/admin/{kind}/{name}/releases/{version}/takedown", Need::Staff, Team::Unrestricted, "/store/v1/admin/packages/sandbox/releases/1.0.0/takedown", Some(r#"{"reason": "a test"}"#)),
    route("DELETE", "/store/v1/admin/{kind}/{name}/releases/{version}/takedown", Need::Staff, Team::Unrestricted, "/store/v1/admin/packages/sandbox/releases/1.0.0/takedown", None),
    route("POST", "/store/v1/admin/{kind}/{name}/purge", Need::Admin, Team::Unrestricted, "/store/v1/admin/packages/sandbox/purge", Some("{}")),
    route("POST", "/store/v1/admin/{kind}/{name}/releases/{version}/purge", Need::Admin, Team::Unrestricted, "/store/v1/admin/packages/sandbox/releases/1.0.0/purge", Some("{}")),
    route("POST", "/store/v1/{kind}/{name}/releases/bulk", Need::Manage, Team::Studio, "/store/v1/packages/sandbox/releases/bulk", Some(r#"{"action": "unyank", "versions": ["1.0.0"]}"#)),
];

/// The route the OpenAPI document is served at; the document may or may not list itself.
const DOCUMENT: (&str, &str) = ("GET", "/store/v1/openapi.json");

async fn send(app: &TestApp, route: &Route, token: Option<&str>) -> TestResponse {
    let mut request = Request::builder().method(route.method).uri(route.path);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Token {token}"));
    }
    let body = match route.body {
        Some(json) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(json)
        }
        None => Body::empty(),
    };
    app.send(request.body(body).expect("request")).await
}

fn error_code(response: &TestResponse) -> String {
    serde_json::from_str::<Value>(&response.body)
        .ok()
        .and_then(|body| body["error"].as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Whether a `Download` route's answer shows the private release 1.1.0.
fn shows_private(response: &TestResponse) -> bool {
    let attachment = response
        .headers
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    response.status == 200 && (attachment.contains("1.1.0") || response.body.contains("\"1.1.0\""))
}

/// Uploads `version` of `sandbox` with the text parts `extra`.
async fn upload(app: &TestApp, token: &str, version: &str, extra: &[(&str, &str)]) {
    let zip = package(version, "Sandbox", "me");
    let response = app
        .upload_release("packages", "sandbox", token, &zip, extra)
        .await;
    assert_eq!(response.status, 201, "upload {version}: {}", response.body);
}

/// A token of `owner` with every scope but `scope`.
async fn lacking(app: &TestApp, owner: &User, scope: Scope) -> String {
    let others: Vec<Scope> = Scope::ALL.into_iter().filter(|s| *s != scope).collect();
    app.create_token(owner, &others, None).await
}

/// `owner` owns the teams `studio` and `elsewhere`; `member` is a member of `studio`; `sandbox`
/// (of `studio`) has releases 1.0.0 (public), 1.1.0 (published on the private channel) and 2.0.0
/// (a draft). Returns the owner.
async fn world(app: &TestApp) -> User {
    let owner = app.create_user("owner").await;
    let member = app.create_user("member").await;
    app.create_user("outsider").await;
    let all = app.create_token(&owner, &Scope::ALL, None).await;
    let auth = format!("Token {all}");
    for team in ["studio", "elsewhere"] {
        let created = app
            .api(
                "POST",
                "/store/v1/teams",
                Some(&auth),
                Some(json!({"name": team, "title": team})),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
    }
    let invited = app
        .api(
            "POST",
            "/store/v1/teams/studio/members",
            Some(&auth),
            Some(json!({"username": "member", "role": "member"})),
        )
        .await;
    assert_eq!(invited.status, 202, "{}", invited.body);
    let member_token = app.create_token(&member, &[Scope::Manage], None).await;
    let accepted = app
        .api(
            "POST",
            "/store/v1/user/invitations/studio/accept",
            Some(&format!("Token {member_token}")),
            None,
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let created = app
        .api(
            "POST",
            "/store/v1/packages",
            Some(&auth),
            Some(json!({"name": "sandbox", "team": "studio", "title": "Sandbox", "category": "game-mode"})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    upload(app, &all, "1.0.0", &[("publish", "true")]).await;
    upload(
        app,
        &all,
        "1.1.0",
        &[("publish", "true"), ("channel", "private")],
    )
    .await;
    upload(app, &all, "2.0.0", &[]).await;
    owner
}

/// The routes (method and path) the OpenAPI document lists.
async fn documented_routes(app: &TestApp) -> BTreeSet<(String, String)> {
    let document = app.api("GET", "/store/v1/openapi.json", None, None).await;
    assert_eq!(document.status, 200, "{}", document.body);
    let document = document.json();
    let paths = document["paths"]
        .as_object()
        .expect("paths in the OpenAPI document");
    paths
        .iter()
        .flat_map(|(path, item)| {
            let methods = item.as_object().expect("path item");
            methods
                .keys()
                .filter(|method| {
                    ["get", "post", "put", "patch", "delete", "head", "options"]
                        .contains(&method.as_str())
                })
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect()
}

async fn every_route_needs_what_the_table_says(app: &TestApp) {
    // The table covers exactly the documented routes.
    let documented = documented_routes(app).await;
    let tabled: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_string(), r.route.to_string()))
        .collect();
    assert_eq!(tabled.len(), ROUTES.len(), "a route is tabled twice");
    let document = (DOCUMENT.0.to_string(), DOCUMENT.1.to_string());
    let missing: Vec<_> = documented.difference(&tabled).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the access table: {missing:?}"
    );
    let undocumented: Vec<_> = tabled
        .difference(&documented)
        .filter(|r| **r != document)
        .collect();
    assert!(
        undocumented.is_empty(),
        "tabled routes the OpenAPI document lacks: {undocumented:?}"
    );

    let owner = world(app).await;
    // Every scope, restricted to the team `elsewhere` (the owner owns it too).
    let elsewhere = app
        .create_token(&owner, &Scope::ALL, Some("elsewhere"))
        .await;
    // What a member's download token restricted to `studio` sees.
    let download = app
        .create_token(&owner, &[Scope::Download], Some("studio"))
        .await;
    // One token per set of scopes and team, made once: a user holds at most 100 active tokens.
    let mut tokens: std::collections::HashMap<(String, Option<&str>), String> = Default::default();
    // Refusals and reads first: they change nothing.
    for route in ROUTES {
        let what = format!("{} {}", route.method, route.route);
        let anonymous = send(app, route, None).await;
        match route.need {
            Need::Public | Need::Download => {
                assert!(
                    anonymous.status != 401 && anonymous.status != 403,
                    "{what}: anonymous gets the public answer, not {}: {}",
                    anonymous.status,
                    anonymous.body
                );
                if route.need == Need::Download {
                    assert!(
                        !shows_private(&anonymous),
                        "{what}: anonymous sees a private release"
                    );
                }
            }
            Need::Account | Need::Publish | Need::Manage | Need::Staff | Need::Admin => {
                assert_eq!(
                    anonymous.status, 401,
                    "{what}: anonymous: {}",
                    anonymous.body
                );
            }
        }
        if let Some(scope) = route.need.scope() {
            let key = (format!("all but {}", scope.as_str()), None);
            let lacking = match tokens.get(&key) {
                Some(token) => token.clone(),
                None => lacking(app, &owner, scope).await,
            };
            tokens.insert(key, lacking.clone());
            let response = send(app, route, Some(&lacking)).await;
            refused_or_public(
                route,
                &response,
                "missing-scope",
                &format!("{what}: a token lacking {scope:?}"),
            );
        }
        if route.team != Team::None {
            let response = send(app, route, Some(&elsewhere)).await;
            refused_or_public(
                route,
                &response,
                "token-team-restricted",
                &format!("{what}: a token of another team"),
            );
        }
        if route.need == Need::Download {
            let response = send(app, route, Some(&download)).await;
            assert!(
                shows_private(&response),
                "{what}: a member's download token sees the private release: {}",
                response.body
            );
        }
    }
    // Then a token with just the scope (restricted to `studio` where the route acts in it) gets
    // past the policy. Deletions run last, the deepest first, so the resource and the team go at
    // the very end.
    let mut allowed: Vec<&Route> = ROUTES.iter().collect();
    allowed.sort_by_key(|r| {
        (
            r.method == "DELETE",
            std::cmp::Reverse(r.route.matches('/').count()),
        )
    });
    for route in allowed {
        let what = format!("{} {}", route.method, route.route);
        let scopes = vec![route.need.scope().unwrap_or(Scope::Download)];
        let team = (route.team == Team::Studio).then_some("studio");
        let key = (scopes[0].as_str().to_string(), team);
        let token = match tokens.get(&key) {
            Some(token) => token.clone(),
            None => app.create_token(&owner, &scopes, team).await,
        };
        tokens.insert(key, token.clone());
        // The staff's routes refuse a team owner, and let them through once they are staff.
        let staff = match route.need {
            Need::Staff => Some(SiteRole::Moderator),
            Need::Admin => Some(SiteRole::Admin),
            _ => None,
        };
        if let Some(role) = staff {
            let response = send(app, route, Some(&token)).await;
            assert_eq!(
                response.status, 403,
                "{what}: a team owner: {}",
                response.body
            );
            assert_eq!(error_code(&response), "forbidden", "{what}");
            if role == SiteRole::Admin {
                grant(app, "owner", SiteRole::Moderator).await;
                let response = send(app, route, Some(&token)).await;
                assert_eq!(
                    response.status, 403,
                    "{what}: a moderator: {}",
                    response.body
                );
            }
            grant(app, "owner", role).await;
        }
        let response = send(app, route, Some(&token)).await;
        assert!(
            response.status != 401 && response.status != 403,
            "{what}: a token with the scope gets past the policy, got {}: {}",
            response.status,
            response.body
        );
        if staff.is_some() {
            moderation::revoke(&app.state.pool, &Staff::operator(), "owner", db::now())
                .await
                .expect("revoke");
        }
    }
}

/// Gives `username` the site role `role`, as `nanos-store user grant` does.
async fn grant(app: &TestApp, username: &str, role: SiteRole) {
    moderation::grant(
        &app.state.pool,
        &Staff::operator(),
        username,
        role,
        db::now(),
    )
    .await
    .expect("grant");
}

/// The server functions that need a session, with a form that reaches them, and those open to
/// everyone. Together they are every registered server function.
#[rustfmt::skip]
const SESSION_FUNCTIONS: &[(&str, &[(&str, &str)])] = &[
    ("/api/accounts/display-name", &[("display_name", "Someone")]),
    ("/api/accounts/password", &[("current_password", "x"), ("new_password", "y")]),
    ("/api/accounts/deletion-plan", &[]),
    ("/api/accounts/delete", &[("confirm", "someone"), ("password", "x")]),
    ("/api/tokens/list", &[]),
    ("/api/tokens/create", &[("label", "ci"), ("expiry", "30"), ("publish", "on")]),
    ("/api/tokens/revoke", &[("id", "x")]),
    ("/api/teams/mine", &[]),
    ("/api/teams/create", &[("name", "guild"), ("title", "Guild")]),
    ("/api/teams/update", &[("team", "studio"), ("title", "Studio"), ("description", "")]),
    ("/api/teams/add-member", &[("team", "studio"), ("username", "member"), ("role", "member")]),
    ("/api/teams/invitations", &[("team", "studio")]),
    ("/api/teams/withdraw-invitation", &[("team", "studio"), ("username", "member")]),
    ("/api/teams/my-invitations", &[]),
    ("/api/teams/accept-invitation", &[("team", "studio")]),
    ("/api/teams/decline-invitation", &[("team", "studio")]),
    ("/api/teams/change-role", &[("team", "studio"), ("username", "member"), ("role", "admin")]),
    ("/api/teams/remove-member", &[("team", "studio"), ("username", "member")]),
    ("/api/teams/delete", &[("team", "studio"), ("confirm", "studio")]),
    ("/api/teams/audit", &[("team", "studio")]),
    ("/api/resources/remove-icon", &[("kind", "packages"), ("name", "sandbox")]),
    ("/api/resources/remove-screenshot", &[("kind", "packages"), ("name", "sandbox"), ("id", "x")]),
    ("/api/resources/move-screenshot", &[("kind", "packages"), ("name", "sandbox"), ("id", "x"), ("direction", "earlier")]),
    (
        "/api/resources/check-new",
        &[
            ("kind", "packages"),
            ("name", "racer"),
            ("details[team]", "studio"),
            ("details[title]", "Racer"),
            ("details[short_description]", ""),
            ("details[description]", ""),
            ("details[category]", "game-mode"),
        ],
    ),
    ("/api/resources/delete", &[("kind", "packages"), ("name", "sandbox"), ("confirm", "sandbox")]),
    ("/api/resources/update", &[("kind", "packages"), ("name", "sandbox"), ("title", "Sandbox"), ("category", "game-mode")]),
    ("/api/resources/update-release", &[("kind", "packages"), ("name", "sandbox"), ("version", "1.0.0"), ("changelog", ""), ("channel", "stable")]),
    ("/api/resources/publish", &[("kind", "packages"), ("name", "sandbox"), ("version", "2.0.0")]),
    ("/api/resources/delete-release", &[("kind", "packages"), ("name", "sandbox"), ("version", "2.0.0")]),
    ("/api/resources/bulk-releases", &[("kind", "packages"), ("name", "sandbox"), ("action", "yank"), ("versions[0]", "1.0.0")]),
    ("/api/moderation/overview", &[]),
    ("/api/moderation/log", &[]),
    ("/api/moderation/report", &[("kind", "packages"), ("name", "sandbox"), ("reason", "broken")]),
    ("/api/moderation/my-reports", &[]),
    ("/api/moderation/change-report", &[("id", "x"), ("take", "yes")]),
    ("/api/moderation/review", &[("kind", "packages"), ("name", "sandbox"), ("version", "2.0.0"), ("decision", "approve")]),
    ("/api/moderation/take-down", &[("kind", "packages"), ("name", "sandbox"), ("reason", "r")]),
    ("/api/moderation/restore", &[("kind", "packages"), ("name", "sandbox")]),
    ("/api/moderation/purge", &[("kind", "packages"), ("name", "sandbox")]),
    ("/api/moderation/suspend", &[("username", "member"), ("reason", "r")]),
    ("/api/moderation/lift-suspension", &[("username", "member")]),
    ("/api/moderation/grant-role", &[("username", "member"), ("role", "moderator")]),
    ("/api/moderation/revoke-role", &[("username", "member")]),
];

/// Server functions open to everyone (logging in, public pages, previews).
const PUBLIC_FUNCTIONS: &[&str] = &[
    "/api/accounts/register",
    "/api/accounts/login",
    "/api/accounts/logout",
    "/api/accounts/me",
    "/api/accounts/profile",
    "/api/teams/page",
    "/api/resources/browse",
    "/api/resources/page",
    "/api/resources/facets",
    "/api/resources/name-available",
    "/api/resources/preview",
    "/api/resources/version-exists",
    "/api/resources/upload-limits",
    // Release files and comparisons: what everyone sees; a release the caller may not see is 404.
    "/api/files/browse",
    "/api/files/compare",
    "/api/files/latest",
    // Answer `None` to everyone but the staff (and the team's members).
    "/api/moderation/standing",
    "/api/moderation/team-log",
    // Needs the session only when the new-token cookie is there; asked below with that cookie.
    "/api/tokens/take-new",
];

async fn server_functions_that_need_a_session_refuse_anonymous_calls(app: &TestApp) {
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .collect();
    let tabled: BTreeSet<String> = SESSION_FUNCTIONS
        .iter()
        .map(|(path, _)| path.to_string())
        .chain(PUBLIC_FUNCTIONS.iter().map(|path| path.to_string()))
        .collect();
    assert_eq!(
        tabled.len(),
        SESSION_FUNCTIONS.len() + PUBLIC_FUNCTIONS.len(),
        "a server function is tabled twice"
    );
    let missing: Vec<_> = registered.difference(&tabled).collect();
    assert!(
        missing.is_empty(),
        "server functions missing from the table: {missing:?}"
    );
    let gone: Vec<_> = tabled.difference(&registered).collect();
    assert!(
        gone.is_empty(),
        "tabled server functions that are not registered: {gone:?}"
    );

    world(app).await;
    for (path, form) in SESSION_FUNCTIONS {
        let response = app.call(path, form, None).await;
        assert_eq!(response.status, 401, "{path} anonymous: {}", response.body);
        assert_eq!(
            error_code(&response),
            "login-required",
            "{path}: {}",
            response.body
        );
    }
    let response = app
        .call("/api/tokens/take-new", &[], Some("nanos_new_token=nwst_x"))
        .await;
    assert_eq!(
        response.status, 401,
        "take-new with the new-token cookie: {}",
        response.body
    );
}

/// Only the access policy builds an `Actor` from a credential: no source file but
/// `src/access.rs` calls its constructor.
#[test]
fn only_the_access_policy_builds_actors() {
    fn sources(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                sources(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let offenders: Vec<_> = files
        .iter()
        .filter(|path| !path.ends_with("access.rs"))
        .filter(|path| {
            std::fs::read_to_string(path)
                .expect("read source")
                .contains("Actor::user(")
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "Actor built by hand in {offenders:?}: take it from access::Permit"
    );
}

crate::on_both_databases!(
    every_route_needs_what_the_table_says,
    server_functions_that_need_a_session_refuse_anonymous_calls,
);

/// What a credential that falls short of `route`'s need gets: on a `Download` route the public
/// answer (no private release in it), elsewhere `403` with `code`.
fn refused_or_public(route: &Route, response: &TestResponse, code: &str, who: &str) {
    if route.need == Need::Download {
        assert!(
            response.status != 401 && response.status != 403 && !shows_private(response),
            "{who} gets the public answer, got {}: {}",
            response.status,
            response.body
        );
    } else {
        assert_eq!(response.status, 403, "{who}: {}", response.body);
        assert_eq!(error_code(response), code, "{who}: {}", response.body);
    }
}
