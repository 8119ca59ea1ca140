//! Browsing a release's files and comparing releases (issue #17), over the HTTP API and the pages,
//! on SQLite and Postgres (and with the files in a real S3-compatible store): the tree and the
//! contents of a package and an asset pack, paths that try to leave the zip, private releases'
//! files hidden from others, comparisons with added, removed, renamed and changed files, and the
//! files kept at upload (or, for older releases, the first time they are asked for).

mod common;

use common::{TestApp, TestResponse};
use nanos_store::teams::Role;
use nanos_store::tokens::Scope;
use serde_json::{json, Value};

/// A zip of `files` (name, bytes): the text ones deflated, as authors' tools write them, and the
/// others stored.
fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        let method = if name.ends_with(".uasset") || name.ends_with(".png") {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        writer
            .start_file(
                *name,
                zip::write::SimpleFileOptions::default().compression_method(method),
            )
            .expect("zip entry");
        writer.write_all(bytes).expect("zip write");
    }
    writer.finish().expect("zip").into_inner()
}

fn manifest(kind: &str, version: &str) -> Vec<u8> {
    match kind {
        "packages" => format!(
            "[meta]\ntitle = \"Race\"\nauthor = \"me\"\nversion = \"{version}\"\n[game_mode]\n"
        ),
        _ => format!("[meta]\ntitle = \"Cars\"\nauthor = \"me\"\nversion = \"{version}\"\n"),
    }
    .into_bytes()
}

/// A script with a hostile string in it, and many lines.
fn server_script(extra: &str) -> Vec<u8> {
    let mut text =
        String::from("-- The server side\nlocal greeting = \"<script>alert(1)</script>\"\n");
    for i in 0..40 {
        text.push_str(&format!("local value_{i} = {i}\n"));
    }
    text.push_str(extra);
    text.into_bytes()
}

/// The bytes of a tiny PNG (1×1).
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89, 0, 0, 0, 0x0d, 0x49, 0x44, 0x41, 0x54,
    0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0, 0x05, 0, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d,
    0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

struct Studio {
    owner_token: String,
    member_token: String,
    outsider_token: String,
}

/// A team `studio` (an owner and a member), an outsider, the package `race` and the asset pack
/// `cars`.
async fn studio(app: &TestApp) -> Studio {
    let owner = app.create_user("owner").await;
    let member = app.create_user("member").await;
    let outsider = app.create_user("outsider").await;
    app.create_team(&owner, "studio").await;
    app.add_member(&owner, "studio", "member", Role::Member)
        .await;
    let owner_token = app.create_token(&owner, &Scope::ALL, None).await;
    for (kind, name, category) in [
        ("packages", "race", "game-mode"),
        ("assets", "cars", "vehicles"),
    ] {
        let created = app
            .api(
                "POST",
                &format!("/store/v1/{kind}"),
                Some(&format!("Token {owner_token}")),
                Some(json!({"name": name, "team": "studio", "title": name, "short_description": "A test", "category": category})),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
    }
    Studio {
        member_token: app.create_token(&member, &[Scope::Download], None).await,
        outsider_token: app.create_token(&outsider, &Scope::ALL, None).await,
        owner_token,
    }
}

async fn upload(app: &TestApp, s: &Studio, kind: &str, name: &str, zip: &[u8], publish: bool) {
    let fields: &[(&str, &str)] = if publish { &[("publish", "true")] } else { &[] };
    let response = app
        .upload_release(kind, name, &s.owner_token, zip, fields)
        .await;
    assert_eq!(response.status, 201, "{}", response.body);
}

async fn get(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
) -> TestResponse {
    let mut request = axum::http::Request::get(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Token {token}"));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.send(request.body(axum::body::Body::empty()).unwrap())
        .await
}

fn crc(bytes: &[u8]) -> u64 {
    u64::from(crc32fast::hash(bytes))
}

const RACE: &str = "/store/v1/packages/race/releases/1.0.0";

async fn a_package_tree_and_its_files(app: &TestApp) {
    let s = studio(app).await;
    let script = server_script("");
    let readme = b"# Race\n\nDrive **fast**.\n".to_vec();
    let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    // Deflated, unpacked over many steps of the stream.
    let big: Vec<u8> = (0..40_000)
        .flat_map(|i| format!("local row_{i} = {}\n", i * 7).into_bytes())
        .collect();
    let zip = zip_of(&[
        ("Package.toml", &manifest("packages", "1.0.0")),
        ("Server/Index.lua", &script),
        (
            "Client/ui/index.html",
            b"<html><script>alert(document.cookie)</script></html>",
        ),
        ("Client/ui/logo.png", PNG),
        ("Client/data.bin", &binary),
        ("README.md", &readme),
        ("Shared/big.lua", &big),
    ]);
    upload(app, &s, "packages", "race", &zip, true).await;

    // The upload kept its files: one row each.
    let (kept,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM release_files")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(kept, 7);

    // The tree, by path, with sizes and CRCs.
    let list = get(app, &format!("{RACE}/files"), None, &[]).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let list = list.json();
    let paths: Vec<&str> = list["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "Client/data.bin",
            "Client/ui/index.html",
            "Client/ui/logo.png",
            "Package.toml",
            "README.md",
            "Server/Index.lua",
            "Shared/big.lua"
        ]
    );
    let server = &list["files"][5];
    assert_eq!(server["size"], json!(script.len()));
    assert_eq!(server["crc32"], json!(crc(&script)));
    assert_eq!(list["file_count"], json!(7));
    // A large deflated file, whole and in parts (its middle, its end).
    let whole = get(app, &format!("{RACE}/files/Shared/big.lua"), None, &[]).await;
    assert_eq!(whole.body.as_bytes(), big.as_slice());
    let middle = get(
        app,
        &format!("{RACE}/files/Shared/big.lua"),
        None,
        &[("range", "bytes=300000-400009")],
    )
    .await;
    assert_eq!(middle.status, 206);
    assert_eq!(middle.body.as_bytes(), &big[300_000..400_010]);
    let end = get(
        app,
        &format!("{RACE}/files/Shared/big.lua"),
        None,
        &[("range", &format!("bytes={}-", big.len() - 3))],
    )
    .await;
    assert_eq!(end.body.as_bytes(), &big[big.len() - 3..]);

    // One file's bytes (deflated in the zip): exactly the file, as an inert attachment.
    let file = get(app, &format!("{RACE}/files/Server/Index.lua"), None, &[]).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.body.as_bytes(), script.as_slice());
    assert_eq!(file.headers["content-type"], "text/plain; charset=utf-8");
    assert_eq!(file.headers["x-content-type-options"], "nosniff");
    assert!(file.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"Index.lua\""));
    assert!(file.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("sandbox"));
    // The HTML file too is text, never a page.
    let html = get(
        app,
        &format!("{RACE}/files/Client/ui/index.html"),
        None,
        &[],
    )
    .await;
    assert_eq!(html.headers["content-type"], "text/plain; charset=utf-8");
    assert!(html.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));

    // Ranges, of a stored and of a deflated file; the ETag.
    let part = get(
        app,
        &format!("{RACE}/files/Client/data.bin"),
        None,
        &[("range", "bytes=1000-1009")],
    )
    .await;
    assert_eq!(part.status, 206);
    assert_eq!(part.headers["content-range"], "bytes 1000-1009/70000");
    let expected: Vec<u8> = binary[1000..1010].to_vec();
    assert_eq!(
        part.body.as_bytes(),
        String::from_utf8_lossy(&expected).as_bytes()
    );
    let part = get(
        app,
        &format!("{RACE}/files/Server/Index.lua"),
        None,
        &[("range", "bytes=3-9")],
    )
    .await;
    assert_eq!(part.status, 206);
    assert_eq!(part.body.as_bytes(), &script[3..10]);
    let tail = get(
        app,
        &format!("{RACE}/files/Server/Index.lua"),
        None,
        &[("range", "bytes=-5")],
    )
    .await;
    assert_eq!(tail.body.as_bytes(), &script[script.len() - 5..]);
    let beyond = get(
        app,
        &format!("{RACE}/files/Server/Index.lua"),
        None,
        &[("range", "bytes=99999-")],
    )
    .await;
    assert_eq!(beyond.status, 416);
    let etag = file.headers["etag"].to_str().unwrap().to_string();
    let again = get(
        app,
        &format!("{RACE}/files/Server/Index.lua"),
        None,
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(again.status, 304);

    // Paths that try to leave the zip, or name nothing.
    for bad in [
        "../../etc/passwd",
        "..%2F..%2Fetc%2Fpasswd",
        "Server/../Package.toml",
        "Server//Index.lua",
        "%2Fetc%2Fpasswd",
        "Server%5C..%5CIndex.lua",
    ] {
        let refused = get(app, &format!("{RACE}/files/{bad}"), None, &[]).await;
        assert!(
            refused.status == 422 || refused.status == 404,
            "{bad}: {} {}",
            refused.status,
            refused.body
        );
        assert_ne!(refused.status, 200, "{bad}");
        if refused.status == 422 {
            assert_eq!(refused.json()["error"], "invalid-path", "{bad}");
        }
    }
    let refused = get(
        app,
        &format!("{RACE}/files/Server/..%2F..%2FPackage.toml"),
        None,
        &[],
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.json()["error"], "invalid-path");
    let missing = get(app, &format!("{RACE}/files/Server/Missing.lua"), None, &[]).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error"], "not-found");

    // The pages: the root, a folder, a highlighted script (its hostile string as text), an image,
    // a binary file, and what is not there.
    let root = app.get("/packages/race/releases/1.0.0/files", None).await;
    assert_eq!(root.status, 200);
    assert!(
        root.body
            .contains("href=\"/packages/race/releases/1.0.0/files/Server\""),
        "{}",
        root.body
    );
    assert!(root.body.contains("7 files"));
    let folder = app
        .get("/packages/race/releases/1.0.0/files/Client/ui", None)
        .await;
    assert_eq!(folder.status, 200);
    assert!(folder.body.contains("files/Client/ui/index.html"));
    let page = app
        .get("/packages/race/releases/1.0.0/files/Server/Index.lua", None)
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("id=\"L42\""),
        "the 42 lines are numbered"
    );
    assert!(page.body.contains("hl-comment"), "highlighted");
    assert!(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.body.contains("<script>alert(1)"));
    let html_page = app
        .get(
            "/packages/race/releases/1.0.0/files/Client/ui/index.html",
            None,
        )
        .await;
    assert!(!html_page.body.contains("<script>alert(document.cookie)"));
    let image = app
        .get(
            "/packages/race/releases/1.0.0/files/Client/ui/logo.png",
            None,
        )
        .await;
    assert!(
        image.body.contains(
            "<img src=\"/store/v1/packages/race/releases/1.0.0/files/Client/ui/logo.png\""
        ),
        "{}",
        image.body
    );
    assert!(image.body.contains("class=\"file-image\""));
    let png = get(app, &format!("{RACE}/files/Client/ui/logo.png"), None, &[]).await;
    assert_eq!(png.headers["content-type"], "image/png");
    let bin = app
        .get("/packages/race/releases/1.0.0/files/Client/data.bin", None)
        .await;
    assert!(bin.body.contains("not shown here"));
    assert!(bin.body.contains(&format!("{:08x}", crc(&binary))));
    let nothing = app
        .get("/packages/race/releases/1.0.0/files/Nope", None)
        .await;
    assert_eq!(nothing.status, 404);
    let escape = app
        .get("/packages/race/releases/1.0.0/files/a/../b", None)
        .await;
    assert_ne!(escape.status, 200);

    // The release page links to its files.
    let release = app.get("/packages/race/releases/1.0.0", None).await;
    assert!(release
        .body
        .contains("href=\"/packages/race/releases/1.0.0/files\""));

    // A release uploaded before files were kept has them read from its zip when first asked for.
    sqlx::query("DELETE FROM release_files")
        .execute(&app.state.pool)
        .await
        .unwrap();
    let file = get(app, &format!("{RACE}/files/README.md"), None, &[]).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.body.as_bytes(), readme.as_slice());
    let (kept,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM release_files")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(kept, 7);
    let _ = s.member_token;
}

async fn an_asset_pack_tree(app: &TestApp) {
    let s = studio(app).await;
    let mut files: Vec<(String, Vec<u8>)> =
        vec![("Assets.toml".into(), manifest("assets", "1.0.0"))];
    for i in 0..30 {
        files.push((
            format!("Content/Cars/Car{i:02}.uasset"),
            vec![i as u8; 1000 + i],
        ));
    }
    files.push(("Content/Sounds/horn.uasset".into(), vec![7; 500]));
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    upload(app, &s, "assets", "cars", &zip_of(&borrowed), true).await;
    let list = get(app, "/store/v1/assets/cars/releases/1.0.0/files", None, &[])
        .await
        .json();
    assert_eq!(list["file_count"], json!(32));
    let car = get(
        app,
        "/store/v1/assets/cars/releases/1.0.0/files/Content/Cars/Car07.uasset",
        None,
        &[],
    )
    .await;
    assert_eq!(car.status, 200);
    assert_eq!(car.headers["content-type"], "application/octet-stream");
    assert_eq!(car.headers["content-length"], "1007");
    let content = app
        .get("/assets/cars/releases/1.0.0/files/Content", None)
        .await;
    assert_eq!(content.status, 200);
    // Folders first, with their files' count.
    let cars_at = content
        .body
        .find("files/Content/Cars\"")
        .expect("Cars folder");
    let sounds_at = content
        .body
        .find("files/Content/Sounds\"")
        .expect("Sounds folder");
    assert!(cars_at < sounds_at);
    assert!(
        content.body.contains(">30 files<"),
        "the Cars folder counts 30 files"
    );
}

async fn private_files_are_for_the_team(app: &TestApp) {
    let s = studio(app).await;
    // A draft: its files, like itself, are the team's.
    upload(
        app,
        &s,
        "packages",
        "race",
        &zip_of(&[
            ("Package.toml", &manifest("packages", "1.0.0")),
            ("Server/Index.lua", b"print(1)"),
        ]),
        false,
    )
    .await;
    for path in [
        format!("{RACE}/files"),
        format!("{RACE}/files/Server/Index.lua"),
        "/store/v1/packages/race/compare/1.0.0...1.0.0".to_string(),
    ] {
        assert_eq!(
            get(app, &path, None, &[]).await.status,
            404,
            "{path} anonymous"
        );
        assert_eq!(
            get(app, &path, Some(&s.outsider_token), &[]).await.status,
            404,
            "{path} outsider"
        );
        let member = get(app, &path, Some(&s.member_token), &[]).await;
        assert_eq!(member.status, 200, "{path} member: {}", member.body);
    }
    let page = app
        .get("/packages/race/releases/1.0.0/files/Server/Index.lua", None)
        .await;
    assert_eq!(page.status, 404);
    assert!(!page.body.contains("print(1)"));
    let compare = app.get("/packages/race/compare/1.0.0...1.0.0", None).await;
    assert_eq!(compare.status, 404);
    // The member's session sees them.
    let cookie = app.log_in("member").await;
    let page = app
        .get(
            "/packages/race/releases/1.0.0/files/Server/Index.lua",
            Some(&cookie),
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("print"));
    // The file of a private release is never kept by shared caches.
    let file = get(
        app,
        &format!("{RACE}/files/Server/Index.lua"),
        Some(&s.member_token),
        &[],
    )
    .await;
    assert_eq!(file.headers["cache-control"], "private, no-store");
}

async fn releases_are_compared(app: &TestApp) {
    let s = studio(app).await;
    let moved = b"return { speed = 10 }\n".to_vec();
    let old_script = b"local a = 1\nlocal b = 2\nlocal c = 3\nprint(a + b + c)\n".to_vec();
    let new_script = b"local a = 1\nlocal c = 4\nprint(a + c)\n-- done\n".to_vec();
    let v1 = zip_of(&[
        ("Package.toml", &manifest("packages", "1.0.0")),
        ("Server/Index.lua", &old_script),
        ("Server/config.lua", &moved),
        ("Client/Index.lua", b"print('client')\n"),
        ("Shared/same.lua", b"print('same')\n"),
    ]);
    let v2 = zip_of(&[
        ("Package.toml", &manifest("packages", "1.1.0")),
        ("Server/Index.lua", &new_script),
        ("Server/settings/config.lua", &moved),
        ("Server/new.lua", b"print('new')\n"),
        ("Shared/same.lua", b"print('same')\n"),
    ]);
    upload(app, &s, "packages", "race", &v1, true).await;
    upload(app, &s, "packages", "race", &v2, true).await;
    let compared = get(
        app,
        "/store/v1/packages/race/compare/1.0.0...1.1.0",
        None,
        &[],
    )
    .await;
    assert_eq!(compared.status, 200, "{}", compared.body);
    let c: Value = compared.json();
    let paths = |key: &str| -> Vec<String> {
        c[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(paths("added"), ["Server/new.lua"]);
    assert_eq!(paths("removed"), ["Client/Index.lua"]);
    assert_eq!(paths("changed"), ["Package.toml", "Server/Index.lua"]);
    assert_eq!(
        c["renamed"],
        json!([{"from": "Server/config.lua", "to": "Server/settings/config.lua", "size": moved.len()}])
    );
    assert_eq!(c["unchanged"], json!(1));
    let script = &c["changed"][1];
    assert_eq!(script["old_crc32"], json!(crc(&old_script)));
    assert_eq!(script["new_crc32"], json!(crc(&new_script)));
    assert_eq!(script["lines"], json!({"added": 3, "removed": 3}));
    // Package.toml: its version line.
    assert_eq!(c["changed"][0]["lines"], json!({"added": 1, "removed": 1}));
    assert_eq!(c["summary"], "5 files changed, +4 \u{2212}4");

    // The page: the summary, each list, the diff with its line numbers.
    let page = app.get("/packages/race/compare/1.0.0...1.1.0", None).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("5 files changed, +4 \u{2212}4"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Renamed (1)"));
    assert!(page.body.contains("@@ -1,4 +1,4 @@"));
    assert!(page.body.contains("class=\"removed\""));
    // The newer release's page links to this comparison.
    let release = app.get("/packages/race/releases/1.1.0", None).await;
    assert!(
        release
            .body
            .contains("href=\"/packages/race/compare/1.0.0...1.1.0\""),
        "{}",
        release.body
    );
    // The other way round, and the same release.
    let back = get(
        app,
        "/store/v1/packages/race/compare/1.1.0...1.0.0",
        None,
        &[],
    )
    .await
    .json();
    assert_eq!(back["added"][0]["path"], "Client/Index.lua");
    let same = get(
        app,
        "/store/v1/packages/race/compare/1.1.0...1.1.0",
        None,
        &[],
    )
    .await
    .json();
    assert_eq!(same["summary"], "No files changed");
    // Bad comparisons.
    let bad = get(
        app,
        "/store/v1/packages/race/compare/1.0.0..1.1.0",
        None,
        &[],
    )
    .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.json()["error"], "invalid-comparison");
    assert_eq!(
        get(
            app,
            "/store/v1/packages/race/compare/1.0.0...9.9.9",
            None,
            &[]
        )
        .await
        .status,
        404
    );
    assert_eq!(
        app.get("/packages/race/compare/nonsense", None)
            .await
            .status,
        422
    );
    // The wizard's list of the latest release's files.
    let latest = app
        .call(
            "/api/files/latest",
            &[("kind", "packages"), ("name", "race")],
            None,
        )
        .await;
    assert_eq!(latest.status, 200, "{}", latest.body);
    assert_eq!(latest.json()["version"], "1.1.0");
    assert_eq!(latest.json()["files"].as_array().unwrap().len(), 5);
}

/// A folder of thousands of files and a text of tens of thousands of lines are shown in part, with
/// what is left out counted.
async fn large_folders_and_files_are_cut(app: &TestApp) {
    let s = studio(app).await;
    let long: Vec<u8> = "x\n".repeat(25_000).into_bytes();
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("Assets.toml".into(), manifest("assets", "1.0.0")),
        ("notes.txt".into(), long),
    ];
    for i in 0..2_100 {
        files.push((format!("Many/f{i:04}.uasset"), vec![1]));
    }
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    upload(app, &s, "assets", "cars", &zip_of(&borrowed), true).await;
    let folder = app
        .get("/assets/cars/releases/1.0.0/files/Many", None)
        .await;
    assert_eq!(folder.status, 200);
    assert!(
        folder.body.contains("The first 2000 of 2100 entries"),
        "the cut is said"
    );
    assert!(folder.body.contains("files/Many/f1999.uasset\""));
    assert!(!folder.body.contains("files/Many/f2000.uasset\""));
    let notes = app
        .get("/assets/cars/releases/1.0.0/files/notes.txt", None)
        .await;
    assert!(notes.body.contains("The first 20000 of 25000 lines"));
    assert!(notes.body.contains("id=\"L20000\""));
    assert!(!notes.body.contains("id=\"L20001\""));
}

/// A path and contents that try to run script on every page that shows them: always text.
async fn hostile_paths_and_contents_are_text(app: &TestApp) {
    let s = studio(app).await;
    let hostile_path = "Client/\"><img src=x onerror=alert(1)>.lua";
    let hostile_text = b"</code></td></tr></table><script>alert(2)</script>\n";
    let v1 = zip_of(&[
        ("Package.toml", &manifest("packages", "1.0.0")),
        ("Server/Index.lua", b"print(1)\n"),
    ]);
    let v2 = zip_of(&[
        ("Package.toml", &manifest("packages", "1.1.0")),
        ("Server/Index.lua", hostile_text),
        (hostile_path, hostile_text),
    ]);
    upload(app, &s, "packages", "race", &v1, true).await;
    upload(app, &s, "packages", "race", &v2, true).await;
    let encoded = "Client/%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.lua";
    for page in [
        "/packages/race/releases/1.1.0/files/Client".to_string(),
        format!("/packages/race/releases/1.1.0/files/{encoded}"),
        "/packages/race/releases/1.1.0/files/Server/Index.lua".to_string(),
        "/packages/race/compare/1.0.0...1.1.0".to_string(),
    ] {
        let response = app.get(&page, None).await;
        assert_eq!(response.status, 200, "{page}");
        assert!(
            !response.body.contains("<img src=x"),
            "{page}: live markup from a path"
        );
        assert!(
            !response.body.contains("<script>alert(2)"),
            "{page}: live markup from a file"
        );
        // As text: whole, or cut into highlighted tokens.
        assert!(
            response.body.contains("&lt;img src=x onerror=alert(1)&gt;")
                || response.body.contains("&lt;script&gt;")
                || response.body.contains("\">&lt;</span>"),
            "{page}: the hostile text is shown as text"
        );
    }
    // Its bytes, through the API, by the encoded path.
    let file = get(app, &format!("{RACE_NEXT}/files/{encoded}"), None, &[]).await;
    assert_eq!(file.status, 200, "{}", file.body);
    assert_eq!(file.body.as_bytes(), hostile_text);
    assert!(file.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("filename*=UTF-8''%22%3E%3Cimg"));
}

const RACE_NEXT: &str = "/store/v1/packages/race/releases/1.1.0";

on_both_databases!(
    large_folders_and_files_are_cut,
    hostile_paths_and_contents_are_text,
    a_package_tree_and_its_files,
    an_asset_pack_tree,
    private_files_are_for_the_team,
    releases_are_compared,
);

on_object_storage!(a_package_tree_and_its_files, releases_are_compared);
