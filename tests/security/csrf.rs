//! Finding 5: every change made with the session cookie (server functions and the API), and every
//! log-in, must come from the store's own pages. Foreign origins, a missing proof and plain HTML
//! forms from other sites are refused with `403 cross-site-request`; nothing changes.

use axum::body::Body;
use axum::http::Request;

use crate::common::{TestApp, TestResponse};
use nanos_store::tokens::Scope;
use serde_json::json;

/// A form post to a server function with exactly these extra headers.
async fn post_form(
    app: &TestApp,
    path: &str,
    form: &str,
    headers: &[(&str, &str)],
    accept_html: bool,
) -> TestResponse {
    let mut request = Request::post(path)
        .header("host", "store.test")
        .header("content-type", "application/x-www-form-urlencoded")
        .header(
            "accept",
            if accept_html {
                "text/html"
            } else {
                "application/json"
            },
        );
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.send(request.body(Body::from(form.to_string())).expect("request"))
        .await
}

fn assert_refused(response: &TestResponse, what: &str) {
    assert_eq!(response.status, 403, "{what}: {}", response.body);
    assert_eq!(response.json()["error"], "cross-site-request", "{what}");
    assert!(response.session_cookie().is_none(), "{what}: no log-in");
}

async fn changes_from_other_sites_are_refused(app: &TestApp) {
    let victim_cookie = app.register("victim").await;
    app.register("attacker").await;
    let created = app
        .call(
            "/api/teams/create",
            &[("name", "guild"), ("title", "Guild")],
            Some(&victim_cookie),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let cookie = ("cookie", victim_cookie.as_str());
    let evil = ("origin", "http://evil.example");

    // The attacker's page makes the victim's browser add the attacker as owner.
    let add = "team=guild&username=attacker&role=owner";
    let response = post_form(app, "/api/teams/add-member", add, &[cookie, evil], false).await;
    assert_refused(&response, "add-member from another origin");
    // A request with no proof at all (no Origin, no Sec-Fetch-Site).
    let response = post_form(app, "/api/teams/add-member", add, &[cookie], false).await;
    assert_refused(&response, "add-member without Origin");
    // The browser says it comes from another site.
    let response = post_form(
        app,
        "/api/teams/add-member",
        add,
        &[cookie, ("sec-fetch-site", "cross-site")],
        false,
    )
    .await;
    assert_refused(&response, "add-member from a cross-site fetch");
    // A plain HTML form on another site posting to the team update function.
    let update = "team=guild&title=Pwned&description=x";
    let response = post_form(app, "/api/teams/update", update, &[cookie, evil], true).await;
    assert_refused(&response, "a foreign HTML form");
    // Login CSRF: a foreign page logs the browser in as the attacker.
    let login = "username=attacker&password=correct+horse+battery";
    let response = post_form(app, "/api/accounts/login", login, &[evil], true).await;
    assert_refused(&response, "a foreign log-in");
    // A sandboxed page sends `Origin: null`.
    let response = post_form(
        app,
        "/api/accounts/login",
        login,
        &[("origin", "null")],
        false,
    )
    .await;
    assert_refused(&response, "Origin: null");

    // Nothing changed.
    let team = app.api("GET", "/store/v1/teams/guild", None, None).await;
    assert_eq!(team.json()["title"], "Guild", "{}", team.body);
    let (members,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM team_members m JOIN users u ON u.id = m.user_id \
         WHERE u.username = 'attacker'",
    )
    .fetch_one(&app.state.pool)
    .await
    .expect("count");
    assert_eq!(members, 0, "the attacker is not a member");

    // The store's own pages: with Origin, or with only the browser's Sec-Fetch-Site.
    let ours = post_form(
        app,
        "/api/teams/update",
        "team=guild&title=Ours&description=x",
        &[cookie, ("origin", "http://store.test")],
        false,
    )
    .await;
    assert_eq!(ours.status, 200, "{}", ours.body);
    let fetch = post_form(
        app,
        "/api/teams/update",
        "team=guild&title=Fetched&description=x",
        &[cookie, ("sec-fetch-site", "same-origin")],
        false,
    )
    .await;
    assert_eq!(fetch.status, 200, "{}", fetch.body);
    let team = app.api("GET", "/store/v1/teams/guild", None, None).await;
    assert_eq!(team.json()["title"], "Fetched");
}

async fn the_api_checks_sessions_but_not_tokens(app: &TestApp) {
    let cookie = app.register("apiuser").await;
    let user = sqlx::query_as::<_, nanos_store::accounts::service::User>(
        "SELECT id, username, display_name, created_at FROM users WHERE username = 'apiuser'",
    )
    .fetch_one(&app.state.pool)
    .await
    .expect("user");
    let token = app.create_token(&user, &Scope::ALL, None).await;
    let post = |name: &str, credential: (&'static str, String), origin: Option<&str>| {
        let mut request = Request::post("/store/v1/teams")
            .header("host", "store.test")
            .header("content-type", "application/json")
            .header(credential.0, credential.1);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request
            .body(Body::from(json!({"name": name, "title": "T"}).to_string()))
            .expect("request")
    };
    let cookie_credential = ("cookie", cookie.clone());
    let response = app
        .send(post(
            "from-evil",
            cookie_credential.clone(),
            Some("https://evil.example"),
        ))
        .await;
    assert_refused(&response, "API change with the cookie from another origin");
    let response = app
        .send(post("no-proof", cookie_credential.clone(), None))
        .await;
    assert_refused(&response, "API change with the cookie and no Origin");
    // A token is proof enough: programs send it, foreign pages cannot make a browser send it.
    let response = app
        .send(post(
            "by-token",
            ("authorization", format!("Token {token}")),
            Some("https://ci.example"),
        ))
        .await;
    assert_eq!(response.status, 201, "{}", response.body);
}

crate::on_both_databases!(
    changes_from_other_sites_are_refused,
    the_api_checks_sessions_but_not_tokens
);
