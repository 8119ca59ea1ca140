//! Two `nanos-store serve` processes on one Postgres database and one bucket of a real
//! S3-compatible server (Garage), as behind a load balancer, the requests alternating between
//! them: both start at once on an empty database (migrations do not race), a session made on one
//! works on the other, a file uploaded through one downloads from the other, log-in throttling and
//! download counts hold across both, logs are JSON lines naming the request id, and SIGTERM lets a
//! download in flight finish while the other instance goes on serving.
//!
//! Needs Postgres and `NANOS_STORE_TEST_S3` (see `tests/common`); skipped loudly without them
//! unless CI requires them.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{new_database, s3_storage};
use nanos_store::config::Storage;
use nanos_store::db::Backend;
use nanos_store::storage::BlobStore;
use tokio::process::{Child, Command};

/// One store process.
struct Instance {
    child: Child,
    base: String,
    log: PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Instance {
    /// Starts a store on `database_url` and `storage`, its own (empty) data dir in `dir`.
    fn start(database_url: &str, storage: &str, dir: &Path, name: &str) -> Instance {
        let port = free_port();
        let data = dir.join(name);
        std::fs::create_dir_all(&data).expect("data dir");
        let log = dir.join(format!("{name}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_nanos-store"))
            .arg("serve")
            .env("NANOS_STORE_CONFIG", "/nonexistent")
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_SITE_ROOT", data.join("site"))
            .env("NANOS_STORE_DATA_DIR", &data)
            .env("DATABASE_URL", database_url)
            .env("NANOS_STORE_STORAGE", storage)
            .env("NANOS_STORE_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .kill_on_drop(true)
            .spawn()
            .expect("start nanos-store");
        Instance {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A POST from the store's own pages (its `Origin`), as the browser sends them.
    fn post(&self, client: &reqwest::Client, path: &str) -> reqwest::RequestBuilder {
        client.post(self.url(path)).header("origin", &self.base)
    }

    /// Waits until `/readyz` answers 200.
    async fn ready(&mut self, client: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(response) = client.get(self.url("/readyz")).send().await {
                if response.status() == 200 {
                    return;
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{} exited ({status}): {}", self.base, self.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "{} not ready: {}",
                self.base,
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGTERM.
    fn terminate(&self) {
        let pid = self.child.id().expect("running") as i32;
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }
}

/// The JSON answer of a `GET`.
async fn get_json(client: &reqwest::Client, url: &str) -> serde_json::Value {
    let response = client.get(url).send().await.expect("an answer");
    response.json().await.expect("a JSON answer")
}

/// The storage setting of an `s3://` address, with the test's AWS variables.
fn s3_setting(address: &str) -> Storage {
    nanos_store::config::parse_storage(address, &|name| std::env::var(name).ok())
        .expect("the test bucket's address")
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found
}

/// A package zip of about `size` bytes that does not compress (stored, random text).
fn large_package(version: &str, size: usize) -> Vec<u8> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    writer.start_file("Package.toml", stored).unwrap();
    writer
        .write_all(
            format!(
                "[meta]\ntitle = \"Big\"\nauthor = \"me\"\nversion = \"{version}\"\n[game_mode]\n"
            )
            .as_bytes(),
        )
        .unwrap();
    writer.start_file("Server/Index.lua", stored).unwrap();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut line = Vec::with_capacity(81);
    let mut written = 0;
    while written < size {
        line.clear();
        line.extend_from_slice(b"-- ");
        for _ in 0..76 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            line.push(b'a' + (state % 26) as u8);
        }
        line.push(b'\n');
        writer.write_all(&line).unwrap();
        written += line.len();
    }
    writer.finish().unwrap().into_inner()
}

fn upload_form(zip: Vec<u8>, with_resource: bool, publish: bool) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    if with_resource {
        let details = serde_json::json!({
            "team": "crew",
            "title": "Big",
            "short_description": "Large",
            "description": "A large package",
            "category": "game-mode",
            "tags": ["big"],
        });
        form = form.text("resource", details.to_string());
    }
    form.text("publish", publish.to_string()).part(
        "file",
        reqwest::multipart::Part::bytes(zip).file_name("release.zip"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_share_one_database_and_one_bucket() {
    let Some(Storage::S3(s3)) = s3_storage() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((database_url, Some(database))) = new_database(Backend::Postgres, dir.path()).await
    else {
        return;
    };
    let storage = format!("s3://{}/{}", s3.bucket, s3.prefix);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // Both start at once on the empty database.
    let mut a = Instance::start(&database_url, &storage, dir.path(), "a");
    let mut b = Instance::start(&database_url, &storage, dir.path(), "b");
    a.ready(&client).await;
    b.ready(&client).await;

    // A session made on A works on B.
    let registered = a
        .post(&client, "/api/accounts/register")
        .form(&[
            ("username", "crew-owner"),
            ("display_name", "Owner"),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 200);
    let cookie = registered
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("nanos_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_string();
    let me = client
        .get(b.url("/store/v1/user/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200, "the session made on A works on B");
    let team = b
        .post(&client, "/store/v1/teams")
        .header("cookie", &cookie)
        .json(&serde_json::json!({"name": "crew", "title": "Crew", "description": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        team.status(),
        201,
        "{}",
        team.text().await.unwrap_or_default()
    );

    // Uploaded through B, downloaded from A: the file is in the shared bucket.
    let zip = large_package("1.0.0", 24 * 1024 * 1024);
    let uploaded = b
        .post(&client, "/store/v1/packages/big/releases")
        .header("cookie", &cookie)
        .multipart(upload_form(zip.clone(), true, true))
        .send()
        .await
        .unwrap();
    let upload_id = uploaded
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .expect("a request id");
    assert_eq!(
        uploaded.status(),
        201,
        "{}",
        uploaded.text().await.unwrap_or_default()
    );
    let download = "/store/v1/packages/big/releases/1.0.0/download";
    let whole = client.get(a.url(download)).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.bytes().await.unwrap().as_ref(), zip.as_slice());
    let part = client
        .get(b.url(download))
        .header("range", "bytes=1000-1999")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.unwrap().as_ref(), &zip[1000..2000]);

    // A draft uploaded on A is published on B.
    let draft = a
        .post(&client, "/store/v1/packages/big/releases")
        .header("cookie", &cookie)
        .multipart(upload_form(large_package("1.1.0", 64 * 1024), false, false))
        .send()
        .await
        .unwrap();
    assert_eq!(
        draft.status(),
        201,
        "{}",
        draft.text().await.unwrap_or_default()
    );
    let published = b
        .post(&client, "/store/v1/packages/big/releases/1.1.0/publish")
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        published.status(),
        200,
        "{}",
        published.text().await.unwrap_or_default()
    );
    let release = get_json(&client, &a.url("/store/v1/packages/big/releases/1.1.0")).await;
    assert_eq!(release["state"], "published", "{release}");

    // Log-in throttling counts the failures made on both: five wrong passwords, alternating, and
    // the sixth attempt is refused whichever instance gets it.
    for attempt in 0..5 {
        let instance = if attempt % 2 == 0 { &a } else { &b };
        let failed = instance
            .post(&client, "/api/accounts/login")
            .form(&[("username", "crew-owner"), ("password", "wrong password!")])
            .send()
            .await
            .unwrap();
        assert_eq!(failed.status(), 401, "attempt {attempt}");
    }
    let refused = b
        .post(&client, "/api/accounts/login")
        .form(&[
            ("username", "crew-owner"),
            ("password", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 429, "the failures on A count on B too");

    // SIGTERM to A while a download from it is in flight: the download ends whole, A exits, B
    // goes on serving.
    let mut slow = client.get(a.url(download)).send().await.unwrap();
    assert_eq!(slow.status(), 200);
    let first = slow.chunk().await.unwrap().expect("a first chunk");
    a.terminate();
    let mut received = first.to_vec();
    while let Some(chunk) = slow.chunk().await.expect("the download goes on") {
        received.extend_from_slice(&chunk);
        tokio::time::sleep(Duration::from_millis(20)).await; // a slow client
    }
    assert_eq!(received.len(), zip.len(), "the download in flight finished");
    assert_eq!(received, zip);
    let exited = tokio::time::timeout(Duration::from_secs(40), a.child.wait())
        .await
        .expect("A exits after SIGTERM")
        .unwrap();
    assert!(exited.success(), "A exits cleanly: {exited}");
    assert_eq!(
        client.get(b.url("/readyz")).send().await.unwrap().status(),
        200
    );

    // A killed mid-upload (kill -9, after 12 MiB of 24): B knows nothing of the release, and
    // after the sweep the bucket holds nothing of it.
    let mut killed = Instance::start(&database_url, &storage, dir.path(), "killed");
    killed.ready(&client).await;
    let (sent_enough, mut sent_rx) = tokio::sync::mpsc::channel::<()>(1);
    let body = large_package("2.0.0", 24 * 1024 * 1024);
    let chunks = futures_util::stream::unfold((body, 0usize), move |(body, at)| {
        let sent_enough = sent_enough.clone();
        async move {
            if at >= body.len() {
                return None;
            }
            if at >= 12 * 1024 * 1024 {
                let _ = sent_enough.try_send(());
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            let end = (at + 1024 * 1024).min(body.len());
            let chunk = body[at..end].to_vec();
            Some((Ok::<_, std::io::Error>(chunk), (body, end)))
        }
    });
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(chunks))
            .file_name("release.zip"),
    );
    let sending = tokio::spawn(
        killed
            .post(&client, "/store/v1/packages/big/releases")
            .header("cookie", &cookie)
            .multipart(form)
            .send(),
    );
    sent_rx.recv().await.expect("the upload got going");
    tokio::time::sleep(Duration::from_millis(500)).await;
    killed.child.start_kill().expect("kill -9");
    let _ = killed.child.wait().await;
    assert!(sending.await.unwrap().is_err(), "the upload was cut off");
    let lost = client
        .get(b.url("/store/v1/packages/big/releases/2.0.0"))
        .send()
        .await
        .unwrap();
    assert_eq!(lost.status(), 404, "B knows nothing of the cut-off upload");
    let bucket = BlobStore::open_without_sweep(&s3_setting(&storage)).unwrap();
    assert_eq!(
        bucket.pending_uploads().await.unwrap(),
        1,
        "the killed upload's parts are in the bucket until the sweep"
    );
    let swept = std::process::Command::new(env!("CARGO_BIN_EXE_nanos-store"))
        .args(["storage", "sweep", "--older-than", "0"])
        .env("NANOS_STORE_CONFIG", "/nonexistent")
        .env("NANOS_STORE_DATA_DIR", dir.path().join("sweeper"))
        .env("DATABASE_URL", &database_url)
        .env("NANOS_STORE_STORAGE", &storage)
        .output()
        .expect("nanos-store storage sweep");
    assert!(
        swept.status.success(),
        "{}",
        String::from_utf8_lossy(&swept.stderr)
    );
    assert_eq!(bucket.pending_uploads().await.unwrap(), 0);
    assert!(bucket.temp_files().await.unwrap().is_empty());
    assert_eq!(
        bucket.blob_files().await.unwrap().len(),
        2,
        "only the files of releases 1.0.0 and 1.1.0"
    );

    // Downloads counted once for this address, whichever instance served them (A wrote its batch
    // when it stopped; B writes its own when it stops).
    b.terminate();
    let _ = tokio::time::timeout(Duration::from_secs(40), b.child.wait()).await;
    let info: serde_json::Value = {
        let mut c = Instance::start(&database_url, &storage, dir.path(), "c");
        c.ready(&client).await;
        let info = get_json(&client, &c.url("/store/v1/packages/big")).await;
        c.terminate();
        let _ = c.child.wait().await;
        info
    };
    assert_eq!(info["download_count"], 1, "{info}");

    // Logs are JSON lines, and the upload's lines name its request id.
    let log = b.log_text();
    assert!(
        log.lines()
            .all(|line| serde_json::from_str::<serde_json::Value>(line).is_ok()),
        "every log line is JSON:\n{log}"
    );
    assert!(
        log.contains(&upload_id),
        "the upload's log lines carry its request id {upload_id}:\n{log}"
    );

    // Nothing was kept on the instances' own disks.
    for name in ["a", "b", "killed"] {
        let files: Vec<_> = walk(&dir.path().join(name));
        assert!(files.is_empty(), "instance {name} kept files: {files:?}");
    }

    common::drop_postgres_database(&database).await;
}
