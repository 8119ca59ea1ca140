//! Building blocks shared by the security tests: release zips, multipart bodies and uploads.

use nanos_store::tokens::Scope;
use serde_json::json;

pub use crate::common::zip;
use crate::common::{TestApp, TestResponse};

/// A valid package release with this version, title and author.
pub fn package(version: &str, title: &str, author: &str) -> Vec<u8> {
    let quote = |text: &str| text.replace('\\', "\\\\").replace('"', "\\\"");
    let manifest = format!(
        "[meta]\ntitle = \"{}\"\nauthor = \"{}\"\nversion = \"{version}\"\n[game_mode]\n",
        quote(title),
        quote(author)
    );
    zip(&[
        ("Package.toml", &manifest),
        ("Server/Index.lua", "print('hi')"),
    ])
}

/// Uploads `zip` to `/store/v1/packages/{name}/releases` with a token, as CI does.
pub async fn upload(
    app: &TestApp,
    name: &str,
    token: &str,
    zip: &[u8],
    changelog: &str,
) -> TestResponse {
    app.upload_release("packages", name, token, zip, &[("changelog", changelog)])
        .await
}

/// A user `owner` with an all-scopes token, a team `team` it owns, and a package of that team
/// for each of `packages`; returns the token.
pub async fn team_with_packages(
    app: &TestApp,
    owner: &str,
    team: &str,
    packages: &[&str],
) -> String {
    let user = app.create_user(owner).await;
    let token = app.create_token(&user, &Scope::ALL, None).await;
    let auth = format!("Token {token}");
    let created = app
        .api(
            "POST",
            "/store/v1/teams",
            Some(&auth),
            Some(json!({"name": team, "title": team})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    for name in packages {
        let created = app
            .api(
                "POST",
                "/store/v1/packages",
                Some(&auth),
                Some(json!({"name": name, "team": team, "title": name,
                    "short_description": "A package", "category": "game-mode"})),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
    }
    token
}
