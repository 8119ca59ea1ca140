//! Accounts over HTTP, on SQLite and Postgres: register, log in, log out, expiry, throttling.

mod common;

use common::TestApp;
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
        serde_json::json!({"username": "mapmaker", "display_name": "Map Maker"})
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

on_both_databases!(
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
