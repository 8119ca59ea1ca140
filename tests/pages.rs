//! What the store pages show, over HTTP on SQLite and Postgres: icons and READMEs taken from
//! release zips, uploaded icons and screenshots (validated, resized, served with long cache
//! lifetimes), license and links, requirements both ways, browse facets and relevance, and the
//! welcome on an empty store.

mod common;

use std::io::{Cursor, Write};

use axum::body::Body;
use axum::http::Request;
use common::{TestApp, TestResponse};
use nanos_store::resources::media::MediaStore;
use nanos_store::tokens::Scope;
use serde_json::json;

const BOUNDARY: &str = "----nanospagesboundary";

/// A zip of (name, bytes).
fn zip(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in files {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn manifest(version: &str, packages: &[&str], assets: &[&str]) -> String {
    let list = |names: &[&str]| {
        names
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "[meta]\ntitle = \"T\"\nauthor = \"me\"\nversion = \"{version}\"\n[script]\npackages_requirements = [{}]\nassets_requirements = [{}]\n",
        list(packages),
        list(assets)
    )
}

fn image(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
    let picture =
        image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        }));
    let mut bytes = Vec::new();
    picture
        .write_to(&mut Cursor::new(&mut bytes), format)
        .unwrap();
    bytes
}

fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, bytes) in parts {
        let disposition = match filename {
            Some(f) => format!("form-data; name=\"{name}\"; filename=\"{f}\""),
            None => format!("form-data; name=\"{name}\""),
        };
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn post_multipart(
    app: &TestApp,
    path: &str,
    token: &str,
    parts: &[(&str, Option<&str>, &[u8])],
) -> TestResponse {
    let request = Request::post(path)
        .header("authorization", format!("Token {token}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(multipart(parts)))
        .unwrap();
    app.send(request).await
}

/// A user `owner` with an all-scopes token and a team `studio`; returns the token.
async fn owner(app: &TestApp) -> String {
    let owner = app.create_user("owner").await;
    let token = app.create_token(&owner, &Scope::ALL, None).await;
    let team = app
        .api(
            "POST",
            "/store/v1/teams",
            Some(&format!("Token {token}")),
            Some(json!({"name": "studio", "title": "Studio"})),
        )
        .await;
    assert_eq!(team.status, 201, "{}", team.body);
    token
}

async fn create(app: &TestApp, token: &str, kind: &str, resource: serde_json::Value) {
    let mut resource = resource;
    resource["team"] = json!("studio");
    let created = app
        .api(
            "POST",
            &format!("/store/v1/{kind}"),
            Some(&format!("Token {token}")),
            Some(resource),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
}

/// Uploads and publishes a release of package `name`.
async fn release(app: &TestApp, token: &str, name: &str, files: &[(&str, &[u8])], publish: bool) {
    let uploaded = post_multipart(
        app,
        &format!("/store/v1/packages/{name}/releases"),
        token,
        &[
            ("file", Some("release.zip"), &zip(files)),
            ("publish", None, if publish { b"true" } else { b"false" }),
        ],
    )
    .await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
}

/// The decoded dimensions of a stored image, by its address.
async fn stored_size(app: &TestApp, url: &str) -> (u32, u32) {
    let file = url.trim_start_matches("/media/");
    let (bytes, _) = MediaStore::new(&app.state.blobs)
        .read(file)
        .await
        .expect("a readable store")
        .expect("a stored image");
    let decoded = image::load_from_memory(&bytes).expect("a stored image");
    (decoded.width(), decoded.height())
}

async fn the_icon_and_readme_come_from_the_zip(app: &TestApp) {
    let token = owner(app).await;
    create(
        app,
        &token,
        "packages",
        json!({"name": "sandbox", "title": "Sandbox", "category": "script"}),
    )
    .await;
    let jpg = image(300, 150, image::ImageFormat::Jpeg);
    let m = manifest("1.0.0", &[], &[]);
    release(
        app,
        &token,
        "sandbox",
        &[
            ("Package.toml", m.as_bytes()),
            ("Package.jpg", &jpg),
            (
                "README.md",
                b"# Sandbox readme\n\nBuild <b>anything</b> you like.",
            ),
        ],
        true,
    )
    .await;

    let info = app.get("/store/v1/packages/sandbox", None).await.json();
    let (small, large) = (
        info["icon"]["small"].as_str().expect("an icon").to_string(),
        info["icon"]["large"].as_str().expect("an icon").to_string(),
    );
    assert_eq!(stored_size(app, &small).await, (64, 64));
    assert_eq!(stored_size(app, &large).await, (128, 128));

    let served = app.get(&large, None).await;
    assert_eq!(served.status, 200);
    assert_eq!(served.headers["content-type"], "image/png");
    assert_eq!(
        served.headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(served.headers["x-content-type-options"], "nosniff");
    // Even for a signed-in visitor, whose other answers are private.
    let cookie = app.register("visitor").await;
    let served = app.get(&large, Some(&cookie)).await;
    assert_eq!(
        served.headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(app.get(&format!("{large}x"), None).await.status, 404);
    assert_eq!(app.get("/media/../Cargo.toml", None).await.status, 404);

    // The README stands in for the empty description, rendered with the store's Markdown.
    let page = app.get("/packages/sandbox", None).await.body;
    assert!(page.contains(&large), "the page shows the icon");
    assert!(page.contains("Sandbox readme"), "{page}");
    assert!(page.contains("From the README.md"));
    assert!(!page.contains("<b>anything</b>"), "raw HTML is removed");
    // Cards show the small icon.
    assert!(app.get("/packages", None).await.body.contains(&small));

    // A draft's README and image stay with the draft until it is published.
    let m = manifest("2.0.0", &[], &[]);
    let other = image(300, 150, image::ImageFormat::Png);
    release(
        app,
        &token,
        "sandbox",
        &[
            ("Package.toml", m.as_bytes()),
            ("Package.jpg", &other),
            ("README.md", b"Secret draft notes"),
        ],
        false,
    )
    .await;
    let page = app.get("/packages/sandbox", None).await.body;
    assert!(page.contains("Sandbox readme") && !page.contains("Secret draft notes"));
    let info = app.get("/store/v1/packages/sandbox", None).await.json();
    assert_eq!(info["icon"]["large"], large.as_str());

    // A written description wins.
    let patched = app
        .api(
            "PATCH",
            "/store/v1/packages/sandbox",
            Some(&format!("Token {token}")),
            Some(json!({"description": "Our own words"})),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let page = app.get("/packages/sandbox", None).await.body;
    assert!(page.contains("Our own words") && !page.contains("Sandbox readme"));

    // An uploaded icon replaces the zip's, and the next release's image does not take it back.
    let png = image(500, 500, image::ImageFormat::Png);
    let set = post_multipart(
        app,
        "/store/v1/packages/sandbox/icon",
        &token,
        &[("file", Some("icon.png"), &png)],
    )
    .await;
    assert_eq!(set.status, 200, "{}", set.body);
    let uploaded_icon = set.json()["large"].as_str().unwrap().to_string();
    assert_ne!(uploaded_icon, large);
    let m = manifest("1.1.0", &[], &[]);
    release(
        app,
        &token,
        "sandbox",
        &[("Package.toml", m.as_bytes()), ("Package.jpg", &jpg)],
        true,
    )
    .await;
    let info = app.get("/store/v1/packages/sandbox", None).await.json();
    assert_eq!(info["icon"]["large"], uploaded_icon.as_str());
}

async fn images_are_checked_and_resized(app: &TestApp) {
    let token = owner(app).await;
    create(
        app,
        &token,
        "packages",
        json!({"name": "sandbox", "title": "Sandbox", "category": "script"}),
    )
    .await;
    let icon = "/store/v1/packages/sandbox/icon";

    let refused = post_multipart(
        app,
        icon,
        &token,
        &[("file", Some("x.png"), b"<svg onload=alert(1)>")],
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.json()["error"], "not-an-image");
    assert!(refused.json()["message"]
        .as_str()
        .unwrap()
        .contains("JPEG, PNG or WebP"));

    let huge = vec![0u8; 9 * 1024 * 1024];
    let refused = post_multipart(app, icon, &token, &[("file", Some("x.png"), &huge)]).await;
    assert_eq!(refused.status, 413, "{}", refused.body);
    assert_eq!(refused.json()["error"], "too-large");

    // A decompression bomb: a small PNG that claims 60000 x 60000 pixels.
    let mut bomb = image(1, 1, image::ImageFormat::Png);
    bomb[16..20].copy_from_slice(&60_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&60_000u32.to_be_bytes());
    let crc = crc32fast::hash(&bomb[12..29]);
    bomb[29..33].copy_from_slice(&crc.to_be_bytes());
    let refused = post_multipart(app, icon, &token, &[("file", Some("x.png"), &bomb)]).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.json()["error"], "image-too-large");

    // Screenshots: scaled to 1280 wide with a 400 px thumbnail; WebP is taken too.
    let shots = "/store/v1/packages/sandbox/screenshots";
    let big = image(2560, 1440, image::ImageFormat::Png);
    let added = post_multipart(
        app,
        shots,
        &token,
        &[("file", Some("a.png"), &big), ("caption", None, b"First")],
    )
    .await;
    assert_eq!(added.status, 201, "{}", added.body);
    let first = added.json();
    assert_eq!(
        stored_size(app, first["url"].as_str().unwrap()).await,
        (1280, 720)
    );
    assert_eq!(
        stored_size(app, first["thumbnail_url"].as_str().unwrap()).await,
        (400, 225)
    );
    let served = app.get(first["url"].as_str().unwrap(), None).await;
    assert_eq!(served.headers["content-type"], "image/jpeg");
    let webp = image(640, 360, image::ImageFormat::WebP);
    for n in 2..=8 {
        let caption = format!("Shot {n}");
        let added = post_multipart(
            app,
            shots,
            &token,
            &[
                ("file", Some("b.webp"), &webp),
                ("caption", None, caption.as_bytes()),
            ],
        )
        .await;
        assert_eq!(added.status, 201, "{}", added.body);
    }
    let full = post_multipart(app, shots, &token, &[("file", Some("c.webp"), &webp)]).await;
    assert_eq!(full.status, 409, "{}", full.body);
    assert_eq!(full.json()["error"], "too-many-screenshots");

    // Order and removal, through the page's server functions.
    let cookie = {
        let response = app
            .call(
                "/api/accounts/login",
                &[("username", "owner"), ("password", "correct horse battery")],
                None,
            )
            .await;
        response.session_cookie().expect("logged in")
    };
    let list = app.get(shots, None).await.json();
    let second = list[1]["id"].as_str().unwrap().to_string();
    let moved = app
        .call(
            "/api/resources/move-screenshot",
            &[
                ("kind", "packages"),
                ("name", "sandbox"),
                ("id", &second),
                ("direction", "earlier"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let list = app.get(shots, None).await.json();
    assert_eq!(list[0]["caption"], "Shot 2");
    assert_eq!(list[1]["caption"], "First");
    let removed = app
        .call(
            "/api/resources/remove-screenshot",
            &[("kind", "packages"), ("name", "sandbox"), ("id", &second)],
            Some(&cookie),
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert_eq!(
        app.get(shots, None).await.json().as_array().unwrap().len(),
        7
    );
    let page = app.get("/packages/sandbox", None).await.body;
    assert!(page.contains(list[1]["thumbnail_url"].as_str().unwrap()));

    // A browser's form post comes back to the page, which says what happened.
    let request = Request::post(icon)
        .header("cookie", &cookie)
        .header("host", "store.test")
        .header("origin", "http://store.test")
        .header("accept", "text/html,application/xhtml+xml")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(multipart(&[("file", Some("x.txt"), b"hello")])))
        .unwrap();
    let back = app.send(request).await;
    assert_eq!(back.status, 303, "{}", back.body);
    assert_eq!(
        back.headers["location"],
        "/packages/sandbox?media-error=not-an-image#media"
    );
    let page = app
        .get("/packages/sandbox?media-error=not-an-image", Some(&cookie))
        .await
        .body;
    assert!(page.contains("That file is not an image"), "{page}");

    // Only the team's developers change images.
    let outsider = app.create_user("outsider").await;
    let outsider = app.create_token(&outsider, &Scope::ALL, None).await;
    let png = image(64, 64, image::ImageFormat::Png);
    let refused = post_multipart(app, icon, &outsider, &[("file", Some("x.png"), &png)]).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
}

async fn license_and_links_are_checked(app: &TestApp) {
    let token = owner(app).await;
    let auth = format!("Token {token}");
    create(
        app,
        &token,
        "packages",
        json!({"name": "sandbox", "title": "Sandbox", "category": "script"}),
    )
    .await;
    let path = "/store/v1/packages/sandbox";
    let saved = app
        .api("PATCH", path, Some(&auth), Some(json!({"license": "apache-2.0 OR mit", "links": {"source": "https://github.com/me/sandbox", "discord": "https://discord.gg/abc"}})))
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let info = saved.json();
    assert_eq!(info["license"], "Apache-2.0 OR MIT");
    assert_eq!(info["links"]["source"], "https://github.com/me/sandbox");
    assert_eq!(info["links"]["discord"], "https://discord.gg/abc");
    assert_eq!(info["links"]["wiki"], serde_json::Value::Null);

    for (body, field) in [
        (
            json!({"links": {"source": "javascript:alert(document.cookie)"}}),
            "source_url",
        ),
        (
            json!({"links": {"wiki": " JavaScript:alert(1)"}}),
            "wiki_url",
        ),
        (
            json!({"links": {"issues": "data:text/html,<script>alert(1)</script>"}}),
            "issues_url",
        ),
        (
            json!({"links": {"discord": "discord.gg/abc"}}),
            "discord_url",
        ),
        (json!({"license": "Free for all"}), "license"),
    ] {
        let refused = app
            .api("PATCH", path, Some(&auth), Some(body.clone()))
            .await;
        assert_eq!(refused.status, 422, "{body}: {}", refused.body);
        assert_eq!(refused.json()["field"], field, "{body}");
    }
    // Nothing changed.
    assert_eq!(
        app.get(path, None).await.json()["license"],
        "Apache-2.0 OR MIT"
    );

    // The edit form refuses them the same way.
    let cookie = app
        .call(
            "/api/accounts/login",
            &[("username", "owner"), ("password", "correct horse battery")],
            None,
        )
        .await
        .session_cookie()
        .expect("logged in");
    let form = |source: &'static str| {
        vec![
            ("kind", "packages"),
            ("name", "sandbox"),
            ("title", "Sandbox"),
            ("short_description", ""),
            ("description", ""),
            ("category", "script"),
            ("tags", ""),
            ("license", "MIT"),
            ("source_url", source),
            ("issues_url", ""),
            ("wiki_url", ""),
            ("discord_url", ""),
        ]
    };
    let refused = app
        .call(
            "/api/resources/update",
            &form("javascript:alert(1)"),
            Some(&cookie),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.json()["field"], "source_url");
    let saved = app
        .call(
            "/api/resources/update",
            &form("https://example.com/src"),
            Some(&cookie),
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);

    let page = app.get("/packages/sandbox", None).await.body;
    assert!(
        page.contains(r#"href="https://example.com/src" rel="nofollow ugc noopener external""#),
        "{page}"
    );
    assert!(page.contains(">MIT<"));
    assert!(
        !page.contains("discord.gg"),
        "the form's blank Discord link was removed"
    );
}

async fn requirements_are_shown_both_ways(app: &TestApp) {
    let token = owner(app).await;
    for (name, title) in [
        ("lib", "Library"),
        ("app", "Application"),
        ("wip", "Work in progress"),
    ] {
        create(
            app,
            &token,
            "packages",
            json!({"name": name, "title": title, "category": "script"}),
        )
        .await;
    }
    create(
        app,
        &token,
        "assets",
        json!({"name": "city", "title": "City", "category": "maps"}),
    )
    .await;
    let m = manifest("1.0.0", &["lib", "default-weapons"], &["city"]);
    release(app, &token, "app", &[("Package.toml", m.as_bytes())], true).await;
    // A draft's requirements do not count.
    let m = manifest("1.0.0", &["lib"], &[]);
    release(app, &token, "wip", &[("Package.toml", m.as_bytes())], false).await;

    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM release_requirements")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(rows, 4);

    let page = app.get("/packages/app", None).await.body;
    let requirements = page
        .split("data-testid=\"requirements\"")
        .nth(1)
        .expect("requirements");
    assert!(requirements.contains(r#"href="/packages/lib""#) && requirements.contains("Library"));
    assert!(requirements.contains(r#"href="/assets/city""#));
    assert!(requirements.contains("default-weapons") && requirements.contains("not in this store"));

    let page = app.get("/packages/lib", None).await.body;
    let required_by = page
        .split("data-testid=\"required-by\"")
        .nth(1)
        .expect("required by");
    assert!(
        required_by.contains(r#"href="/packages/app""#),
        "{required_by}"
    );
    assert!(!required_by.contains("/packages/wip"));
    let page = app.get("/assets/city", None).await.body;
    assert!(page
        .split("data-testid=\"required-by\"")
        .nth(1)
        .unwrap()
        .contains("Application"));
}

async fn browse_counts_facets_and_ranks_by_relevance(app: &TestApp) {
    // An empty store welcomes its first visitors.
    let home = app.get("/", None).await.body;
    assert!(home.contains("data-testid=\"welcome\""), "{home}");
    let token = owner(app).await;
    for (name, title, description, category, tags) in [
        ("racecar", "Racing", "Fast", "game-mode", vec!["vehicles"]),
        ("car", "Car", "A car", "script", vec!["vehicles", "fun"]),
        ("carpark", "Parking", "Park it", "script", vec!["vehicles"]),
        ("garage", "Garage", "Where a car sleeps", "script", vec![]),
        ("bus", "Bus", "Big", "map", vec!["fun"]),
        ("wheels", "Car wheels", "Round", "script", vec![]),
    ] {
        create(app, &token, "packages", json!({"name": name, "title": title, "short_description": description, "category": category, "tags": tags})).await;
    }
    assert!(!app
        .get("/", None)
        .await
        .body
        .contains("data-testid=\"welcome\""));

    let names = |page: serde_json::Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect()
    };
    let found = app.get("/store/v1/packages?q=car", None).await.json();
    assert_eq!(
        names(found),
        ["car", "carpark", "racecar", "wheels", "garage"]
    );
    let found = app
        .get("/store/v1/packages?q=car&sort=relevance", None)
        .await
        .json();
    assert_eq!(names(found)[0], "car");
    let found = app
        .get("/store/v1/packages?q=car&sort=name", None)
        .await
        .json();
    assert_eq!(
        names(found),
        ["car", "carpark", "garage", "racecar", "wheels"]
    );
    assert_eq!(
        app.get("/store/v1/packages?sort=best", None).await.status,
        422
    );

    let facets = app
        .call("/api/resources/facets", &[("kind", "packages")], None)
        .await;
    assert_eq!(facets.status, 200, "{}", facets.body);
    let facets = facets.json();
    assert_eq!(
        facets["categories"],
        json!([
            {"value": "script", "count": 4}, {"value": "game-mode", "count": 1}, {"value": "map", "count": 1}
        ])
    );
    assert_eq!(
        facets["tags"],
        json!([{"value": "vehicles", "count": 3}, {"value": "fun", "count": 2}])
    );
    // Under a tag, categories count only what the tag shows; tags ignore the chosen tag.
    let facets = app
        .call(
            "/api/resources/facets",
            &[("kind", "packages"), ("tag", "fun"), ("category", "script")],
            None,
        )
        .await
        .json();
    assert_eq!(
        facets["categories"],
        json!([{"value": "map", "count": 1}, {"value": "script", "count": 1}])
    );
    assert_eq!(
        facets["tags"],
        json!([{"value": "vehicles", "count": 2}, {"value": "fun", "count": 1}])
    );

    // The page shows the choices as links with counts, and the chosen ones as removable chips.
    let page = app.get("/packages?tag=fun&q=b", None).await.body;
    assert!(page.contains("data-testid=\"facet-category\""), "{page}");
    assert!(
        page.contains(r#"data-testid="chip-tag""#) && page.contains(r#"href="/packages?q=b""#),
        "{page}"
    );
    assert!(page.contains(r#"data-testid="card-bus""#));
    assert!(!page.contains(r#"data-testid="card-car""#));
}

on_both_databases!(
    the_icon_and_readme_come_from_the_zip,
    images_are_checked_and_resized,
    license_and_links_are_checked,
    requirements_are_shown_both_ways,
    browse_counts_facets_and_ranks_by_relevance,
);

// Icons and screenshots with the files in a real S3-compatible store (Garage).
on_object_storage!(
    the_icon_and_readme_come_from_the_zip,
    images_are_checked_and_resized,
);
