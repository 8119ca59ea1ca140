//! Accounts over HTTP, on SQLite and Postgres: register, log in, log out, expiry, throttling; the
//! log-in guard of member pages and the return to them; forms without JavaScript; changing the
//! display name and password, deleting the account; profiles.

mod common;

use common::{field_error_in, plain_form_post, TestApp};
use nanos_store::accounts::{service, throttle};
use nanos_store::db;

const PASSWORD: &str = "correct horse battery";

async fn me(app: &TestApp, cookie: &str) -> serde_json::Value {
    let response = app.call("/api/accounts/me", &[], Some(cookie)).await;
    assert_eq!(response.status, 200, "{}", response.body);
    response.json()
}

async fn register_log_out_and_log_in(app: &TestApp) {
    let response = app
        .call(
            "/api/accounts/register",
            &[
                ("username", "mapmaker"),
                ("display_name", "Map Maker"),
                ("password", PASSWORD),
            ],
            None,
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let set_cookie = response.session_set_cookie().unwrap();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(set_cookie.contains("Max-Age=2592000"), "{set_cookie}");
    assert!(!set_cookie.contains("Secure"), "plain http: {set_cookie}");
    let cookie = response.session_cookie().unwrap();
    assert_eq!(
        me(app, &cookie).await,
        serde_json::json!({"username": "mapmaker", "display_name": "Map Maker", "site_role": null})
    );

    // The session is stored hashed: the cookie's secret is nowhere in the database.
    let secret = cookie.trim_start_matches("nanos_session=");
    let stored: Vec<(String,)> = sqlx::query_as("SELECT token_hash FROM sessions")
        .fetch_all(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].0, secret);
    assert_eq!(stored[0].0, nanos_store::secrets::sha256_hex(secret));

    let response = app.call("/api/accounts/logout", &[], Some(&cookie)).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(response.session_set_cookie().unwrap().contains("Max-Age=0"));
    // Logging out ends the session on the server: the old cookie no longer works.
    assert_eq!(me(app, &cookie).await, serde_json::Value::Null);

    let response = app
        .call(
            "/api/accounts/login",
            &[("username", "mapmaker"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let cookie = response.session_cookie().unwrap();
    assert_eq!(me(app, &cookie).await["username"], "mapmaker");
}

async fn usernames_are_unique(app: &TestApp) {
    app.register("taken").await;
    let response = app
        .call(
            "/api/accounts/register",
            &[
                ("username", "taken"),
                ("display_name", "Someone Else"),
                ("password", PASSWORD),
            ],
            None,
        )
        .await;
    assert_eq!(response.status, 409, "{}", response.body);
    let body = response.json();
    assert_eq!(body["error"], "username-taken");
    assert_eq!(body["field"], "username");
    assert!(body["message"].as_str().unwrap().contains("taken"));
}

async fn bad_registrations_name_the_field(app: &TestApp) {
    for (username, display_name, password, field) in [
        ("Bad_Name", "X", PASSWORD, "username"),
        ("a", "X", PASSWORD, "username"),
        ("good-name", "  ", PASSWORD, "display_name"),
        ("good-name", "X", "short", "password"),
    ] {
        let response = app
            .call(
                "/api/accounts/register",
                &[
                    ("username", username),
                    ("display_name", display_name),
                    ("password", password),
                ],
                None,
            )
            .await;
        assert_eq!(response.status, 422, "{}", response.body);
        assert_eq!(response.json()["field"], field, "{}", response.body);
        assert!(response.session_cookie().is_none());
    }
}

async fn wrong_password_and_unknown_user_look_the_same(app: &TestApp) {
    app.register("player").await;
    let wrong = app
        .call(
            "/api/accounts/login",
            &[("username", "player"), ("password", "not the password")],
            None,
        )
        .await;
    let unknown = app
        .call(
            "/api/accounts/login",
            &[("username", "nobody"), ("password", PASSWORD)],
            None,
        )
        .await;
    for response in [&wrong, &unknown] {
        assert_eq!(response.status, 401, "{}", response.body);
        assert_eq!(response.json()["error"], "invalid-credentials");
        assert!(response.session_cookie().is_none());
    }
    assert_eq!(wrong.body, unknown.body);
}

async fn repeated_failures_lock_the_account_for_a_while(app: &TestApp) {
    app.register("target").await;
    for _ in 0..throttle::MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS {
        let response = app
            .call(
                "/api/accounts/login",
                &[("username", "target"), ("password", "guess guess guess")],
                None,
            )
            .await;
        assert_eq!(response.status, 401);
    }
    // Even the right password is refused now, with a clear message and Retry-After.
    let response = app
        .call(
            "/api/accounts/login",
            &[("username", "target"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(response.status, 429, "{}", response.body);
    assert!(response.headers.contains_key("retry-after"));
    let message = response.json()["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("this account") && message.contains("15 minutes"),
        "{message}"
    );

    // Once the window has passed, the right password works again.
    let later = db::now() + throttle::LOGIN_WINDOW_SECS + 1;
    service::log_in(&app.state.pool, "target", PASSWORD, None, later)
        .await
        .expect("unlocked after the window");
}

async fn repeated_failures_from_one_address_are_refused(app: &TestApp) {
    for attempt in 0..throttle::MAX_FAILURES_PER_ADDRESS {
        let username = format!("guess-{attempt}");
        let response = app
            .call(
                "/api/accounts/login",
                &[("username", &username), ("password", "guess guess guess")],
                None,
            )
            .await;
        assert_eq!(response.status, 401, "{}", response.body);
    }
    let response = app
        .call(
            "/api/accounts/login",
            &[
                ("username", "fresh-name"),
                ("password", "guess guess guess"),
            ],
            None,
        )
        .await;
    assert_eq!(response.status, 429, "{}", response.body);
    assert!(response.json()["message"]
        .as_str()
        .unwrap()
        .contains("your address"));
}

async fn expired_sessions_stop_working(app: &TestApp) {
    let cookie = app.register("sleeper").await;
    let user_id: (String,) = sqlx::query_as("SELECT id FROM users WHERE username = 'sleeper'")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(me(app, &cookie).await["username"], "sleeper");

    // A session that started long ago and lasted an hour.
    let old = service::start_session(&app.state.pool, &user_id.0, 3600, db::now() - 7200)
        .await
        .unwrap();
    let old_cookie = format!("nanos_session={}", old.token);
    assert_eq!(me(app, &old_cookie).await, serde_json::Value::Null);

    // The live session expires too, once its time has come.
    let secret = cookie.trim_start_matches("nanos_session=");
    let far_future = db::now() + 31 * 24 * 3600;
    assert!(service::session_user(&app.state.pool, secret, far_future)
        .await
        .unwrap()
        .is_none());
    assert!(service::session_user(&app.state.pool, secret, db::now())
        .await
        .unwrap()
        .is_some());
}

async fn cookies_are_secure_behind_https(app: &TestApp) {
    let request = axum::http::Request::post("/api/accounts/register")
        .header("host", "store.test")
        .header("origin", "https://store.test")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("x-forwarded-proto", "https")
        .body(axum::body::Body::from(
            "username=secure-user&display_name=S&password=correct+horse+battery",
        ))
        .unwrap();
    let response = app.send(request).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(response.session_set_cookie().unwrap().contains("Secure"));
}

async fn pages_render_on_the_server(app: &TestApp) {
    let cookie = app.register("renderer").await;

    let home = app.get("/", None).await;
    assert_eq!(home.status, 200);
    assert!(
        home.body.contains("/pkg/nanos-store.js"),
        "hydration script"
    );
    assert!(home.body.contains("nanos-store_bg.wasm"), "wasm bundle");
    assert!(home.body.contains("Log in"));

    let signed_in = app.get("/", Some(&cookie)).await;
    assert!(
        signed_in.body.contains("Test User"),
        "header names the user"
    );

    let profile = app.get("/u/renderer", None).await;
    assert_eq!(profile.status, 200);
    assert!(
        profile.body.contains("<h1>Test User</h1>"),
        "{}",
        profile.body
    );

    assert_eq!(app.get("/u/nobody-here", None).await.status, 404);
    let missing = app.get("/no/such/page", None).await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Page not found"));
}

async fn registration_names_every_bad_field_at_once(app: &TestApp) {
    let response = app
        .call(
            "/api/accounts/register",
            &[
                ("username", "Bad_Name"),
                ("display_name", "  "),
                ("password", "short"),
            ],
            None,
        )
        .await;
    assert_eq!(response.status, 422, "{}", response.body);
    let body = response.json();
    assert_eq!(
        body["field"], "username",
        "the first one, for older clients"
    );
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["username", "display_name", "password"]);
    assert!(body["fields"][2]["message"]
        .as_str()
        .unwrap()
        .contains("at least 10"));
}

/// Every page for members sends a visitor who is not logged in to log in first, with a real
/// redirect that names the page (path and query) to come back to; a logged-in user gets the page.
async fn member_pages_send_visitors_to_log_in(app: &TestApp) {
    let cookie = app.register("member").await;
    for (page, next) in [
        ("/upload", "%2Fupload"),
        (
            "/upload?kind=packages&name=my-mod",
            "%2Fupload%3Fkind%3Dpackages%26name%3Dmy-mod",
        ),
        ("/settings", "%2Fsettings"),
        ("/settings/tokens", "%2Fsettings%2Ftokens"),
        ("/teams", "%2Fteams"),
        (
            "/teams/some-team/settings",
            "%2Fteams%2Fsome-team%2Fsettings",
        ),
    ] {
        let response = app.get(page, None).await;
        assert_eq!(response.status, 303, "{page}: {}", response.body);
        assert_eq!(
            response.location().as_deref(),
            Some(format!("/login?next={next}").as_str()),
            "{page}"
        );
        assert!(
            !response.body.contains("Create a token"),
            "{page}: no form for visitors"
        );
        let signed_in = app.get(page, Some(&cookie)).await;
        let found = if page.contains("some-team") { 404 } else { 200 };
        assert_eq!(signed_in.status, found, "{page}");
    }
    let tokens = app.get("/settings/tokens", Some(&cookie)).await;
    assert!(tokens.body.contains("Create a token"));
}

/// Logging in or registering returns to `next` when it is a page of this store, and nowhere else.
async fn log_in_returns_to_the_page_it_came_from(app: &TestApp) {
    app.register("returner").await;
    for (next, expected) in [
        (
            "/upload?kind=packages&name=x",
            "/upload?kind=packages&name=x",
        ),
        ("/settings/tokens", "/settings/tokens"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("/login", "/"),
        ("", "/"),
    ] {
        let response = app
            .call(
                "/api/accounts/login",
                &[
                    ("username", "returner"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
                None,
            )
            .await;
        assert_eq!(response.status, 200, "{next}: {}", response.body);
        assert_eq!(response.location().as_deref(), Some(expected), "{next:?}");
    }
    // Without JavaScript too: a real redirect.
    let response = app
        .send(plain_form_post(
            "/api/accounts/login",
            &[
                ("username", "returner"),
                ("password", PASSWORD),
                ("next", "/teams"),
            ],
            None,
            "/login?next=%2Fteams",
        ))
        .await;
    assert_eq!(response.status, 302, "{}", response.body);
    assert_eq!(response.location().as_deref(), Some("/teams"));
    assert!(response.session_cookie().is_some());

    let response = app
        .call(
            "/api/accounts/register",
            &[
                ("username", "newcomer"),
                ("display_name", "New"),
                ("password", PASSWORD),
                ("next", "//evil.example"),
            ],
            None,
        )
        .await;
    assert_eq!(response.location().as_deref(), Some("/u/newcomer"));

    // The log-in page carries `next` in its form and its link to registration, never a hostile one.
    let page = app
        .get("/login?next=%2Fupload%3Fkind%3Dpackages", None)
        .await;
    assert!(
        page.body
            .contains(r#"name="next" value="/upload?kind=packages""#),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains(r#"href="/register?next=%2Fupload%3Fkind%3Dpackages""#));
    let page = app.get("/login?next=%2F%2Fevil.example", None).await;
    assert!(!page.body.contains("evil.example"), "{}", page.body);
    let page = app.get("/register?next=%2Fteams", None).await;
    assert!(page.body.contains(r#"href="/login?next=%2Fteams""#));
    // The header's links return to the page they are on.
    let page = app.get("/packages?q=cars", None).await;
    assert!(page
        .body
        .contains(r#"href="/login?next=%2Fpackages%3Fq%3Dcars""#));
    assert!(page
        .body
        .contains(r#"href="/register?next=%2Fpackages%3Fq%3Dcars""#));
}

/// Without JavaScript a wrong password comes back to the log-in page with the message beside the
/// password and the username filled in again (the password never travels in the address).
async fn without_javascript_a_wrong_password_is_explained(app: &TestApp) {
    app.register("player").await;
    let response = app
        .send(plain_form_post(
            "/api/accounts/login",
            &[
                ("username", "player"),
                ("password", "not the password"),
                ("next", "/upload"),
            ],
            None,
            "/login?next=%2Fupload",
        ))
        .await;
    assert_eq!(response.status, 302, "{}", response.body);
    let location = response.location().unwrap();
    assert!(
        location.starts_with(
            "/login?next=%2Fupload&username=player&__path=%2Fapi%2Faccounts%2Flogin&__err="
        ),
        "{location}"
    );
    assert!(!location.contains("not+the+password") && !location.contains("not%20the"));
    assert!(response.session_cookie().is_none());

    let page = app.get(&location, None).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        field_error_in(&page.body, "password").as_deref(),
        Some("Wrong username or password."),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"value="player""#), "username kept");
    assert!(page.body.contains(r#"name="next" value="/upload""#));
}

/// Without JavaScript, a registration with several wrong fields shows every message beside its
/// field, and keeps the username and display name (never the password).
async fn without_javascript_registration_shows_every_error(app: &TestApp) {
    let response = app
        .send(plain_form_post(
            "/api/accounts/register",
            &[
                ("username", "Bad_Name"),
                ("display_name", "Dee <b>"),
                ("password", "short-pw"),
            ],
            None,
            "/register",
        ))
        .await;
    assert_eq!(response.status, 302, "{}", response.body);
    let location = response.location().unwrap();
    assert!(!location.contains("short-pw"), "{location}");
    let page = app.get(&location, None).await;
    assert!(field_error_in(&page.body, "username")
        .unwrap()
        .starts_with("A username may only use lowercase letters"));
    assert!(field_error_in(&page.body, "password")
        .unwrap()
        .starts_with("Use at least 10 characters"));
    assert_eq!(
        field_error_in(&page.body, "display_name").as_deref(),
        Some("<!>"),
        "a good field has no error (only Leptos's empty-text marker)"
    );
    for kept in [r#"value="Bad_Name""#, r#"value="Dee &lt;b&gt;""#] {
        assert!(page.body.contains(kept), "{kept}\n{}", page.body);
    }
    assert!(!page.body.contains("short-pw"));
}

async fn display_name_and_password_changes(app: &TestApp) {
    let cookie = app.register("changer").await;
    let other = app
        .call(
            "/api/accounts/login",
            &[("username", "changer"), ("password", PASSWORD)],
            None,
        )
        .await
        .session_cookie()
        .unwrap();

    let response = app
        .call(
            "/api/accounts/display-name",
            &[("display_name", "  ")],
            Some(&cookie),
        )
        .await;
    assert_eq!(response.status, 422);
    assert_eq!(response.json()["field"], "display_name");
    let response = app
        .call(
            "/api/accounts/display-name",
            &[("display_name", " Ana Lúcia ")],
            Some(&cookie),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(me(app, &cookie).await["display_name"], "Ana Lúcia");

    // The current password is needed; both fields are checked at once.
    let response = app
        .call(
            "/api/accounts/password",
            &[
                ("current_password", "wrong one!"),
                ("new_password", "short"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(response.status, 422, "{}", response.body);
    let fields: Vec<String> = response.json()["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["current_password", "new_password"]);

    let response = app
        .call(
            "/api/accounts/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new secret"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        me(app, &cookie).await["username"],
        "changer",
        "this session stays"
    );
    assert_eq!(me(app, &other).await, serde_json::Value::Null, "others end");
    assert!(
        service::log_in(&app.state.pool, "changer", PASSWORD, None, db::now())
            .await
            .is_err()
    );
    service::log_in(
        &app.state.pool,
        "changer",
        "a brand new secret",
        None,
        db::now(),
    )
    .await
    .expect("the new password works");

    let anonymous = app
        .call("/api/accounts/display-name", &[("display_name", "X")], None)
        .await;
    assert_eq!(anonymous.status, 401);
}

async fn insert_resource(app: &TestApp, team: &str, name: &str) {
    let team = nanos_store::teams::service::find(&app.state.pool, team)
        .await
        .unwrap()
        .unwrap();
    sqlx::query(
        "INSERT INTO resources (id, kind, name, team_id, title, short_description, description, category, created_at, updated_at) \
         VALUES ($1, 'package', $2, $3, $4, '', '', 'game-mode', 0, 0)",
    )
    .bind(format!("r-{name}"))
    .bind(name)
    .bind(&team.id)
    .bind(format!("Title of {name}"))
    .execute(&app.state.pool)
    .await
    .unwrap();
}

async fn deleting_an_account_explains_and_refuses_what_it_must(app: &TestApp) {
    use nanos_store::teams::service::Actor;
    use nanos_store::teams::Role;
    let cookie = app.register("leaver").await;
    let leaver = service::session_user(
        &app.state.pool,
        cookie.trim_start_matches("nanos_session="),
        db::now(),
    )
    .await
    .unwrap()
    .unwrap();
    let friend = app.create_user("friend").await;
    app.create_team(&leaver, "solo").await; // only the leaver, nothing in it: deleted with them
    app.create_team(&leaver, "busy").await; // holds a resource: blocks
    insert_resource(app, "busy", "busy-mod").await;
    app.create_team(&friend, "friends").await; // the leaver is a developer there: left
    app.add_member(&friend, "friends", "leaver", Role::Developer)
        .await;
    app.create_token(&leaver, &[nanos_store::tokens::Scope::Download], None)
        .await;

    let plan = app
        .call("/api/accounts/deletion-plan", &[], Some(&cookie))
        .await
        .json();
    assert_eq!(plan["deleted_teams"], serde_json::json!(["solo"]));
    assert_eq!(plan["left_teams"], serde_json::json!(["friends"]));
    assert_eq!(plan["blocking"][0]["name"], "busy");
    assert_eq!(
        plan["blocking"][0]["resources"],
        serde_json::json!(["busy-mod"])
    );
    let settings = app.get("/settings", Some(&cookie)).await;
    assert!(settings.body.contains("busy-mod"), "the page says which");

    let wrong = app
        .call(
            "/api/accounts/delete",
            &[("confirm", "someone"), ("password", "nope nope nope")],
            Some(&cookie),
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert_eq!(wrong.json()["fields"].as_array().unwrap().len(), 2);
    let blocked = app
        .call(
            "/api/accounts/delete",
            &[("confirm", "leaver"), ("password", PASSWORD)],
            Some(&cookie),
        )
        .await;
    assert_eq!(blocked.status, 409, "{}", blocked.body);
    assert!(blocked.json()["message"]
        .as_str()
        .unwrap()
        .contains("'busy'"));

    // Once someone else owns the busy team, the account can go.
    app.add_member(&leaver, "busy", "friend", Role::Owner).await;
    let deleted = app
        .call(
            "/api/accounts/delete",
            &[("confirm", "leaver"), ("password", PASSWORD)],
            Some(&cookie),
        )
        .await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert!(deleted.session_set_cookie().unwrap().contains("Max-Age=0"));
    assert_eq!(me(app, &cookie).await, serde_json::Value::Null);
    assert!(service::profile(&app.state.pool, "leaver")
        .await
        .unwrap()
        .is_none());
    for table in ["sessions", "api_tokens", "team_members"] {
        let (n,): (i64,) =
            sqlx::query_as(&format!("SELECT COUNT(*) FROM {table} WHERE user_id = $1"))
                .bind(&leaver.id)
                .fetch_one(&app.state.pool)
                .await
                .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    let teams: Vec<(String,)> = sqlx::query_as("SELECT name FROM teams ORDER BY name")
        .fetch_all(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(teams, [("busy".to_string(),), ("friends".to_string(),)]);
    let log =
        nanos_store::teams::service::audit_log(&app.state.pool, Actor::user(&friend), "friends")
            .await
            .unwrap();
    assert_eq!(log[0].actor, "leaver");
    assert!(log[0].action.contains("deleted their account"));
}

async fn profiles_list_teams_and_resources(app: &TestApp) {
    let maker = app.create_user("maker").await;
    app.create_team(&maker, "studio").await;
    insert_resource(app, "studio", "sandbox-mod").await;
    let page = app.get("/u/maker", None).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains(r#"href="/teams/studio">Team studio</a>"#),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains(r#"href="/packages/sandbox-mod">Title of sandbox-mod</a>"#));
}

on_both_databases!(
    registration_names_every_bad_field_at_once,
    member_pages_send_visitors_to_log_in,
    log_in_returns_to_the_page_it_came_from,
    without_javascript_a_wrong_password_is_explained,
    without_javascript_registration_shows_every_error,
    display_name_and_password_changes,
    deleting_an_account_explains_and_refuses_what_it_must,
    profiles_list_teams_and_resources,
    register_log_out_and_log_in,
    usernames_are_unique,
    bad_registrations_name_the_field,
    wrong_password_and_unknown_user_look_the_same,
    repeated_failures_lock_the_account_for_a_while,
    repeated_failures_from_one_address_are_refused,
    expired_sessions_stop_working,
    cookies_are_secure_behind_https,
    pages_render_on_the_server,
);
