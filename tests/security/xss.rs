//! Finding 1 and 2: user text that ends the `<title>` or a `<textarea>` must come out as text on
//! every page that shows it, for visitors and for the team. Every text a user can set gets the
//! payload; every page that shows one is rendered, signed in and out, and searched for the payload
//! in raw form (which would be live markup) and in escaped form (the text shown as text).

use crate::common::TestApp;
use crate::support::{package, upload};
use nanos_store::accounts::service::User;
use nanos_store::db;
use nanos_store::tokens::service::{self as tokens, Expiry, NewToken};
use nanos_store::tokens::Scope;
use serde_json::json;

/// Ends a title and a textarea, then starts an element with a handler. 55 characters, so that it
/// fits every field (display names and token labels have at most 64).
pub const PAYLOAD: &str = "\"'</textarea></title><img src=x onerror=window.__xss=1>";
/// A link's path that would close the `href` attribute and add an element if it were written raw.
const HOSTILE_PATH: &str = "\"'></a><img/src=x/onerror=window.__xss=1>";
/// What the payload's element looks like if it were live markup.
const LIVE: &str = "<img src=x onerror";
/// What it looks like shown as text.
const SHOWN: &str = "&lt;img src=x onerror=window.__xss=1&gt;";

async fn hostile_text_is_shown_as_text_on_every_page(app: &TestApp) {
    let cookie = app
        .call(
            "/api/accounts/register",
            &[
                ("username", "mallory"),
                ("display_name", PAYLOAD),
                ("password", "correct horse battery"),
            ],
            None,
        )
        .await
        .session_cookie()
        .expect("registered");
    let user: User = sqlx::query_as(
        "SELECT id, username, display_name, created_at FROM users WHERE username = 'mallory'",
    )
    .fetch_one(&app.state.pool)
    .await
    .expect("user");
    assert_eq!(user.display_name, PAYLOAD);
    let token = tokens::create(
        &app.state.pool,
        &user.id,
        NewToken {
            label: PAYLOAD.into(),
            expiry: Expiry::Days(30),
            scopes: Scope::ALL.to_vec(),
            team: None,
        },
        db::now(),
    )
    .await
    .expect("token")
    .token;
    let auth = format!("Token {token}");

    let team = app
        .api(
            "POST",
            "/store/v1/teams",
            Some(&auth),
            Some(json!({"name": "evil", "title": PAYLOAD, "description": PAYLOAD})),
        )
        .await;
    assert_eq!(team.status, 201, "{}", team.body);
    let resource = json!({"name": "evilpkg", "team": "evil", "title": PAYLOAD,
        "short_description": PAYLOAD, "description": PAYLOAD, "category": "game-mode"});
    let mut with_tags = resource.clone();
    with_tags["tags"] = json!([PAYLOAD]);
    let created = app
        .api("POST", "/store/v1/packages", Some(&auth), Some(with_tags))
        .await;
    if created.status != 201 {
        // Tags are restricted to plain words: the hostile tag is refused, clearly.
        assert_eq!(created.status, 422, "{}", created.body);
        assert_eq!(created.json()["field"], "tags", "{}", created.body);
        let created = app
            .api("POST", "/store/v1/packages", Some(&auth), Some(resource))
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
    }
    let uploaded = upload(
        app,
        "evilpkg",
        &token,
        &package("1.0.0", PAYLOAD, PAYLOAD),
        PAYLOAD,
    )
    .await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    let published = app
        .api(
            "POST",
            "/store/v1/packages/evilpkg/releases/1.0.0/publish",
            Some(&auth),
            None,
        )
        .await;
    assert_eq!(published.status, 200, "{}", published.body);
    // A yank's reason, shown beside the release to everyone.
    let yanked = app
        .api(
            "PUT",
            "/store/v1/packages/evilpkg/releases/1.0.0/yank",
            Some(&auth),
            Some(json!({"reason": PAYLOAD})),
        )
        .await;
    assert_eq!(yanked.status, 200, "{}", yanked.body);

    // The resource page's own texts: a license (refused: not SPDX), links (kept only as http(s)
    // addresses, which escape what a page could take for markup) and a screenshot caption.
    let license = app
        .api(
            "PATCH",
            "/store/v1/packages/evilpkg",
            Some(&auth),
            Some(json!({"license": PAYLOAD})),
        )
        .await;
    assert_eq!(license.status, 422, "{}", license.body);
    assert_eq!(license.json()["field"], "license");
    let link = format!("https://evil.example/{HOSTILE_PATH}");
    let links = app
        .api(
            "PATCH",
            "/store/v1/packages/evilpkg",
            Some(&auth),
            Some(json!({"links": {"source": link, "issues": link, "wiki": link, "discord": link}})),
        )
        .await;
    assert_eq!(links.status, 200, "{}", links.body);
    let screenshot = upload_screenshot(app, &token, PAYLOAD).await;
    assert_eq!(screenshot.status, 201, "{}", screenshot.body);

    let public_pages = [
        "/",
        "/packages",
        "/packages?q=evil",
        "/packages/evilpkg",
        "/packages/evilpkg/releases/1.0.0",
        "/u/mallory",
        "/teams/evil",
    ];
    let member_pages = [
        "/teams",
        "/teams/evil/settings",
        "/settings",
        "/settings/tokens",
        "/upload",
    ];
    let visits = public_pages.iter().map(|page| (*page, None)).chain(
        public_pages
            .iter()
            .chain(&member_pages)
            .map(|page| (*page, Some(cookie.as_str()))),
    );
    for (page, cookie) in visits {
        let response = app.get(page, cookie).await;
        let who = if cookie.is_some() { "owner" } else { "visitor" };
        assert_eq!(response.status, 200, "{page} as {who}");
        assert!(
            !response.body.contains(LIVE),
            "{page} as {who}: the payload is live markup:\n{}",
            response.body
        );
        assert!(
            !response.body.contains("</textarea></title>"),
            "{page} as {who}: the payload ends an element"
        );
        assert!(
            !response.body.contains(HOSTILE_PATH),
            "{page} as {who}: a link's markup is live"
        );
    }
    // Shown as text where it is the page's subject: the title and the fields holding it.
    for (page, cookie) in [
        ("/u/mallory", None),
        ("/teams/evil", None),
        ("/packages/evilpkg", None),
        ("/packages/evilpkg", Some(cookie.as_str())),
        ("/packages/evilpkg/releases/1.0.0", None),
    ] {
        let body = app.get(page, cookie).await.body;
        let title = body
            .split_once("<title>")
            .and_then(|(_, rest)| rest.split_once("</title>"))
            .map(|(title, _)| title)
            .unwrap_or_default();
        assert!(
            title.contains(SHOWN),
            "{page}: the title does not show the text: {title:?}"
        );
    }
    // The caption is shown as text in the gallery (visitors) and in the gallery manager (team).
    for cookie in [None, Some(cookie.as_str())] {
        let page = app.get("/packages/evilpkg", cookie).await.body;
        assert!(page.contains(SHOWN), "the caption is shown as text");
        assert!(
            page.contains("https://evil.example/"),
            "the links are shown"
        );
    }
    for page in ["/packages/evilpkg", "/packages/evilpkg/releases/1.0.0"] {
        let body = app.get(page, None).await.body;
        let note = body
            .split_once("data-testid=\"yank-note\"")
            .map(|(_, rest)| rest.split_once("</p>").map_or(rest, |(note, _)| note))
            .unwrap_or_default();
        assert!(
            note.contains(SHOWN),
            "{page}: the yank's reason is shown as text: {note:?}"
        );
    }
    let team_settings = app.get("/teams/evil/settings", Some(&cookie)).await.body;
    assert!(
        team_settings.contains(&format!("&lt;&#x2F;textarea&gt;&lt;&#x2F;title&gt;{SHOWN}")),
        "the description field holds the text"
    );

    // The staff's texts (issue #16): mallory, now a moderator, reports the package twice,
    // resolves one report, suspends a user and takes the package down, the payload as each text.
    nanos_store::moderation::service::grant(
        &app.state.pool,
        &nanos_store::access::Staff::operator(),
        "mallory",
        nanos_store::moderation::SiteRole::Moderator,
        db::now(),
    )
    .await
    .expect("grant");
    app.create_user("victim").await;
    let mut reports = Vec::new();
    for reason in ["other", "spam"] {
        let report = app
            .api(
                "POST",
                "/store/v1/packages/evilpkg/reports",
                Some(&auth),
                Some(json!({"reason": reason, "details": PAYLOAD})),
            )
            .await;
        assert_eq!(report.status, 201, "{}", report.body);
        reports.push(report.json()["id"].as_str().unwrap_or_default().to_string());
    }
    let staff_acts = [
        (
            "PATCH",
            format!("/store/v1/admin/reports/{}", reports[0]),
            json!({"status": "dismissed", "note": PAYLOAD}),
        ),
        (
            "PUT",
            "/store/v1/admin/users/victim/suspension".to_string(),
            json!({"reason": PAYLOAD}),
        ),
        (
            "PUT",
            "/store/v1/admin/packages/evilpkg/takedown".to_string(),
            json!({"reason": PAYLOAD}),
        ),
    ];
    for (method, path, body) in staff_acts {
        let done = app.api(method, &path, Some(&auth), Some(body)).await;
        assert_eq!(done.status, 200, "{method} {path}: {}", done.body);
    }
    for (page, cookie) in [
        ("/admin", Some(cookie.as_str())),
        ("/admin?q=mallory", Some(cookie.as_str())),
        ("/admin/log", Some(cookie.as_str())),
        ("/settings", Some(cookie.as_str())),
        ("/u/victim", Some(cookie.as_str())),
        ("/teams/evil", Some(cookie.as_str())),
        ("/packages/evilpkg", Some(cookie.as_str())),
        ("/packages/evilpkg", None),
        ("/packages/evilpkg/releases/1.0.0", None),
    ] {
        let body = app.get(page, cookie).await.body;
        let who = if cookie.is_some() {
            "the moderator"
        } else {
            "a visitor"
        };
        assert!(
            !body.contains(LIVE),
            "{page} as {who}: the payload is live markup:\n{body}"
        );
        assert!(
            !body.contains("</textarea></title>"),
            "{page} as {who}: the payload ends an element"
        );
        assert!(
            body.contains(SHOWN),
            "{page} as {who}: the staff's text is not shown"
        );
    }
}

/// Adds a screenshot (a small PNG) with this caption to `evilpkg`.
async fn upload_screenshot(
    app: &TestApp,
    token: &str,
    caption: &str,
) -> crate::common::TestResponse {
    use axum::body::Body;
    use axum::http::Request;
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::new(32, 32))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("png");
    let boundary = "----nanosxssboundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(&png);
    body.extend_from_slice(
        format!("\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\n{caption}\r\n--{boundary}--\r\n").as_bytes(),
    );
    let request = Request::post("/store/v1/packages/evilpkg/screenshots")
        .header("authorization", format!("Token {token}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .expect("request");
    app.send(request).await
}

crate::on_both_databases!(hostile_text_is_shown_as_text_on_every_page);
