//! API tokens over HTTP, on SQLite and Postgres: create, list, revoke, expiry, last use, the 401
//! bodies, both header styles, the 100-token cap.

mod common;

use common::{TestApp, TestResponse};
use nanos_store::db;
use nanos_store::tokens::service::{self, Expiry, NewToken};
use nanos_store::tokens::{Scope, MAX_ACTIVE_TOKENS};

async fn create(app: &TestApp, cookie: &str, form: &[(&str, &str)]) -> TestResponse {
    app.call("/api/tokens/create", form, Some(cookie)).await
}

async fn create_ok(app: &TestApp, cookie: &str, label: &str) -> serde_json::Value {
    let response = create(
        app,
        cookie,
        &[
            ("label", label),
            ("expiry", "30"),
            ("download", "on"),
            ("publish", "on"),
        ],
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    response.json()
}

fn error_code(response: &TestResponse) -> String {
    response.json()["error"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn user_id(app: &TestApp, username: &str) -> String {
    let (id,): (String,) = sqlx::query_as("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    id
}

async fn create_use_and_revoke(app: &TestApp) {
    let cookie = app.register("server-owner").await;
    let created = create_ok(app, &cookie, "My game server").await;
    let token = created["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("nwst_") && token.len() == 43, "{token}");
    assert_eq!(created["info"]["label"], "My game server");
    assert_eq!(
        created["info"]["scopes"],
        serde_json::json!(["download", "publish"])
    );

    // Only the hash is stored.
    let (hash,): (String,) = sqlx::query_as("SELECT token_hash FROM api_tokens")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(hash, nanos_store::secrets::sha256_hex(&token));

    let list = app
        .call("/api/tokens/list", &[], Some(&cookie))
        .await
        .json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(
        !list.to_string().contains(&token),
        "the list never shows the secret"
    );

    for scheme in ["Token", "Bearer"] {
        let me = app
            .api(
                "GET",
                "/store/v1/user/me",
                Some(&format!("{scheme} {token}")),
                None,
            )
            .await;
        assert_eq!(me.status, 200, "{}", me.body);
        assert_eq!(me.json()["username"], "server-owner");
        assert_eq!(me.json()["display_name"], "Test User");
    }

    let id = created["info"]["id"].as_str().unwrap();
    let response = app
        .call("/api/tokens/revoke", &[("id", id)], Some(&cookie))
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let me = app
        .api(
            "GET",
            "/store/v1/user/me",
            Some(&format!("Token {token}")),
            None,
        )
        .await;
    assert_eq!(me.status, 401);
    assert_eq!(error_code(&me), "revoked-token");
    assert!(me.json()["message"]
        .as_str()
        .unwrap()
        .contains("revoked on"));
    let list = app
        .call("/api/tokens/list", &[], Some(&cookie))
        .await
        .json();
    assert_eq!(list, serde_json::json!([]));
}

async fn the_401_bodies_say_what_is_wrong(app: &TestApp) {
    let cases = [
        (None, "missing-credentials"),
        (
            Some("Basic dXNlcjpwYXNz".to_string()),
            "invalid-authorization",
        ),
        (Some("Token nwst_tooshort".to_string()), "malformed-token"),
        (
            Some(format!(
                "Token {}",
                nanos_store::tokens::format::assemble("abcdefghijklmnopqrstuvwxyz012345")
            )),
            "unknown-token",
        ),
    ];
    for (authorization, code) in cases {
        let response = app
            .api("GET", "/store/v1/user/me", authorization.as_deref(), None)
            .await;
        assert_eq!(response.status, 401, "{}", response.body);
        assert_eq!(error_code(&response), code, "{}", response.body);
        assert!(!response.json()["message"].as_str().unwrap().is_empty());
    }
    // The two malformed kinds say different things: not a token at all, or one with a typo.
    let message =
        |response: &TestResponse| response.json()["message"].as_str().unwrap().to_string();
    let short = app
        .api(
            "GET",
            "/store/v1/user/me",
            Some("Token nwst_tooshort"),
            None,
        )
        .await;
    assert!(
        message(&short).contains("start with nwst_"),
        "{}",
        short.body
    );
    let token = nanos_store::tokens::format::assemble("abcdefghijklmnopqrstuvwxyz012345");
    let typo = token.replacen('k', "K", 1);
    let mistyped = app
        .api(
            "GET",
            "/store/v1/user/me",
            Some(&format!("Token {typo}")),
            None,
        )
        .await;
    assert_eq!(mistyped.status, 401);
    assert_eq!(error_code(&mistyped), "malformed-token");
    assert!(
        message(&mistyped).contains("looks mistyped"),
        "{}",
        mistyped.body
    );
    assert!(
        !message(&mistyped).contains("43 characters"),
        "{}",
        mistyped.body
    );
    let missing = app.api("GET", "/store/v1/no/such/thing", None, None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(error_code(&missing), "not-found");
}

async fn expired_tokens_stop_working(app: &TestApp) {
    app.register("expiring").await;
    let id = user_id(app, "expiring").await;
    let long_ago = db::now() - 10 * 24 * 3600;
    let new = NewToken {
        label: "old".into(),
        expiry: Expiry::Days(7),
        scopes: vec![Scope::Download],
        team: None,
    };
    let created = service::create(&app.state.pool, &id, new, long_ago)
        .await
        .unwrap();
    let response = app
        .api(
            "GET",
            "/store/v1/user/me",
            Some(&format!("Token {}", created.token)),
            None,
        )
        .await;
    assert_eq!(response.status, 401);
    assert_eq!(error_code(&response), "expired-token");
    assert!(response.json()["message"]
        .as_str()
        .unwrap()
        .contains("expired on"));
}

async fn last_use_is_recorded_at_most_once_a_minute(app: &TestApp) {
    app.register("busy").await;
    let id = user_id(app, "busy").await;
    let now = db::now();
    let new = NewToken {
        label: "ci".into(),
        expiry: Expiry::Days(30),
        scopes: vec![Scope::Publish],
        team: None,
    };
    let created = service::create(&app.state.pool, &id, new, now)
        .await
        .unwrap();
    let last_used = || async {
        let (t,): (Option<i64>,) = sqlx::query_as("SELECT last_used_at FROM api_tokens")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
        t
    };
    assert_eq!(last_used().await, None);
    service::authenticate(&app.state.pool, &created.token, now)
        .await
        .unwrap();
    assert_eq!(last_used().await, Some(now));
    service::authenticate(&app.state.pool, &created.token, now + 30)
        .await
        .unwrap();
    assert_eq!(
        last_used().await,
        Some(now),
        "not rewritten within a minute"
    );
    service::authenticate(&app.state.pool, &created.token, now + 61)
        .await
        .unwrap();
    assert_eq!(last_used().await, Some(now + 61));
}

async fn bad_input_is_refused_beside_the_field(app: &TestApp) {
    let cookie = app.register("careful").await;
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[("label", ""), ("expiry", "30"), ("download", "on")],
            "label",
        ),
        (
            &[("label", "x"), ("expiry", "731"), ("download", "on")],
            "expiry",
        ),
        (
            &[
                ("label", "x"),
                ("expiry", "date"),
                ("expires_on", "2999-01-01"),
                ("download", "on"),
            ],
            "expiry",
        ),
        (&[("label", "x"), ("expiry", "30")], "scopes"),
    ];
    for (form, field) in cases {
        let response = create(app, &cookie, form).await;
        assert_eq!(response.status, 422, "{}", response.body);
        assert_eq!(response.json()["field"], field, "{}", response.body);
    }
    let anonymous = app
        .call(
            "/api/tokens/create",
            &[("label", "x"), ("expiry", "30")],
            None,
        )
        .await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(error_code(&anonymous), "login-required");
}

async fn at_most_100_active_tokens(app: &TestApp) {
    let cookie = app.register("hoarder").await;
    let id = user_id(app, "hoarder").await;
    let now = db::now();
    for i in 0..MAX_ACTIVE_TOKENS {
        let new = NewToken {
            label: format!("t{i}"),
            expiry: Expiry::Days(30),
            scopes: vec![Scope::Download],
            team: None,
        };
        service::create(&app.state.pool, &id, new, now)
            .await
            .unwrap();
    }
    let response = create(
        app,
        &cookie,
        &[("label", "one more"), ("expiry", "30"), ("download", "on")],
    )
    .await;
    assert_eq!(response.status, 422, "{}", response.body);
    assert_eq!(error_code(&response), "too-many-tokens");

    // Revoking one makes room.
    let list = app
        .call("/api/tokens/list", &[], Some(&cookie))
        .await
        .json();
    let first = list[0]["id"].as_str().unwrap().to_string();
    app.call("/api/tokens/revoke", &[("id", &first)], Some(&cookie))
        .await;
    create_ok(app, &cookie, "fits now").await;
}

async fn nobody_revokes_another_users_token(app: &TestApp) {
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let created = create_ok(app, &alice, "alice's").await;
    let id = created["info"]["id"].as_str().unwrap();
    let response = app
        .call("/api/tokens/revoke", &[("id", id)], Some(&bob))
        .await;
    assert_eq!(response.status, 404, "{}", response.body);
    let token = created["token"].as_str().unwrap();
    let me = app
        .api(
            "GET",
            "/store/v1/user/me",
            Some(&format!("Token {token}")),
            None,
        )
        .await;
    assert_eq!(me.json()["username"], "alice");
}

async fn sessions_work_for_the_api_too(app: &TestApp) {
    let cookie = app.register("browser").await;
    let response = app.get("/store/v1/user/me", Some(&cookie)).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json()["username"], "browser");
}

/// The date picked as the expiry is the date listed: the token works through that day (UTC).
async fn a_chosen_expiry_date_is_the_date_listed(app: &TestApp) {
    let cookie = app.register("dated").await;
    let picked = nanos_store::dates::format_date(db::now() + 200 * 24 * 3600);
    let response = create(
        app,
        &cookie,
        &[
            ("label", "dated"),
            ("expiry", "date"),
            ("expires_on", &picked),
            ("download", "on"),
        ],
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let list = app
        .call("/api/tokens/list", &[], Some(&cookie))
        .await
        .json();
    let expires_at = list[0]["expires_at"].as_i64().unwrap();
    assert_eq!(nanos_store::dates::format_date(expires_at), picked);
    assert_eq!(
        nanos_store::dates::format_date(expires_at + 1),
        nanos_store::dates::format_date(db::now() + 201 * 24 * 3600),
        "it works until the last second of that day"
    );
    let page = app.get("/settings/tokens", Some(&cookie)).await;
    assert!(
        page.body
            .contains(&format!(r#"<td data-label="Expires">{picked}</td>"#)),
        "{}",
        page.body
    );
}

/// Every wrong field is reported at once; without JavaScript the messages appear beside the
/// fields and the label is kept.
async fn every_wrong_field_at_once_with_and_without_javascript(app: &TestApp) {
    let cookie = app.register("hasty").await;
    let response = create(
        app,
        &cookie,
        &[
            ("label", "  "),
            ("expiry", "date"),
            ("expires_on", "2999-01-01"),
        ],
    )
    .await;
    assert_eq!(response.status, 422, "{}", response.body);
    let fields: Vec<String> = response.json()["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["label", "expiry", "scopes"]);

    let response = app
        .send(common::plain_form_post(
            "/api/tokens/create",
            &[
                ("label", "My CI"),
                ("expiry", "date"),
                ("expires_on", "2999-01-01"),
            ],
            Some(&cookie),
            "/settings/tokens",
        ))
        .await;
    assert_eq!(response.status, 302, "{}", response.body);
    let page = app.get(&response.location().unwrap(), Some(&cookie)).await;
    assert!(page.body.contains(r#"value="My CI""#), "{}", page.body);
    assert!(page.body.contains("at most 2 years"));
    assert!(page.body.contains("Pick at least one scope."));
}

/// Without JavaScript, a new token is still shown once: the redirect back to the tokens page
/// carries it in a short-lived cookie for that page only, which the page removes.
async fn without_javascript_a_new_token_is_shown_once(app: &TestApp) {
    let cookie = app.register("plain").await;
    let response = app
        .send(common::plain_form_post(
            "/api/tokens/create",
            &[("label", "No JS"), ("expiry", "30"), ("download", "on")],
            Some(&cookie),
            "/settings/tokens",
        ))
        .await;
    assert_eq!(response.status, 302, "{}", response.body);
    assert!(
        response.location().unwrap().contains("/settings/tokens"),
        "back to the tokens page"
    );
    let flash = response
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("nanos_new_token="))
        .expect("the new token travels in a cookie")
        .to_string();
    for attribute in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/settings/tokens",
        "Max-Age=120",
    ] {
        assert!(flash.contains(attribute), "{flash}");
    }
    let secret = flash
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("nanos_new_token=")
        .to_string();
    assert!(secret.starts_with("nwst_"), "{flash}");

    let both = format!("{cookie}; nanos_new_token={secret}");
    let page = app.get("/settings/tokens", Some(&both)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&secret), "shown once");
    assert!(page.body.contains("it will not be shown again"));
    let cleared = page
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with("nanos_new_token=;") && v.contains("Max-Age=0"));
    assert!(cleared, "the page removes the cookie");
    let again = app.get("/settings/tokens", Some(&cookie)).await;
    assert!(!again.body.contains(&secret));

    // Another user's secret in the cookie shows nothing.
    let other = app.register("nosy").await;
    let page = app
        .get(
            "/settings/tokens",
            Some(&format!("{other}; nanos_new_token={secret}")),
        )
        .await;
    assert!(!page.body.contains(&secret));
}

on_both_databases!(
    without_javascript_a_new_token_is_shown_once,
    a_chosen_expiry_date_is_the_date_listed,
    every_wrong_field_at_once_with_and_without_javascript,
    create_use_and_revoke,
    the_401_bodies_say_what_is_wrong,
    expired_tokens_stop_working,
    last_use_is_recorded_at_most_once_a_minute,
    bad_input_is_refused_beside_the_field,
    at_most_100_active_tokens,
    nobody_revokes_another_users_token,
    sessions_work_for_the_api_too,
);
