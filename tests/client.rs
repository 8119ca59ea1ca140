//! The client commands (`login`, `publish`) run as an author or CI runs them, against a live store
//! on SQLite and on Postgres: the program itself, over HTTP, with its own files.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::TestApp;
use nanos_store::teams::Role;
use nanos_store::tokens::Scope;
use serde_json::json;

/// A place of its own for each test: the author's folders and the client's config home.
struct Desk {
    dir: tempfile::TempDir,
}

impl Desk {
    fn new() -> Desk {
        Desk {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Writes the files of a folder `name`.
    fn folder(&self, name: &str, files: &[(&str, &str)]) -> PathBuf {
        let root = self.path(name);
        for (path, text) in files {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        root
    }

    /// Runs `nanos-store` with `args` and `env`, the client's config under this desk, nothing
    /// from the environment of the test run.
    async fn run(&self, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
        use tokio::io::AsyncWriteExt;
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_nanos-store"))
            .args(args)
            .env_remove("NANOS_STORE_URL")
            .env_remove("NANOS_STORE_TOKEN")
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("NANOS_STORE_CONFIG", "/nonexistent/Leptos.toml")
            .envs(env.iter().copied())
            .current_dir(self.dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run nanos-store");
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.as_bytes()).await.unwrap();
        drop(input);
        tokio::time::timeout(std::time::Duration::from_secs(60), child.wait_with_output())
            .await
            .expect("nanos-store ends within a minute")
            .unwrap()
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn package_manifest(version: &str) -> String {
    format!(
        "[meta]\ntitle = \"Drift\"\nauthor = \"Tester\"\nversion = \"{version}\"\n[game_mode]\n"
    )
}

/// A team `studio` with a package `drift` and an asset pack `drift-cars`; returns a developer's
/// token with the `publish` scope only, as CI would have, and the owner's `Authorization` with
/// every scope.
async fn studio(app: &TestApp) -> (String, String) {
    let owner = app.create_user("owner").await;
    app.create_team(&owner, "studio").await;
    let all = format!(
        "Token {}",
        app.create_token(&owner, &Scope::ALL, None).await
    );
    for (path, name) in [
        ("/store/v1/packages", "drift"),
        ("/store/v1/assets", "drift-cars"),
    ] {
        let created = app
            .api(
                "POST",
                path,
                Some(&all),
                Some(json!({"name": name, "team": "studio", "title": "Drift", "category": if name == "drift" { "game-mode" } else { "vehicles" }})),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
    }
    let ci = app.create_user("ci").await;
    app.add_member(&owner, "studio", "ci", Role::Developer)
        .await;
    (app.create_token(&ci, &[Scope::Publish], None).await, all)
}

/// The names of the files in the zip of a public release, downloaded from the store at `store`.
async fn files_of(store: &str, kind: &str, name: &str, version: &str) -> Vec<String> {
    let response = reqwest::get(format!(
        "{store}/store/v1/{kind}/{name}/releases/{version}/download"
    ))
    .await
    .expect("the store answers");
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.expect("the zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut names: Vec<String> = (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().to_string())
        .collect();
    names.sort();
    names
}

async fn publish_sends_the_folder_as_the_store_wants_it(app: &TestApp) {
    let (token, owner) = studio(app).await;
    let store = app.listen().await;
    let desk = Desk::new();
    let drift = desk.folder(
        "drift",
        &[
            ("Package.toml", &package_manifest("1.0.0")),
            ("Server/Index.lua", "print('drift')"),
            (".git/config", "[core]"),
            (".cache/thumbs", "x"),
            (".env", "SECRET=1"),
        ],
    );
    let drift = drift.to_str().unwrap();
    // A draft by default; the folder's name is the resource's.
    let output = desk
        .run(
            &["publish", drift, "--store", &store, "--changelog", "First!"],
            &[("NANOS_STORE_TOKEN", &token)],
            "",
        )
        .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("draft"), "{}", stdout(&output));
    assert!(
        stdout(&output).contains(&format!("{store}/packages/drift/releases/1.0.0")),
        "{}",
        stdout(&output)
    );
    let release = app
        .api(
            "GET",
            "/store/v1/packages/drift/releases/1.0.0",
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(release.status, 200, "{}", release.body);
    assert_eq!(release.json()["state"], "draft");
    assert_eq!(release.json()["changelog"], "First!");
    // Published at once, with --json for scripts; hidden files only when asked.
    std::fs::write(
        Path::new(drift).join("Package.toml"),
        package_manifest("1.1.0"),
    )
    .unwrap();
    let output = desk
        .run(
            &[
                "publish",
                drift,
                "--store",
                &store,
                "--publish",
                "--json",
                "--channel",
                "beta",
            ],
            &[("NANOS_STORE_TOKEN", &token)],
            "",
        )
        .await;
    assert!(output.status.success(), "{}", stderr(&output));
    let answer: serde_json::Value =
        serde_json::from_str(&stdout(&output)).expect("one JSON object");
    assert_eq!(answer["outcome"], "uploaded");
    assert_eq!(answer["release"]["state"], "published");
    assert_eq!(answer["release"]["channel"], "beta");
    assert_eq!(
        files_of(&store, "packages", "drift", "1.1.0").await,
        ["Package.toml", "Server/Index.lua"]
    );
    // An asset pack, named with --name, the changelog from a file.
    let cars = desk.folder(
        "cars-folder",
        &[
            (
                "Assets.toml",
                "[meta]\ntitle = \"Cars\"\nauthor = \"Tester\"\nversion = \"2.0.0\"\n",
            ),
            ("Content/Cars/Car.uasset", &"u".repeat(100_000)),
        ],
    );
    std::fs::write(desk.path("CHANGES.md"), "# Cars\n").unwrap();
    let output = desk
        .run(
            &[
                "publish",
                cars.to_str().unwrap(),
                "--name",
                "drift-cars",
                "--changelog-file",
                "CHANGES.md",
                "--publish",
                "--store",
                &store,
                "--token",
                &token,
            ],
            &[],
            "",
        )
        .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        files_of(&store, "assets", "drift-cars", "2.0.0").await,
        ["Assets.toml", "Content/Cars/Car.uasset"]
    );
}

async fn publish_refuses_before_sending_and_says_why(app: &TestApp) {
    let (token, _) = studio(app).await;
    let store = app.listen().await;
    let desk = Desk::new();
    // Nothing listens here: a command that reached the network would say it cannot reach it.
    let nowhere = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let broken = desk.folder(
        "drift",
        &[("Package.toml", "[meta]\ntitle = \"Drift\"\n[game_mode]\n")],
    );
    let output = desk
        .run(
            &[
                "publish",
                broken.to_str().unwrap(),
                "--store",
                &nowhere,
                "--token",
                &token,
            ],
            &[],
            "",
        )
        .await;
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stderr(&output).contains("nothing was sent"),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("version"), "{}", stderr(&output));
    assert!(
        !stderr(&output).contains("Cannot reach"),
        "{}",
        stderr(&output)
    );
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
    // No manifest at all.
    let empty = desk.folder("empty", &[("README.md", "hi")]);
    let output = desk
        .run(
            &["publish", empty.to_str().unwrap(), "--store", &nowhere],
            &[],
            "",
        )
        .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("no Package.toml or Assets.toml"),
        "{}",
        stderr(&output)
    );
    // A name the store would refuse, before anything is zipped.
    let output = desk
        .run(
            &[
                "publish",
                broken.to_str().unwrap(),
                "--name",
                "My_Package",
                "--store",
                &nowhere,
                "--token",
                &token,
            ],
            &[],
            "",
        )
        .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("is not a store name"),
        "{}",
        stderr(&output)
    );
    // --dry-run lists what would go, and sends nothing.
    std::fs::write(broken.join("Package.toml"), package_manifest("1.0.0")).unwrap();
    std::fs::create_dir_all(broken.join("Client")).unwrap();
    std::fs::write(broken.join("Client/Index.lua"), "").unwrap();
    let output = desk
        .run(
            &[
                "publish",
                broken.to_str().unwrap(),
                "--dry-run",
                "--store",
                &nowhere,
            ],
            &[],
            "",
        )
        .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("Client/Index.lua"),
        "{}",
        stdout(&output)
    );
    assert!(
        stdout(&output).contains("Nothing was sent"),
        "{}",
        stdout(&output)
    );
    // A version the store has: the store's own message.
    for expected in [true, false] {
        let output = desk
            .run(
                &[
                    "publish",
                    broken.to_str().unwrap(),
                    "--store",
                    &store,
                    "--token",
                    &token,
                ],
                &[],
                "",
            )
            .await;
        assert_eq!(output.status.success(), expected, "{}", stderr(&output));
    }
    let output = desk
        .run(
            &[
                "publish",
                broken.to_str().unwrap(),
                "--store",
                &store,
                "--token",
                &token,
                "--json",
            ],
            &[],
            "",
        )
        .await;
    let answer: serde_json::Value =
        serde_json::from_str(&stdout(&output)).expect("one JSON object");
    assert_eq!(answer["error"], "version-exists", "{answer}");
    // A token with a typo, and none at all.
    let mut typo = token.clone().into_bytes();
    typo[10] = if typo[10] == b'Q' { b'R' } else { b'Q' };
    let typo = String::from_utf8(typo).unwrap();
    let output = desk
        .run(
            &[
                "publish",
                broken.to_str().unwrap(),
                "--store",
                &store,
                "--token",
                &typo,
            ],
            &[],
            "",
        )
        .await;
    assert!(
        stderr(&output).contains("looks mistyped"),
        "{}",
        stderr(&output)
    );
    let output = desk
        .run(
            &["publish", broken.to_str().unwrap(), "--store", &store],
            &[],
            "",
        )
        .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("needs a token"),
        "{}",
        stderr(&output)
    );
    let (releases,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM releases")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(releases, 1);
}

async fn login_saves_the_token_for_the_owner_only(app: &TestApp) {
    let (token, _) = studio(app).await;
    let store = app.listen().await;
    let desk = Desk::new();
    // A wrong token is not saved.
    let output = desk
        .run(&["login", "--store", &store], &[], "nwst_wrong\n")
        .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("not a nanos store token"),
        "{}",
        stderr(&output)
    );
    assert!(!desk.path("config/nanos-store/credentials.toml").exists());
    // The token on standard input, checked with the store, saved 0600.
    let output = desk
        .run(
            &["login", "--store", &format!("{store}/")],
            &[],
            &format!("{token}\n"),
        )
        .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("as ci"), "{}", stdout(&output));
    let saved = desk.path("config/nanos-store/credentials.toml");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&saved).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert!(std::fs::read_to_string(&saved).unwrap().contains(&token));
    // Later commands need neither --store nor --token.
    let drift = desk.folder(
        "drift",
        &[
            ("Package.toml", &package_manifest("3.0.0")),
            ("Server/Index.lua", ""),
        ],
    );
    let output = desk
        .run(&["publish", drift.to_str().unwrap()], &[], "")
        .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains(&format!("{store}/packages/drift/releases/3.0.0")));
}

/// A zip of `files`.
fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
    common::zip(files)
}

/// A package's zip: its manifest (a `type` table, requirements) and one script.
fn package_zip(version: &str, table: &str, packages: &[&str], assets: &[&str]) -> Vec<u8> {
    let list = |names: &[&str]| {
        names
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let manifest = format!(
        "[meta]\ntitle = \"T\"\nauthor = \"A\"\nversion = \"{version}\"\n[{table}]\npackages_requirements = [{}]\nassets_requirements = [{}]\n",
        list(packages),
        list(assets)
    );
    zip_of(&[
        ("Package.toml", &manifest),
        ("Server/Index.lua", &format!("-- {version}")),
    ])
}

/// Uploads a published release of `name` through the store's API, creating the resource (in
/// `studio`) with it when `create`.
async fn release(
    store: &str,
    auth: &str,
    kind: &str,
    name: &str,
    zip: Vec<u8>,
    channel: &str,
    create: bool,
) {
    let category = if kind == "assets" {
        "vehicles"
    } else {
        "script"
    };
    let mut form = reqwest::multipart::Form::new();
    if create {
        form = form.text(
            "resource",
            json!({"team": "studio", "title": name, "category": category}).to_string(),
        );
    }
    let form = form
        .text("channel", channel.to_string())
        .text("publish", "true")
        .part(
            "file",
            reqwest::multipart::Part::bytes(zip).file_name("release.zip"),
        );
    let response = reqwest::Client::new()
        .post(format!("{store}/store/v1/{kind}/{name}/releases"))
        .header("authorization", auth)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

/// A server folder `name` with a Config.toml of this `[game]` section (and `[general]` token).
fn server(desk: &Desk, name: &str, game: &str, token: &str) -> PathBuf {
    desk.folder(
        name,
        &[(
            "Config.toml",
            &format!("[general]\n    token = \"{token}\"\n[game]\n{game}\n"),
        )],
    )
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn install_brings_the_requirement_chain_and_locks_it(app: &TestApp) {
    let (_, owner) = studio(app).await;
    let store = app.listen().await;
    // race (game mode) → physics (package) → cars-pack (asset pack), and a map the server ships.
    let assets = zip_of(&[
        (
            "Assets.toml",
            "[meta]\ntitle = \"Cars\"\nauthor = \"A\"\nversion = \"1.0.0\"\n",
        ),
        ("Content/Car.uasset", "u"),
    ]);
    release(
        &store,
        &owner,
        "assets",
        "cars-pack",
        assets,
        "stable",
        true,
    )
    .await;
    release(
        &store,
        &owner,
        "packages",
        "physics",
        package_zip("1.0.0", "script", &[], &["cars-pack"]),
        "stable",
        true,
    )
    .await;
    release(
        &store,
        &owner,
        "packages",
        "race",
        package_zip("1.0.0", "game_mode", &["physics"], &[]),
        "stable",
        true,
    )
    .await;
    let desk = Desk::new();
    let srv = server(
        &desk,
        "srv",
        "map = \"default-blank-map\"\ngame_mode = \"race\"\npackages = [ ]\nassets = [ ]",
        "",
    );
    desk.folder(
        "srv/Packages/default-blank-map",
        &[("Package.toml", "[meta]\n[map]\n")],
    );
    let srv_dir = srv.to_str().unwrap();
    let install = |extra: &'static [&'static str]| {
        let mut args = vec!["install", "--server-dir", srv_dir, "--store", &store];
        args.extend_from_slice(extra);
        args.into_iter()
            .map(str::to_string)
            .collect::<Vec<String>>()
    };
    let run = |args: Vec<String>| {
        let desk = &desk;
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            desk.run(&args, &[], "").await
        }
    };
    let output = run(install(&[])).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(read(srv.join("Packages/race/Server/Index.lua")).contains("1.0.0"));
    assert!(srv.join("Packages/physics/Package.toml").is_file());
    assert!(srv.join("Assets/cars-pack/Content/Car.uasset").is_file());
    assert!(
        stdout(&output).contains("kept default-blank-map"),
        "{}",
        stdout(&output)
    );
    let lock = read(srv.join("nanos-store.lock"));
    for name in ["race", "physics", "cars-pack"] {
        assert!(lock.contains(&format!("name = \"{name}\"")), "{lock}");
    }
    // A new release: install keeps the locked version, update moves to it.
    release(
        &store,
        &owner,
        "packages",
        "race",
        package_zip("1.1.0", "game_mode", &["physics"], &[]),
        "stable",
        false,
    )
    .await;
    let output = run(install(&[])).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(read(srv.join("Packages/race/Server/Index.lua")).contains("1.0.0"));
    let mut update = install(&["--json"]);
    update[0] = "update".into();
    let output = run(update).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let answer: serde_json::Value =
        serde_json::from_str(&stdout(&output)).expect("one JSON object");
    assert!(
        answer["installed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "race" && r["version"] == "1.1.0"),
        "{answer}"
    );
    assert!(read(srv.join("Packages/race/Server/Index.lua")).contains("1.1.0"));
    assert!(read(srv.join("nanos-store.lock")).contains("version = \"1.1.0\""));
    // No leftovers of the swap.
    let leftovers: Vec<String> = std::fs::read_dir(srv.join("Packages"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // --locked installs exactly the lock file's versions, even with newer ones on the store.
    release(
        &store,
        &owner,
        "packages",
        "physics",
        package_zip("2.0.0", "script", &[], &["cars-pack"]),
        "stable",
        false,
    )
    .await;
    std::fs::remove_dir_all(srv.join("Packages/physics")).unwrap();
    let output = run(install(&["--locked"])).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(read(srv.join("Packages/physics/Server/Index.lua")).contains("1.0.0"));
    let output = run(vec![
        "install".into(),
        "--server-dir".into(),
        srv_dir.into(),
        "--store".into(),
        store.clone(),
        "--locked".into(),
        "other".into(),
    ])
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("not in nanos-store.lock"),
        "{}",
        stderr(&output)
    );
}

async fn install_says_what_is_wrong_and_writes_nothing(app: &TestApp) {
    let (_, owner) = studio(app).await;
    let store = app.listen().await;
    release(
        &store,
        &owner,
        "packages",
        "loop-a",
        package_zip("1.0.0", "script", &["loop-b"], &[]),
        "stable",
        true,
    )
    .await;
    release(
        &store,
        &owner,
        "packages",
        "loop-b",
        package_zip("1.0.0", "script", &["loop-a"], &[]),
        "stable",
        true,
    )
    .await;
    release(
        &store,
        &owner,
        "packages",
        "needy",
        package_zip("1.0.0", "script", &["ghost"], &[]),
        "stable",
        true,
    )
    .await;
    release(
        &store,
        &owner,
        "packages",
        "secret",
        package_zip("1.0.0", "script", &[], &[]),
        "private",
        true,
    )
    .await;
    let desk = Desk::new();
    let srv = server(&desk, "srv", "", "");
    let srv_dir = srv.to_str().unwrap();
    let output = desk
        .run(
            &[
                "install",
                "loop-a",
                "--server-dir",
                srv_dir,
                "--store",
                &store,
            ],
            &[],
            "",
        )
        .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("loop-a → loop-b → loop-a"),
        "{}",
        stderr(&output)
    );
    let output = desk
        .run(
            &[
                "install",
                "needy",
                "--server-dir",
                srv_dir,
                "--store",
                &store,
            ],
            &[],
            "",
        )
        .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("ghost cannot be installed (required by needy)"),
        "{}",
        stderr(&output)
    );
    assert!(!stderr(&output).contains("panicked"));
    let output = desk
        .run(
            &[
                "install",
                "../../escape",
                "--server-dir",
                srv_dir,
                "--store",
                &store,
            ],
            &[],
            "",
        )
        .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("is not a resource name"),
        "{}",
        stderr(&output)
    );
    assert!(
        !srv.join("Packages").exists(),
        "nothing is written when resolution fails"
    );
    // A private release: not without a token, then with a download token in Config.toml.
    let output = desk
        .run(
            &[
                "install",
                "secret",
                "--channel",
                "private",
                "--server-dir",
                srv_dir,
                "--store",
                &store,
            ],
            &[],
            "",
        )
        .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("without a token"),
        "{}",
        stderr(&output)
    );
    let with_token = server(
        &desk,
        "srv2",
        "packages = [\"secret\"]",
        owner.trim_start_matches("Token "),
    );
    let output = desk
        .run(
            &[
                "install",
                "--channel",
                "private",
                "--server-dir",
                with_token.to_str().unwrap(),
                "--store",
                &store,
            ],
            &[],
            "",
        )
        .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(with_token.join("Packages/secret/Package.toml").is_file());
    // A download cut off half-way is continued where it stopped: the first half is on disk, and
    // the rest comes as a range (a resumed download does not count as a new one).
    let big = zip_of(&[
        (
            "Package.toml",
            "[meta]\ntitle = \"T\"\nauthor = \"A\"\nversion = \"1.0.0\"\n[script]\n",
        ),
        ("Server/Data.lua", &"-- data\n".repeat(50_000)),
    ]);
    release(
        &store,
        &owner,
        "packages",
        "big",
        big.clone(),
        "stable",
        true,
    )
    .await;
    let downloads = srv.join(".nanos-store/downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    std::fs::write(
        downloads.join("package-big-1.0.0.zip.part"),
        &big[..big.len() / 2],
    )
    .unwrap();
    let output = desk
        .run(
            &["install", "big", "--server-dir", srv_dir, "--store", &store],
            &[],
            "",
        )
        .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        std::fs::read(downloads.join("package-big-1.0.0.zip")).unwrap(),
        big
    );
    assert!(srv.join("Packages/big/Server/Data.lua").is_file());
    app.flush_downloads().await;
    let info = app.api("GET", "/store/v1/packages/big", None, None).await;
    assert_eq!(
        info.json()["download_count"],
        0,
        "only the rest was asked for"
    );
    // A folder this command did not install is the server's own, even when the store has a
    // resource of that name: kept as it is. A Config.toml token meant for another store (not
    // shaped like this store's) is not sent.
    let own = server(
        &desk,
        "srv3",
        "game_mode = \"needy\"\npackages = [\"big\"]",
        "official-store-token",
    );
    desk.folder("srv3/Packages/needy", &[("Package.toml", "mine")]);
    let output = desk
        .run(
            &[
                "install",
                "--server-dir",
                own.to_str().unwrap(),
                "--store",
                &store,
            ],
            &[],
            "",
        )
        .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("kept needy"),
        "{}",
        stdout(&output)
    );
    assert_eq!(read(own.join("Packages/needy/Package.toml")), "mine");
    assert!(own.join("Packages/big/Server/Data.lua").is_file());
}

/// Requirement resolution never chooses a yanked release (issue #16): the newest release of a
/// requirement is yanked, so install takes the one before; a lock file naming the yanked version
/// still installs it with `--locked`.
async fn install_never_chooses_a_yanked_release(app: &TestApp) {
    let (_, owner) = studio(app).await;
    let store = app.listen().await;
    for version in ["1.0.0", "1.1.0"] {
        release(
            &store,
            &owner,
            "packages",
            "lib",
            package_zip(version, "script", &[], &[]),
            "stable",
            version == "1.0.0",
        )
        .await;
    }
    release(
        &store,
        &owner,
        "packages",
        "mode",
        package_zip("1.0.0", "game_mode", &["lib"], &[]),
        "stable",
        true,
    )
    .await;
    let yanked = reqwest::Client::new()
        .put(format!("{store}/store/v1/packages/lib/releases/1.1.0/yank"))
        .header("authorization", &owner)
        .json(&json!({"reason": "breaks every server"}))
        .send()
        .await
        .unwrap();
    assert_eq!(yanked.status(), 200);
    let desk = Desk::new();
    let srv = server(&desk, "srv", "game_mode = \"mode\"", "");
    let srv_dir = srv.to_str().unwrap();
    let output = desk
        .run(
            &["install", "--server-dir", srv_dir, "--store", &store],
            &[],
            "",
        )
        .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(read(srv.join("Packages/lib/Server/Index.lua")).contains("1.0.0"));
    // Locked to the yanked version (written before the yank, say): it still installs.
    let yanked: serde_json::Value =
        reqwest::get(format!("{store}/store/v1/packages/lib/releases/1.1.0"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let lock_path = srv.join("nanos-store.lock");
    let mut lock: toml::Table = read(lock_path.clone()).parse().unwrap();
    let entries = lock["resource"].as_array_mut().unwrap();
    let lib = entries
        .iter_mut()
        .find(|e| e["name"].as_str() == Some("lib"))
        .expect("lib is locked");
    lib["version"] = "1.1.0".into();
    lib["sha256"] = yanked["sha256"].as_str().unwrap().into();
    std::fs::write(&lock_path, toml::to_string(&lock).unwrap()).unwrap();
    let output = desk
        .run(
            &[
                "install",
                "--locked",
                "--server-dir",
                srv_dir,
                "--store",
                &store,
            ],
            &[],
            "",
        )
        .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(read(srv.join("Packages/lib/Server/Index.lua")).contains("1.1.0"));
}

/// A release whose stored zip was swapped, behind the store's back, for one with a path that
/// leaves the folder (the store's validator refuses such uploads, so the blob is written straight
/// into storage and the release pointed at it, hash and size included): install downloads it,
/// finds the hash right, and still refuses to unpack it, writing nothing.
async fn install_refuses_a_zip_that_escapes_the_folder(app: &TestApp) {
    let (_, owner) = studio(app).await;
    let store = app.listen().await;
    release(
        &store,
        &owner,
        "packages",
        "sneaky",
        package_zip("1.0.0", "script", &[], &[]),
        "stable",
        true,
    )
    .await;
    let tampered = zip_of(&[
        (
            "Package.toml",
            "[meta]\ntitle = \"T\"\nauthor = \"A\"\nversion = \"1.0.0\"\n[script]\n",
        ),
        ("../escaped.lua", "os.execute('rm -rf /')"),
    ]);
    let mut blob = app.state.blobs.create_temp().await.unwrap();
    blob.write(&tampered).await.unwrap();
    let blob = blob.finish().await.unwrap();
    let (sha256, size) = (blob.sha256.clone(), blob.size as i64);
    app.state.blobs.commit(blob).await.unwrap();
    sqlx::query("INSERT INTO blobs (sha256, size, created_at) VALUES ($1, $2, 0)")
        .bind(&sha256)
        .bind(size)
        .execute(&app.state.pool)
        .await
        .unwrap();
    let swapped = sqlx::query(
        "UPDATE releases SET sha256 = $1, size = $2 WHERE version = '1.0.0' AND resource_id = \
         (SELECT id FROM resources WHERE name = 'sneaky')",
    )
    .bind(&sha256)
    .bind(size)
    .execute(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(swapped.rows_affected(), 1);

    let desk = Desk::new();
    let srv = server(&desk, "srv", "", "");
    let output = desk
        .run(
            &[
                "install",
                "sneaky",
                "--server-dir",
                srv.to_str().unwrap(),
                "--store",
                &store,
            ],
            &[],
            "",
        )
        .await;
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(stderr(&output).contains("sneaky"), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("../escaped.lua"),
        "{}",
        stderr(&output)
    );
    assert!(!srv.join("Packages/sneaky").exists());
    assert!(!srv.join("Packages/escaped.lua").exists() && !srv.join("escaped.lua").exists());
    assert!(!srv.join("nanos-store.lock").exists());
}

/// Runs the repository's GitHub Action (action/index.js) as a runner runs a node action: its
/// inputs as `INPUT_*` variables (hyphens kept), a workspace, an event file and an output file.
async fn run_action(
    desk: &Desk,
    inputs: &[(&str, &str)],
    event: serde_json::Value,
) -> (Output, String) {
    let event_path = desk.path("event.json");
    std::fs::write(&event_path, event.to_string()).unwrap();
    let output_path = desk.path("github-output");
    std::fs::write(&output_path, "").unwrap();
    std::fs::create_dir_all(desk.path("runner-temp")).unwrap();
    let action = Path::new(env!("CARGO_MANIFEST_DIR")).join("action/index.js");
    let mut command = tokio::process::Command::new("node");
    command
        .arg(action)
        .env("GITHUB_WORKSPACE", desk.path("workspace"))
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_OUTPUT", &output_path)
        .env("RUNNER_TEMP", desk.path("runner-temp"))
        .current_dir(desk.path("workspace"));
    for (name, value) in inputs {
        command.env(format!("INPUT_{}", name.to_uppercase()), value);
    }
    let output = tokio::time::timeout(std::time::Duration::from_secs(60), command.output())
        .await
        .expect("the action ends within a minute")
        .expect("node runs");
    (output, std::fs::read_to_string(&output_path).unwrap())
}

async fn the_action_publishes_as_a_runner_runs_it(app: &TestApp) {
    let (token, owner) = studio(app).await;
    let store = app.listen().await;
    let desk = Desk::new();
    desk.folder(
        "workspace/drift",
        &[
            ("Package.toml", &package_manifest("1.0.0")),
            ("Server/Index.lua", "print('drift')"),
            (".git/config", "[core]"),
            (".github/workflows/release.yml", "on: release"),
        ],
    );
    let release_event = json!({"action": "published", "release": {"tag_name": "v1.0.0", "body": "## Notes\nFirst drift."}});
    let inputs = [
        ("store-url", store.as_str()),
        ("token", token.as_str()),
        ("folder", "drift"),
        ("publish", "true"),
    ];
    let (output, outputs) = run_action(&desk, &inputs, release_event.clone()).await;
    assert!(
        output.status.success(),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    assert!(outputs.contains("version=1.0.0\n"), "{outputs}");
    assert!(
        outputs.contains(&format!("url={store}/packages/drift/releases/1.0.0\n")),
        "{outputs}"
    );
    let release = app
        .api("GET", "/store/v1/packages/drift/releases/1.0.0", None, None)
        .await;
    assert_eq!(release.json()["state"], "published", "{}", release.body);
    assert_eq!(release.json()["changelog"], "## Notes\nFirst drift.");
    assert_eq!(
        files_of(&store, "packages", "drift", "1.0.0").await,
        ["Package.toml", "Server/Index.lua"]
    );
    // The same version again: the store's own message, as a runner shows a failure.
    let (output, _) = run_action(&desk, &inputs, release_event.clone()).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("::error::"), "{}", stdout(&output));
    assert!(stdout(&output).contains("1.0.0"), "{}", stdout(&output));
    // A release without a body, as a draft by default: an empty changelog.
    std::fs::write(
        desk.path("workspace/drift/Package.toml"),
        package_manifest("1.1.0"),
    )
    .unwrap();
    let (output, _) = run_action(&desk, &inputs[..3], json!({"release": {"body": null}})).await;
    assert!(output.status.success(), "{}", stdout(&output));
    let draft = app
        .api(
            "GET",
            "/store/v1/packages/drift/releases/1.1.0",
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(draft.json()["state"], "draft");
    assert_eq!(draft.json()["changelog"], "");
    // A zip the store refuses: its reasons, no stack trace.
    std::fs::write(
        desk.path("workspace/drift/Package.toml"),
        "[meta]\ntitle = \"x\"\n[game_mode]\n",
    )
    .unwrap();
    let (output, _) = run_action(&desk, &inputs, release_event.clone()).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("::error::"), "{}", stdout(&output));
    assert!(stdout(&output).contains("version"), "{}", stdout(&output));
    // A token the store does not know: its own message, before anything is zipped or sent.
    let (output, _) = run_action(
        &desk,
        &[
            ("store-url", &store),
            ("token", "nwst_not-a-real-token"),
            ("folder", "drift"),
        ],
        release_event.clone(),
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("::error::This is not a nanos store token"),
        "{}",
        stdout(&output)
    );
    // Nothing answers at the address: said so.
    let (output, _) = run_action(
        &desk,
        &[
            ("store-url", "http://127.0.0.1:9"),
            ("token", &token),
            ("folder", "drift"),
        ],
        release_event.clone(),
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("Cannot reach http://127.0.0.1:9"),
        "{}",
        stdout(&output)
    );
    // No manifest: said in one line.
    desk.folder("workspace/empty", &[("README.md", "hi")]);
    let (output, _) = run_action(
        &desk,
        &[
            ("store-url", &store),
            ("token", &token),
            ("folder", "empty"),
        ],
        release_event,
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("::error::"), "{}", stdout(&output));
    assert!(
        stdout(&output).contains("has no Package.toml or Assets.toml"),
        "{}",
        stdout(&output)
    );
    assert!(
        !stderr(&output).contains("    at "),
        "no stack trace: {}",
        stderr(&output)
    );
}

/// The action's zips past 4 GiB or 65,535 files carry ZIP64 fields. Writing one that large takes
/// minutes, so the action's writer is asked for ZIP64 fields for every size, offset and count of a
/// small folder; the live store must read the zip (its validator is the one that refuses damaged
/// zips) and serve exactly its files.
async fn the_actions_zip64_fields_are_read_by_the_store(app: &TestApp) {
    let (token, _) = studio(app).await;
    let store = app.listen().await;
    let desk = Desk::new();
    let folder = desk.folder(
        "drift",
        &[
            ("Package.toml", &package_manifest("2.0.0")),
            ("Server/Index.lua", "print('zip64')"),
            ("Client/Empty.lua", ""),
        ],
    );
    let zip = desk.path("zip64.zip");
    let action = Path::new(env!("CARGO_MANIFEST_DIR")).join("action/index.js");
    let script = format!(
        "const a = require({action:?}); a.writeZip(a.collect({folder:?}), {zip:?}, {{ size: 0, count: 0 }});",
    );
    let output = tokio::process::Command::new("node")
        .args(["-e", &script])
        .output()
        .await
        .expect("node runs");
    assert!(output.status.success(), "{}", stderr(&output));
    let bytes = std::fs::read(&zip).unwrap();
    // The ZIP64 end record and its locator are there, and the plain end record defers to them.
    let find = |signature: &[u8]| bytes.windows(4).any(|w| w == signature);
    assert!(find(&[0x50, 0x4b, 0x06, 0x06]) && find(&[0x50, 0x4b, 0x06, 0x07]));
    assert_eq!(
        bytes[bytes.len() - 22 + 16..bytes.len() - 22 + 20],
        [0xff; 4]
    );
    release(
        &store,
        &format!("Token {token}"),
        "packages",
        "drift",
        bytes,
        "stable",
        false,
    )
    .await;
    assert_eq!(
        files_of(&store, "packages", "drift", "2.0.0").await,
        ["Client/Empty.lua", "Package.toml", "Server/Index.lua"]
    );
}

/// A zip over the store's size limit is refused by publish and by the action before it is sent,
/// with the store's limit: sent, the store would answer 413 at once and close the connection,
/// which a client still sending sees only as a broken connection.
async fn publish_and_the_action_say_when_a_zip_is_over_the_stores_limit(app: &TestApp) {
    let (token, _) = studio(app).await;
    let store = app.listen_with(|s| s.max_upload_size = 4_096).await;
    let desk = Desk::new();
    // Letters from xorshift: text that deflate cannot shrink below the limit.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let random: String = (0..20_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(b'a' + (state % 26) as u8)
        })
        .collect();
    desk.folder(
        "workspace/drift",
        &[
            ("Package.toml", &package_manifest("3.0.0")),
            ("Server/Index.lua", &format!("-- {random}")),
        ],
    );
    let output = desk
        .run(
            &[
                "publish",
                desk.path("workspace/drift").to_str().unwrap(),
                "--store",
                &store,
                "--token",
                &token,
            ],
            &[],
            "",
        )
        .await;
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stderr(&output).contains("more than") && stderr(&output).contains("4.0 KiB"),
        "{}",
        stderr(&output)
    );
    let inputs = [
        ("store-url", store.as_str()),
        ("token", token.as_str()),
        ("folder", "drift"),
    ];
    let (output, _) = run_action(&desk, &inputs, json!({"release": {"body": ""}})).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("more than this store takes (4.0 KiB)"),
        "{}",
        stdout(&output)
    );
}

on_both_databases!(
    publish_sends_the_folder_as_the_store_wants_it,
    publish_refuses_before_sending_and_says_why,
    login_saves_the_token_for_the_owner_only,
    install_brings_the_requirement_chain_and_locks_it,
    install_says_what_is_wrong_and_writes_nothing,
    install_refuses_a_zip_that_escapes_the_folder,
    install_never_chooses_a_yanked_release,
    the_action_publishes_as_a_runner_runs_it,
    the_actions_zip64_fields_are_read_by_the_store,
    publish_and_the_action_say_when_a_zip_is_over_the_stores_limit,
);
