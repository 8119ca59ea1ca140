//! Teams over the HTTP API, on SQLite and Postgres: the authorisation matrix, the last-owner rule,
//! deleting a team with resources, names, scopes, token team restrictions and CSRF.

mod common;

use common::{TestApp, TestResponse};
use nanos_store::accounts::service as accounts;
use nanos_store::db;
use nanos_store::teams::service as teams;
use nanos_store::teams::Role;
use nanos_store::tokens::service::{self as tokens, Expiry, NewToken};
use nanos_store::tokens::Scope;
use serde_json::json;

/// Creates a user and returns them with an `Authorization` value for a token with `scopes`.
async fn user_with_token(app: &TestApp, name: &str, scopes: &[Scope]) -> (accounts::User, String) {
    let user = app.create_user(name).await;
    let token = token_for(app, &user, scopes, None).await;
    (user, token)
}

async fn token_for(
    app: &TestApp,
    user: &accounts::User,
    scopes: &[Scope],
    team: Option<&str>,
) -> String {
    format!("Token {}", app.create_token(user, scopes, team).await)
}

fn code(response: &TestResponse) -> String {
    response.json()["error"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn authorisation_matrix(app: &TestApp) {
    let all = Scope::ALL;
    let (owner, owner_token) = user_with_token(app, "owner", &all).await;
    let (_, admin_token) = user_with_token(app, "admin", &all).await;
    let (_, developer_token) = user_with_token(app, "developer", &all).await;
    let (_, member_token) = user_with_token(app, "member", &all).await;
    let (_, outsider_token) = user_with_token(app, "outsider", &all).await;
    user_with_token(app, "target", &all).await;
    user_with_token(app, "newbie", &all).await;
    let callers = [
        ("owner", Some(owner_token.as_str())),
        ("admin", Some(admin_token.as_str())),
        ("developer", Some(developer_token.as_str())),
        ("member", Some(member_token.as_str())),
        ("outsider", Some(outsider_token.as_str())),
        ("anonymous", None),
    ];

    type Case = (
        &'static str,
        &'static str,
        &'static str,
        Option<serde_json::Value>,
        [u16; 6],
    );
    //            action                  method    path (after /store/v1/teams/{t})   body                                        owner admin dev mem out anon
    let cases: [Case; 11] = [
        (
            "view the team",
            "GET",
            "",
            None,
            [200, 200, 200, 200, 200, 200],
        ),
        (
            "edit information",
            "PATCH",
            "",
            Some(json!({"title": "New title"})),
            [200, 200, 403, 403, 403, 401],
        ),
        (
            "invite a developer",
            "POST",
            "/members",
            Some(json!({"username": "newbie", "role": "developer"})),
            [202, 202, 403, 403, 403, 401],
        ),
        (
            "invite an admin",
            "POST",
            "/members",
            Some(json!({"username": "newbie", "role": "admin"})),
            [202, 403, 403, 403, 403, 401],
        ),
        (
            "demote a developer",
            "PATCH",
            "/members/target",
            Some(json!({"role": "member"})),
            [200, 200, 403, 403, 403, 401],
        ),
        (
            "promote to admin",
            "PATCH",
            "/members/target",
            Some(json!({"role": "admin"})),
            [200, 403, 403, 403, 403, 401],
        ),
        (
            "remove a developer",
            "DELETE",
            "/members/target",
            None,
            [204, 204, 403, 403, 403, 401],
        ),
        (
            "read the audit log",
            "GET",
            "/audit",
            None,
            [200, 200, 403, 403, 403, 401],
        ),
        (
            "list invitations",
            "GET",
            "/invitations",
            None,
            [200, 200, 403, 403, 403, 401],
        ),
        (
            "delete the team",
            "DELETE",
            "",
            None,
            [204, 403, 403, 403, 403, 401],
        ),
        (
            "change the owner's role",
            "PATCH",
            "/members/owner",
            Some(json!({"role": "member"})),
            [409, 403, 403, 403, 403, 401],
        ),
    ];

    let mut failures = Vec::new();
    for (index, (action, method, suffix, body, expected)) in cases.iter().enumerate() {
        for (column, (who, token)) in callers.iter().enumerate() {
            let team = format!("t{index}-{column}");
            app.create_team(&owner, &team).await;
            app.add_member(&owner, &team, "admin", Role::Admin).await;
            app.add_member(&owner, &team, "developer", Role::Developer)
                .await;
            app.add_member(&owner, &team, "member", Role::Member).await;
            app.add_member(&owner, &team, "target", Role::Developer)
                .await;
            let path = format!("/store/v1/teams/{team}{suffix}");
            let response = app.api(method, &path, *token, body.clone()).await;
            if response.status.as_u16() != expected[column] {
                failures.push(format!(
                    "{who} → {action}: expected {}, got {} {}",
                    expected[column], response.status, response.body
                ));
            }
            if response.status.is_client_error() {
                assert!(
                    !code(&response).is_empty(),
                    "JSON error body: {}",
                    response.body
                );
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

async fn a_team_keeps_at_least_one_owner(app: &TestApp) {
    let (founder, founder_token) = user_with_token(app, "founder", &Scope::ALL).await;
    let (_, partner_token) = user_with_token(app, "partner", &Scope::ALL).await;
    app.create_team(&founder, "studio").await;

    let leave = app
        .api(
            "DELETE",
            "/store/v1/teams/studio/members/founder",
            Some(&founder_token),
            None,
        )
        .await;
    assert_eq!(leave.status, 409, "{}", leave.body);
    assert_eq!(code(&leave), "last-owner");
    let demote = app
        .api(
            "PATCH",
            "/store/v1/teams/studio/members/founder",
            Some(&founder_token),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(demote.status, 409);
    assert_eq!(code(&demote), "last-owner");

    app.add_member(&founder, "studio", "partner", Role::Owner)
        .await;
    let leave = app
        .api(
            "DELETE",
            "/store/v1/teams/studio/members/founder",
            Some(&founder_token),
            None,
        )
        .await;
    assert_eq!(leave.status, 204, "{}", leave.body);
    // Now partner is the last owner.
    let leave = app
        .api(
            "DELETE",
            "/store/v1/teams/studio/members/partner",
            Some(&partner_token),
            None,
        )
        .await;
    assert_eq!(leave.status, 409);
}

async fn a_team_with_resources_cannot_be_deleted(app: &TestApp) {
    let (owner, token) = user_with_token(app, "publisher", &Scope::ALL).await;
    app.create_team(&owner, "busy-team").await;
    let team = teams::find(&app.state.pool, "busy-team")
        .await
        .unwrap()
        .unwrap();
    sqlx::query(
        "INSERT INTO resources (id, kind, name, team_id, title, short_description, description, category, created_at, updated_at) \
         VALUES ('r1', 'package', 'sandbox', $1, 'Sandbox', '', '', 'game-mode', 0, 0)",
    )
    .bind(&team.id)
    .execute(&app.state.pool)
    .await
    .unwrap();
    let response = app
        .api("DELETE", "/store/v1/teams/busy-team", Some(&token), None)
        .await;
    assert_eq!(response.status, 409, "{}", response.body);
    assert_eq!(code(&response), "team-has-resources");
    assert!(teams::find(&app.state.pool, "busy-team")
        .await
        .unwrap()
        .is_some());
}

async fn names_are_checked_and_unique(app: &TestApp) {
    let (_, token) = user_with_token(app, "namer", &Scope::ALL).await;
    let create = |name: &str| json!({"name": name, "title": "A team", "description": "**hi**"});
    let first = app
        .api(
            "POST",
            "/store/v1/teams",
            Some(&token),
            Some(create("good-name")),
        )
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.json()["members"][0]["role"], "owner");
    let again = app
        .api(
            "POST",
            "/store/v1/teams",
            Some(&token),
            Some(create("good-name")),
        )
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(code(&again), "team-name-taken");
    for bad in ["Bad Name", "", "under_score", &"x".repeat(65)] {
        let response = app
            .api("POST", "/store/v1/teams", Some(&token), Some(create(bad)))
            .await;
        assert_eq!(response.status, 422, "{bad:?}: {}", response.body);
        assert_eq!(response.json()["field"], "name");
    }
    let garbage = app
        .send(
            axum::http::Request::post("/store/v1/teams")
                .header("authorization", &token)
                .header("content-type", "application/json")
                .body(axum::body::Body::from("{not json"))
                .unwrap(),
        )
        .await;
    assert_eq!(garbage.status, 422);
    assert_eq!(code(&garbage), "invalid-json");

    let missing = app
        .api("GET", "/store/v1/teams/no-such-team", None, None)
        .await;
    assert_eq!(missing.status, 404);
    let missing = app
        .api(
            "PATCH",
            "/store/v1/teams/no-such-team",
            Some(&token),
            Some(json!({"title": "x"})),
        )
        .await;
    assert_eq!(missing.status, 404);

    let me = app
        .api("GET", "/store/v1/user/me", Some(&token), None)
        .await
        .json();
    assert_eq!(
        me["teams"],
        json!([{"name": "good-name", "title": "A team", "role": "owner"}])
    );
    let mine = app
        .api("GET", "/store/v1/user/teams", Some(&token), None)
        .await
        .json();
    assert_eq!(mine, me["teams"]);
}

async fn scopes_and_team_restrictions_hold(app: &TestApp) {
    let (user, read_only) = user_with_token(app, "limited", &[Scope::Download]).await;
    let response = app
        .api(
            "POST",
            "/store/v1/teams",
            Some(&read_only),
            Some(json!({"name": "x", "title": "X"})),
        )
        .await;
    assert_eq!(response.status, 403, "{}", response.body);
    assert_eq!(code(&response), "missing-scope");
    assert!(response.json()["message"]
        .as_str()
        .unwrap()
        .contains("manage"));

    app.create_team(&user, "team-a").await;
    app.create_team(&user, "team-b").await;
    let only_a = token_for(app, &user, &Scope::ALL, Some("team-a")).await;
    let edit = |team: &str| {
        (
            format!("/store/v1/teams/{team}"),
            json!({"title": "Edited"}),
        )
    };
    let (path, body) = edit("team-a");
    assert_eq!(
        app.api("PATCH", &path, Some(&only_a), Some(body))
            .await
            .status,
        200
    );
    let (path, body) = edit("team-b");
    let response = app.api("PATCH", &path, Some(&only_a), Some(body)).await;
    assert_eq!(response.status, 403);
    assert_eq!(code(&response), "token-team-restricted");

    let outsider_team = NewToken {
        label: "x".into(),
        expiry: Expiry::Days(1),
        scopes: vec![Scope::Manage],
        team: Some("not-my-team".into()),
    };
    let error = tokens::create(&app.state.pool, &user.id, outsider_team, db::now())
        .await
        .unwrap_err();
    assert_eq!(error.body().field.as_deref(), Some("team"));
}

async fn sessions_need_the_same_origin_to_change_things(app: &TestApp) {
    let cookie = app.register("web-user").await;
    let post = |origin: &str| {
        axum::http::Request::post("/store/v1/teams")
            .header("cookie", &cookie)
            .header("host", "store.test")
            .header("origin", origin)
            .header("content-type", "application/json")
            .body(axum::body::Body::from(
                json!({"name": "web-team", "title": "Web"}).to_string(),
            ))
            .unwrap()
    };
    let evil = app.send(post("https://evil.example")).await;
    assert_eq!(evil.status, 403, "{}", evil.body);
    assert_eq!(code(&evil), "cross-site-request");
    let ours = app.send(post("http://store.test")).await;
    assert_eq!(ours.status, 201, "{}", ours.body);
}

async fn the_audit_log_records_who_did_what(app: &TestApp) {
    let (boss, token) = user_with_token(app, "boss", &Scope::ALL).await;
    let (_, helper_token) = user_with_token(app, "helper", &Scope::ALL).await;
    app.create_team(&boss, "logged").await;
    app.api(
        "POST",
        "/store/v1/teams/logged/members",
        Some(&token),
        Some(json!({"username": "helper", "role": "developer"})),
    )
    .await;
    app.api(
        "POST",
        "/store/v1/user/invitations/logged/accept",
        Some(&helper_token),
        None,
    )
    .await;
    app.api(
        "PATCH",
        "/store/v1/teams/logged/members/helper",
        Some(&token),
        Some(json!({"role": "member"})),
    )
    .await;
    app.api(
        "DELETE",
        "/store/v1/teams/logged/members/helper",
        Some(&token),
        None,
    )
    .await;
    let log = app
        .api("GET", "/store/v1/teams/logged/audit", Some(&token), None)
        .await
        .json();
    let lines: Vec<String> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {} {}",
                e["actor"].as_str().unwrap(),
                e["action"].as_str().unwrap(),
                e["subject"].as_str().unwrap_or(""),
                e["detail"].as_str().unwrap_or("")
            )
            .replace("  ", " ")
            .trim()
            .to_string()
        })
        .collect();
    assert_eq!(
        lines,
        [
            "boss removed helper",
            "boss changed the role of helper from developer to member",
            "helper accepted the invitation and joined as developer (invited by boss)",
            "boss invited helper as developer",
            "boss created the team",
        ]
    );
}

/// Adding a member needs their consent: an invitation that they accept (or decline); until then
/// they are not a member. Admins may withdraw it.
async fn members_join_by_accepting_an_invitation(app: &TestApp) {
    let (lead, lead_token) = user_with_token(app, "lead", &Scope::ALL).await;
    let (_, guest_token) = user_with_token(app, "guest", &Scope::ALL).await;
    let (_, other_token) = user_with_token(app, "other", &Scope::ALL).await;
    app.create_team(&lead, "crew").await;

    let invite = |who: &str, role: &str| {
        app.api(
            "POST",
            "/store/v1/teams/crew/members",
            Some(&lead_token),
            Some(json!({"username": who, "role": role})),
        )
    };
    let invited = invite("guest", "developer").await;
    assert_eq!(invited.status, 202, "{}", invited.body);
    assert_eq!(
        invited.json(),
        json!({"team": "crew", "team_title": "Team crew", "username": "guest", "role": "developer",
               "invited_by": "lead", "created_at": invited.json()["created_at"]})
    );
    let details = app
        .api("GET", "/store/v1/teams/crew", None, None)
        .await
        .json();
    assert_eq!(
        details["members"].as_array().unwrap().len(),
        1,
        "not yet a member"
    );
    let again = invite("guest", "member").await;
    assert_eq!(again.status, 409);
    assert_eq!(code(&again), "already-invited");
    assert_eq!(
        invite("lead", "member").await.status,
        409,
        "already a member"
    );
    let unknown = invite("nobody", "member").await;
    assert_eq!(unknown.status, 422);
    assert_eq!(unknown.json()["field"], "username");

    let pending = app
        .api(
            "GET",
            "/store/v1/teams/crew/invitations",
            Some(&lead_token),
            None,
        )
        .await
        .json();
    assert_eq!(pending[0]["username"], "guest");
    let mine = app
        .api(
            "GET",
            "/store/v1/user/invitations",
            Some(&guest_token),
            None,
        )
        .await
        .json();
    assert_eq!(mine[0]["team"], "crew");
    assert_eq!(mine[0]["role"], "developer");

    // Only the invited user can accept.
    let stolen = app
        .api(
            "POST",
            "/store/v1/user/invitations/crew/accept",
            Some(&other_token),
            None,
        )
        .await;
    assert_eq!(stolen.status, 404, "{}", stolen.body);
    let accepted = app
        .api(
            "POST",
            "/store/v1/user/invitations/crew/accept",
            Some(&guest_token),
            None,
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(
        accepted.json(),
        json!({"name": "crew", "title": "Team crew", "role": "developer"})
    );
    let details = app
        .api("GET", "/store/v1/teams/crew", None, None)
        .await
        .json();
    assert_eq!(details["members"][1]["username"], "guest");
    assert_eq!(details["members"][1]["role"], "developer");
    let mine = app
        .api(
            "GET",
            "/store/v1/user/invitations",
            Some(&guest_token),
            None,
        )
        .await
        .json();
    assert_eq!(mine, json!([]));
    let twice = app
        .api(
            "POST",
            "/store/v1/user/invitations/crew/accept",
            Some(&guest_token),
            None,
        )
        .await;
    assert_eq!(twice.status, 404);

    // Declining, and withdrawing.
    assert_eq!(invite("other", "member").await.status, 202);
    let declined = app
        .api(
            "POST",
            "/store/v1/user/invitations/crew/decline",
            Some(&other_token),
            None,
        )
        .await;
    assert_eq!(declined.status, 204, "{}", declined.body);
    assert_eq!(invite("other", "member").await.status, 202);
    let withdrawn = app
        .api(
            "DELETE",
            "/store/v1/teams/crew/invitations/other",
            Some(&lead_token),
            None,
        )
        .await;
    assert_eq!(withdrawn.status, 204, "{}", withdrawn.body);
    let late = app
        .api(
            "POST",
            "/store/v1/user/invitations/crew/accept",
            Some(&other_token),
            None,
        )
        .await;
    assert_eq!(late.status, 404);
    let details = app
        .api("GET", "/store/v1/teams/crew", None, None)
        .await
        .json();
    assert_eq!(details["members"].as_array().unwrap().len(), 2);

    let log = app
        .api("GET", "/store/v1/teams/crew/audit", Some(&lead_token), None)
        .await
        .json();
    let actions: Vec<String> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["actor"].as_str().unwrap(),
                e["action"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            "lead withdrew the invitation of",
            "lead invited",
            "other declined the invitation",
            "lead invited",
            "guest accepted the invitation and joined",
            "lead invited",
            "lead created the team",
        ]
    );
}

/// The team pages: the settings page explains every role and offers invitations; the invited
/// user sees the invitation on /teams and accepts it there (as a plain form, without JavaScript).
async fn invitations_on_the_pages(app: &TestApp) {
    let lead = app.register("page-lead").await;
    let guest = app.register("page-guest").await;
    let lead_user = accounts::session_user(
        &app.state.pool,
        lead.trim_start_matches("nanos_session="),
        db::now(),
    )
    .await
    .unwrap()
    .unwrap();
    app.create_team(&lead_user, "pages").await;
    let settings = app.get("/teams/pages/settings", Some(&lead)).await;
    assert_eq!(settings.status, 200);
    for role in Role::ALL {
        assert!(
            settings.body.contains(role.description()),
            "{}",
            role.as_str()
        );
    }
    let invited = app
        .send(common::plain_form_post(
            "/api/teams/add-member",
            &[
                ("team", "pages"),
                ("username", "page-guest"),
                ("role", "member"),
            ],
            Some(&lead),
            "/teams/pages/settings",
        ))
        .await;
    assert_eq!(invited.status, 302, "{}", invited.body);
    // A mistake without JavaScript: shown beside the field, the username kept.
    let wrong = app
        .send(common::plain_form_post(
            "/api/teams/add-member",
            &[
                ("team", "pages"),
                ("username", "no-such-user"),
                ("role", "member"),
            ],
            Some(&lead),
            "/teams/pages/settings",
        ))
        .await;
    let page = app.get(&wrong.location().unwrap(), Some(&lead)).await;
    assert_eq!(
        common::field_error_in(&page.body, "username").as_deref(),
        Some("There is no user named 'no-such-user'."),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"value="no-such-user""#));

    let teams = app.get("/teams", Some(&guest)).await;
    assert!(teams.body.contains("page-lead"), "{}", teams.body);
    assert!(teams.body.contains(r#"data-testid="invitation-pages""#));
    let accepted = app
        .send(common::plain_form_post(
            "/api/teams/accept-invitation",
            &[("team", "pages")],
            Some(&guest),
            "/teams",
        ))
        .await;
    assert_eq!(accepted.status, 302, "{}", accepted.body);
    let teams = app.get(&accepted.location().unwrap(), Some(&guest)).await;
    assert!(!teams.body.contains(r#"data-testid="invitation-pages""#));
    assert!(teams.body.contains(r#"href="/teams/pages">Team pages</a>"#));
}

on_both_databases!(
    authorisation_matrix,
    a_team_keeps_at_least_one_owner,
    a_team_with_resources_cannot_be_deleted,
    names_are_checked_and_unique,
    scopes_and_team_restrictions_hold,
    sessions_need_the_same_origin_to_change_things,
    the_audit_log_records_who_did_what,
    members_join_by_accepting_an_invitation,
    invitations_on_the_pages,
);
