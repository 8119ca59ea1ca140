//! What only object storage does, on a real S3-compatible server (Garage) with SQLite and Postgres:
//! downloads redirected to presigned URLs (the bytes then come from the object store, `Range`
//! included), interrupted uploads that leave no object, the sweep of temporary objects a dead
//! process left, and a store that says clearly when its bucket cannot be reached.

mod common;
/// The release zips and uploads of the security tests.
#[allow(dead_code)]
#[path = "security/support.rs"]
mod support;

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use common::TestApp;
use nanos_store::config::{self, Settings, Storage};
use nanos_store::state::AppState;
use support::{package, team_with_packages, upload};

/// The boundary of the hand-made multipart body of the interrupted upload.
const BOUNDARY: &str = "----storageboundary";

/// The team `studio` with the package `stored`, and its owner's all-scope token as an
/// `Authorization` value.
async fn world(app: &TestApp) -> String {
    let token = team_with_packages(app, "keeper", "studio", &["stored"]).await;
    format!("Token {token}")
}

/// Uploads `version` of `stored` as a draft, and publishes it when asked.
async fn release(app: &TestApp, token: &str, version: &str, publish: bool) -> Vec<u8> {
    let zip = package(version, "Stored", "me");
    let raw_token = token.trim_start_matches("Token ");
    let uploaded = upload(app, "stored", raw_token, &zip, "stored").await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    if publish {
        let path = format!("/store/v1/packages/stored/releases/{version}/publish");
        let published = app.api("POST", &path, Some(token), None).await;
        assert_eq!(published.status, 200, "{}", published.body);
    }
    zip
}

async fn downloads_can_redirect_to_a_presigned_url(app: &TestApp) {
    let token = world(app).await;
    let zip = release(app, &token, "1.0.0", true).await;
    release(app, &token, "1.1.0", false).await;
    let redirecting = app.with_settings(|s| s.download_redirect = true);
    let get = |path: &str, range: Option<&str>| {
        let mut request = Request::get(path);
        if let Some(range) = range {
            request = request.header("range", range);
        }
        common::send_from(
            &redirecting,
            [127, 0, 0, 1].into(),
            request.body(Body::empty()).unwrap(),
        )
    };

    let answer = get("/store/v1/packages/stored/releases/1.0.0/download", None).await;
    assert_eq!(answer.status, 302, "{}", answer.body);
    assert_eq!(
        answer.headers["cache-control"], "private, no-store",
        "a presigned URL expires: never cached"
    );
    let location = answer.location().expect("a Location");
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_default();
    assert!(
        location.starts_with(&endpoint) && location.contains("X-Amz-Signature="),
        "{location}"
    );

    // The object store serves the bytes, as an attachment, and ranges of them.
    let client = reqwest::Client::new();
    let fetched = client.get(&location).send().await.unwrap();
    assert_eq!(fetched.status(), 200);
    assert!(
        fetched.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("stored-1.0.0.zip"),
        "{:?}",
        fetched.headers()
    );
    assert_eq!(fetched.bytes().await.unwrap().as_ref(), zip.as_slice());
    let part = client
        .get(&location)
        .header("range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.unwrap().as_ref(), &zip[10..20]);
    // Without its signature the object is not public.
    let unsigned = location.split('?').next().unwrap_or_default().to_string();
    assert_eq!(client.get(&unsigned).send().await.unwrap().status(), 403);

    // A redirect from the first byte counts, once per address; a resume does not (asked from
    // another address, so that only the rule, not the once-per-address window, keeps it out).
    let resume = Request::get("/store/v1/packages/stored/releases/1.0.0/download")
        .header("range", "bytes=100-")
        .body(Body::empty())
        .unwrap();
    let resumed = common::send_from(&redirecting, [10, 0, 0, 7].into(), resume).await;
    assert_eq!(resumed.status, 302);
    app.flush_downloads().await;
    let info = app.get("/store/v1/packages/stored", None).await.json();
    assert_eq!(info["download_count"], 1, "{info}");

    // A draft is never handed out as a URL: others do not find it, and its team gets the bytes
    // through the store.
    let draft = "/store/v1/packages/stored/releases/1.1.0/download";
    let anonymous = get(draft, None).await;
    assert_eq!(anonymous.status, 404);
    assert!(anonymous.location().is_none());
    let member = common::send_from(
        &redirecting,
        [127, 0, 0, 1].into(),
        Request::get(draft)
            .header("authorization", &token)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(member.status, 200, "{}", member.body);
    assert!(member.location().is_none());
    assert_eq!(member.headers["cache-control"], "private, no-store");
}

async fn an_interrupted_upload_leaves_no_object(app: &TestApp) {
    let token = world(app).await;
    // 20 MiB of a zip (two parts of the multipart upload sent), then the connection breaks.
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.zip\"\r\n\
         Content-Type: application/zip\r\n\r\n"
    );
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = std::iter::once(Ok(head.into_bytes()))
        .chain((0..20).map(|_| Ok(vec![b'z'; 1024 * 1024])))
        .chain(std::iter::once(Err(std::io::Error::other(
            "connection reset",
        ))))
        .collect();
    let request = Request::post("/store/v1/packages/stored/releases")
        .header("authorization", &token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();
    let answer = app.send(request).await;
    assert!(answer.status.is_client_error(), "{}", answer.status);
    assert_eq!(app.temp_blobs().await, 0, "no temporary object is left");
    assert!(app.state.blobs.blob_files().await.unwrap().is_empty());
    // The multipart upload (20 MiB: two parts sent) is aborted, in the background.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while app.state.blobs.pending_uploads().await.unwrap() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the interrupted multipart upload was not aborted"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn the_sweep_removes_temporary_objects_a_dead_process_left(app: &TestApp) {
    let blobs = &app.state.blobs;
    // A finished upload whose process died before it was committed or deleted...
    let mut temp = blobs.create_temp().await.unwrap();
    temp.write(b"left by kill -9").await.unwrap();
    std::mem::forget(temp.finish().await.unwrap());
    // ...and one that died half-way, with a 8 MiB part sent: no listing shows it.
    let mut half = blobs.create_temp().await.unwrap();
    for _ in 0..3 {
        half.write(&vec![b'h'; 4 * 1024 * 1024]).await.unwrap();
    }
    std::mem::forget(half);
    assert_eq!(blobs.temp_files().await.unwrap().len(), 1);
    assert_eq!(blobs.pending_uploads().await.unwrap(), 1);
    // Fresh ones are left alone by the start-up sweep (they may be another instance's uploads)...
    assert_eq!(blobs.sweep_temp().await.unwrap(), 0);
    assert_eq!(blobs.temp_files().await.unwrap().len(), 1);
    assert_eq!(blobs.pending_uploads().await.unwrap(), 1);
    // ...and removed once old enough: the object deleted, the upload aborted.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        blobs
            .sweep_temp_older_than(Duration::from_secs(1))
            .await
            .unwrap(),
        2
    );
    assert!(blobs.temp_files().await.unwrap().is_empty());
    assert_eq!(blobs.pending_uploads().await.unwrap(), 0);
}

async fn a_running_store_sweeps_periodically(app: &TestApp) {
    let blobs = app.state.blobs.clone();
    let mut temp = blobs.create_temp().await.unwrap();
    temp.write(b"left by an instance that died").await.unwrap();
    std::mem::forget(temp.finish().await.unwrap());
    assert_eq!(blobs.temp_files().await.unwrap().len(), 1);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let sweeping = tokio::spawn(async move {
        blobs
            .sweep_every(
                Duration::from_millis(200),
                Duration::from_millis(500),
                async {
                    let _ = stopped.await;
                },
            )
            .await;
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !app.state.blobs.temp_files().await.unwrap().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the periodic sweep did not remove the old temporary object"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(2), sweeping)
        .await
        .expect("the sweeper stops when told")
        .unwrap();
}

on_object_storage!(
    a_running_store_sweeps_periodically,
    downloads_can_redirect_to_a_presigned_url,
    an_interrupted_upload_leaves_no_object,
    the_sweep_removes_temporary_objects_a_dead_process_left,
);

#[tokio::test]
async fn a_bucket_that_cannot_be_reached_stops_start_up_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings: Settings = config::load(std::path::Path::new("/nonexistent")).unwrap();
    settings.data_dir = dir.path().to_path_buf();
    settings.database_url = config::sqlite_url(&dir.path().join("test.db"));
    settings.storage = config::parse_storage("s3://nowhere/x", &|name| match name {
        "AWS_ENDPOINT_URL" => Some("http://127.0.0.1:9".into()),
        "AWS_ACCESS_KEY_ID" => Some("GK0".into()),
        "AWS_SECRET_ACCESS_KEY" => Some("secret".into()),
        _ => None,
    })
    .unwrap();
    assert!(matches!(settings.storage, Storage::S3(_)));
    let started = std::time::Instant::now();
    let error = match AppState::open(settings).await {
        Err(error) => error.to_string(),
        Ok(_) => panic!("a store without its bucket started"),
    };
    assert!(
        error.contains("NANOS_STORE_STORAGE") && error.contains("s3://nowhere/x"),
        "{error}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(40),
        "said within seconds, not after minutes of retries: {:?}",
        started.elapsed()
    );
}
