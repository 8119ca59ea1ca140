//! Finding 7 (no connection timeouts) and finding 11 (temporary files survive a crash).
//!
//! The connection tests run the real accept loop on 127.0.0.1:0 with timeouts of a second or two
//! and talk to it over raw TCP, the way a slow or hostile client would.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use nanos_store::config::{Settings, Storage};
use nanos_store::connections::{serve_on, ConnectionLimits};
use nanos_store::db::Backend;
use nanos_store::storage::BlobStore;
use nanos_store::tokens::Scope;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::common::TestApp;

/// Serves `app` with changed settings on a free local port, until the test ends.
async fn serve(app: &TestApp, change: impl FnOnce(&mut Settings)) -> SocketAddr {
    let mut settings = (*app.state.settings).clone();
    change(&mut settings);
    let limits = ConnectionLimits::from_settings(&settings);
    let router = app.with_settings(|s| *s = settings);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(serve_on(listener, router, limits, std::future::pending()));
    addr
}

fn timeouts(header: u64, idle: u64) -> impl FnOnce(&mut Settings) {
    move |s| {
        s.header_read_timeout = Duration::from_secs(header);
        s.idle_timeout = Duration::from_secs(idle);
    }
}

async fn sqlite_app() -> TestApp {
    TestApp::start(Backend::Sqlite)
        .await
        .expect("SQLite is always available")
}

/// Reads until the server closes the connection; returns everything it sent. Fails after `limit`.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> String {
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => panic!(
                "the server kept the connection open for {limit:?}; it sent: {}",
                String::from_utf8_lossy(&received)
            ),
            Ok(Ok(0)) | Ok(Err(_)) => return String::from_utf8_lossy(&received).into_owned(),
            Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
        }
    }
}

const HEALTH_CHECK: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: store\r\n\r\n";

/// Reads one `/healthz` response (its body is `ok`) within `limit`.
async fn read_health_response(stream: &mut TcpStream, limit: Duration) -> Result<String, String> {
    let mut received = Vec::new();
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + limit;
    while !received.ends_with(b"\r\n\r\nok") {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return Err(format!("no response within {limit:?}")),
            Ok(Ok(0)) | Ok(Err(_)) => return Err("the connection closed".into()),
            Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
        }
    }
    Ok(String::from_utf8_lossy(&received).into_owned())
}

fn assert_between(elapsed: Duration, low: f64, high: f64) {
    let secs = elapsed.as_secs_f64();
    assert!(
        (low..=high).contains(&secs),
        "closed after {secs:.2} s, expected {low} to {high} s"
    );
}

#[tokio::test]
async fn a_request_head_trickled_byte_by_byte_is_cut_off_at_the_header_timeout() {
    let app = sqlite_app().await;
    let addr = serve(&app, timeouts(1, 30)).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let started = Instant::now();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: store\r\nX-Slow: ")
        .await
        .unwrap();
    // Bytes keep moving, so only the head's deadline can end this.
    let (mut reader, mut writer) = stream.into_split();
    let trickle = tokio::spawn(async move {
        while writer.write_all(b"a").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let mut received = Vec::new();
    // A reset counts as closed too, so the read's own result does not matter.
    let _ = tokio::time::timeout(Duration::from_secs(5), reader.read_to_end(&mut received))
        .await
        .expect("the server kept a trickled request head for 5 s");
    assert_between(started.elapsed(), 0.9, 2.5);
    assert!(
        received.is_empty(),
        "{}",
        String::from_utf8_lossy(&received)
    );
    trickle.abort();
    app.finish().await;
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_at_the_header_timeout() {
    let app = sqlite_app().await;
    let addr = serve(&app, timeouts(1, 30)).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let started = Instant::now();
    read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert_between(started.elapsed(), 0.9, 2.5);
    app.finish().await;
}

#[tokio::test]
async fn a_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let app = sqlite_app().await;
    let addr = serve(&app, timeouts(30, 1)).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(HEALTH_CHECK).await.unwrap();
    read_health_response(&mut stream, Duration::from_secs(2))
        .await
        .unwrap();
    // Within the idle timeout the connection serves another request...
    tokio::time::sleep(Duration::from_millis(600)).await;
    stream.write_all(HEALTH_CHECK).await.unwrap();
    read_health_response(&mut stream, Duration::from_secs(2))
        .await
        .unwrap();
    // ...and then closes once it has been idle for that long.
    let idle_since = Instant::now();
    let rest = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert_between(idle_since.elapsed(), 0.9, 2.5);
    assert!(rest.is_empty(), "{rest}");
    app.finish().await;
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    let app = sqlite_app().await;
    let addr = serve(&app, |s| {
        timeouts(30, 30)(s);
        s.max_connections = 2;
    })
    .await;
    let first = TcpStream::connect(addr).await.unwrap();
    let mut second = TcpStream::connect(addr).await.unwrap();
    second.write_all(HEALTH_CHECK).await.unwrap();
    read_health_response(&mut second, Duration::from_secs(2))
        .await
        .expect("the second connection is within the cap");

    let mut third = TcpStream::connect(addr).await.unwrap();
    third.write_all(HEALTH_CHECK).await.unwrap();
    let waiting = read_health_response(&mut third, Duration::from_millis(700)).await;
    assert!(waiting.is_err(), "served beyond the cap: {waiting:?}");

    drop(first);
    read_health_response(&mut third, Duration::from_secs(2))
        .await
        .expect("served once a connection closed");
    app.finish().await;
}

const BOUNDARY: &str = "nanosboundary";

/// A user with a `publish` token, a team and a package `sandbox`; returns the token.
async fn uploader(app: &TestApp) -> String {
    let owner = app.create_user("owner").await;
    app.create_team(&owner, "studio").await;
    let token = app.create_token(&owner, &Scope::ALL, None).await;
    let created = app
        .api(
            "POST",
            "/store/v1/packages",
            Some(&format!("Token {token}")),
            Some(json!({"name": "sandbox", "team": "studio", "title": "Sandbox", "category": "game-mode"})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    token
}

async fn a_trickled_upload_is_aborted_and_leaves_no_temp_file(app: &TestApp) {
    let token = uploader(app).await;
    let addr = serve(app, |s| {
        timeouts(30, 30)(s);
        s.upload_stall_timeout = Duration::from_secs(1);
    })
    .await;
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "POST /store/v1/packages/sandbox/releases HTTP/1.1\r\nHost: store\r\n\
         Authorization: Token {token}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: 100000\r\n\r\n\
         --{BOUNDARY}\r\n\
         Content-Disposition: form-data; name=\"file\"; filename=\"release.zip\"\r\n\
         Content-Type: application/zip\r\n\r\nPK"
    );
    writer.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    // One byte every 300 ms: never silent for the 1 s stall timeout, but far below 1 KiB/s.
    let trickle = tokio::spawn(async move {
        while writer.write_all(b"x").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        app.state.blobs.temp_files().await.unwrap().len(),
        1,
        "the upload is being written to a temporary file"
    );

    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&received).contains("upload-stalled") {
        match tokio::time::timeout(Duration::from_secs(5), reader.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => received.extend_from_slice(&buf[..n]),
            other => panic!(
                "no upload-stalled answer ({other:?}); received: {}",
                String::from_utf8_lossy(&received)
            ),
        }
    }
    let response = String::from_utf8_lossy(&received);
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert_between(started.elapsed(), 0.9, 3.0);
    assert!(
        app.state.blobs.temp_files().await.unwrap().is_empty(),
        "the stalled upload's temporary file is removed"
    );
    trickle.abort();
}

crate::on_both_databases!(a_trickled_upload_is_aborted_and_leaves_no_temp_file);

#[tokio::test]
async fn the_start_up_sweep_removes_only_temp_files_no_live_upload_owns() {
    let data_dir = tempfile::tempdir().unwrap();
    let storage = Storage::Local(data_dir.path().to_path_buf());
    let store = BlobStore::open(&storage).await.unwrap();
    let mut live = store.create_temp().await.unwrap();
    live.write(b"half an upload").await.unwrap();
    let mut validating = store.create_temp().await.unwrap();
    validating.write(b"a whole upload").await.unwrap();
    let validating = validating.finish().await.unwrap();
    // What a process killed mid-upload leaves: a file nobody holds a lock on.
    let orphan = data_dir.path().join("tmp").join("upload-crashed");
    std::fs::write(&orphan, b"left by kill -9").unwrap();
    assert_eq!(store.temp_files().await.unwrap().len(), 3);

    // A second start (another process would do the same) sweeps the folder.
    let restarted = BlobStore::open(&storage).await.unwrap();
    assert!(!orphan.exists(), "the orphaned temporary file is removed");
    assert_eq!(
        restarted.temp_files().await.unwrap().len(),
        2,
        "the live upload's file and the finished upload's file stay"
    );
    assert_eq!(restarted.sweep_temp().await.unwrap(), 0);

    drop(live);
    drop(validating);
    assert!(restarted.temp_files().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_request_body_trickled_byte_by_byte_ends_at_the_request_timeout() {
    let app = sqlite_app().await;
    let addr = serve(&app, |s| {
        timeouts(5, 30)(s);
        s.request_timeout = Duration::from_secs(1);
    })
    .await;
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let started = Instant::now();
    writer
        .write_all(
            b"POST /api/accounts/login HTTP/1.1\r\nHost: store\r\nOrigin: http://store\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nu",
        )
        .await
        .unwrap();
    let trickle = tokio::spawn(async move {
        while writer.write_all(b"a").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&received).contains("request-timeout") {
        match tokio::time::timeout(Duration::from_secs(5), reader.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => received.extend_from_slice(&buf[..n]),
            other => panic!(
                "no 408 within 5 s ({other:?}): {}",
                String::from_utf8_lossy(&received)
            ),
        }
    }
    assert_between(started.elapsed(), 0.9, 3.0);
    assert!(
        String::from_utf8_lossy(&received).starts_with("HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&received)
    );
    trickle.abort();
    app.finish().await;
}

#[tokio::test]
async fn a_client_that_stops_reading_a_download_is_cut_off_at_the_idle_timeout() {
    let app = sqlite_app().await;
    let token = crate::support::team_with_packages(&app, "reader", "readers", &["big"]).await;
    // 16 MiB that do not compress, far more than the socket buffers hold.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let noise: String = (0..16 * 1024 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(b'!' + (state % 90) as u8)
        })
        .collect();
    let manifest = "[meta]\ntitle = \"Big\"\nauthor = \"me\"\nversion = \"1.0.0\"\n[game_mode]\n";
    let zip = crate::support::zip(&[
        ("Package.toml", manifest),
        ("Server/Index.lua", "print('hi')"),
        ("Client/noise.txt", &noise),
    ]);
    let uploaded = crate::support::upload(&app, "big", &token, &zip, "big").await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);

    let addr = serve(&app, timeouts(5, 1)).await;
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(addr).await.unwrap();
    stream
        .write_all(
            format!(
                "GET /store/v1/packages/big/releases/1.0.0/download HTTP/1.1\r\nHost: store\r\n\
                 Authorization: Token {token}\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    // Read nothing for a while: the store must give up on this client...
    tokio::time::sleep(Duration::from_secs(4)).await;
    // ...so what arrives now is what sat in the buffers, and then the connection ends.
    let received = tokio::time::timeout(Duration::from_secs(5), async {
        let mut total = 0usize;
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 {
                break;
            }
            total += n;
        }
        total
    })
    .await
    .expect("the connection was still open");
    assert!(
        received < zip.len(),
        "the whole file arrived ({received} bytes): the store waited for the client"
    );
    app.finish().await;
}
