//! The `nanos-store` command line: `validate`, `user create`, `user grant` and `user revoke`,
//! run as a user would.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn nanos_store(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nanos-store"))
        .args(args)
        .envs(env.iter().copied())
        .env("NANOS_STORE_CONFIG", "/nonexistent/Leptos.toml")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run nanos-store");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn write_zip(path: &std::path::Path, files: &[(&str, &str)]) {
    let mut writer = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, text) in files {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(text.as_bytes()).unwrap();
    }
    writer.finish().unwrap();
}

const MANIFEST: &str =
    "[meta]\ntitle = \"Mode\"\nauthor = \"me\"\nversion = \"1.0.0\"\n[game_mode]\n";

#[test]
fn validate_exit_codes_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.zip");
    write_zip(
        &good,
        &[("Package.toml", MANIFEST), ("Server/Index.lua", "")],
    );
    let good = good.to_str().unwrap();

    let out = nanos_store(&["validate", good], "", &[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("is valid"));

    let out = nanos_store(&["validate", good, "--json"], "", &[]);
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["valid"], true);
    assert_eq!(report["kind"], "package");
    assert_eq!(report["manifest"]["package_type"], "game-mode");
    assert_eq!(report["diagnostics"], serde_json::json!([]));

    let out = nanos_store(
        &[
            "validate",
            good,
            "--kind",
            "asset-pack",
            "--version",
            "2.0.0",
            "--json",
        ],
        "",
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["manifest-wrong-kind", "version-mismatch"]);

    let not_zip = dir.path().join("notes.txt");
    std::fs::write(&not_zip, "hello").unwrap();
    let out = nanos_store(&["validate", not_zip.to_str().unwrap()], "", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("[not-a-zip]"));

    let out = nanos_store(&["validate", "/nonexistent.zip"], "", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open"));

    let out = nanos_store(&["validate", good, "--kind", "map"], "", &[]);
    assert_eq!(out.status.code(), Some(2), "usage error");
}

#[test]
fn user_create_reads_the_password_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let env = [("NANOS_STORE_DATA_DIR", data)];

    let out = nanos_store(
        &["user", "create", "admin", "--password-stdin"],
        "a long enough password\n",
        &env,
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("created user admin"));
    assert!(dir.path().join("nanos-store.db").exists());

    let out = nanos_store(
        &["user", "create", "admin", "--password-stdin"],
        "a long enough password\n",
        &env,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("taken"));

    let out = nanos_store(
        &["user", "create", "other", "--password-stdin"],
        "short\n",
        &env,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 10"));
}

#[test]
fn user_grant_and_revoke_give_and_take_site_roles() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let env = [("NANOS_STORE_DATA_DIR", data)];
    let out = nanos_store(
        &["user", "create", "mia", "--password-stdin"],
        "a long enough password\n",
        &env,
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    let out = nanos_store(&["user", "grant", "mia", "moderator"], "", &env);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "mia is now a moderator\n"
    );
    let out = nanos_store(&["user", "grant", "mia", "admin"], "", &env);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "mia is now an admin\n"
    );
    // Not a role, and not a user: one line, no change.
    let out = nanos_store(&["user", "grant", "mia", "owner"], "", &env);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let out = nanos_store(&["user", "grant", "nobody", "admin"], "", &env);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user named nobody"));

    let out = nanos_store(&["user", "revoke", "mia"], "", &env);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "mia has no site role any more\n"
    );
    let out = nanos_store(&["user", "revoke", "mia"], "", &env);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "mia had no site role\n"
    );
}

#[test]
fn a_bad_setting_stops_start_up_with_one_clear_message() {
    let out = nanos_store(&["serve"], "", &[("LEPTOS_SITE_ADDR", "nowhere")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("LEPTOS_SITE_ADDR=\"nowhere\""), "{stderr}");
}
