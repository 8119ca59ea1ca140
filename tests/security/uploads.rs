//! Finding 4: identical concurrent uploads must never delete the stored file. Many parallel
//! uploads of the same zip and version, of the same zip under other versions' resources, and
//! deletions of drafts sharing the file: at the end every release's file is there and downloads,
//! exactly one upload per version won, and no file is left that no release uses.

use crate::common::TestApp;
use crate::support::{package, team_with_packages, upload};

const ROUNDS: usize = 5;
const PARALLEL: usize = 16;

async fn identical_parallel_uploads_keep_the_file(app: &TestApp) {
    let token = team_with_packages(app, "racer", "racers", &["drift", "twin"]).await;
    for round in 0..ROUNDS {
        let version = format!("1.0.{round}");
        let zip = package(&version, "Drift", "racer");
        // The same zip and version to one resource many times, and to a second resource (same
        // file, another release) at the same time.
        let uploads = (0..PARALLEL).map(|i| {
            let target = if i % 4 == 3 { "twin" } else { "drift" };
            upload(app, target, &token, &zip, "race")
        });
        let answers = futures_util::future::join_all(uploads).await;
        for target in ["drift", "twin"] {
            let statuses: Vec<u16> = answers
                .iter()
                .enumerate()
                .filter(|(i, _)| (if i % 4 == 3 { "twin" } else { "drift" }) == target)
                .map(|(_, r)| r.status.as_u16())
                .collect();
            assert_eq!(
                statuses.iter().filter(|s| **s == 201).count(),
                1,
                "round {round}, {target}: exactly one upload wins: {statuses:?}"
            );
            assert!(
                statuses.iter().all(|s| *s == 201 || *s == 409),
                "round {round}, {target}: the others are told the version exists: {statuses:?}"
            );
            let download = app
                .api(
                    "GET",
                    &format!("/store/v1/packages/{target}/releases/{version}/download"),
                    Some(&format!("Token {token}")),
                    None,
                )
                .await;
            assert_eq!(
                download.status, 200,
                "round {round}, {target}: the file is there"
            );
        }
        // A draft whose file no other release uses is deleted while the very same file is
        // uploaded to the other resource: the new release keeps its file.
        let solo_version = format!("3.0.{round}");
        let solo = package(&solo_version, "Drift", "racer");
        let first = upload(app, "twin", &token, &solo, "solo").await;
        assert_eq!(first.status, 201, "{}", first.body);
        let solo_path = format!("/store/v1/packages/twin/releases/{solo_version}");
        let auth = format!("Token {token}");
        let delete = app.api("DELETE", &solo_path, Some(&auth), None);
        let (deleted, reuploaded) =
            futures_util::future::join(delete, upload(app, "drift", &token, &solo, "again")).await;
        assert_eq!(deleted.status, 204, "{}", deleted.body);
        assert_eq!(reuploaded.status, 201, "{}", reuploaded.body);
        let download = app
            .api(
                "GET",
                &format!("/store/v1/packages/drift/releases/{solo_version}/download"),
                Some(&format!("Token {token}")),
                None,
            )
            .await;
        assert_eq!(
            download.status, 200,
            "round {round}: the re-uploaded file is there"
        );
    }
    // Every release's file exists; no file without a release; no temporary file left.
    let shas: Vec<(String,)> = sqlx::query_as("SELECT DISTINCT sha256 FROM releases")
        .fetch_all(&app.state.pool)
        .await
        .expect("releases");
    let mut stored = app.state.blobs.blob_files().await.expect("blobs");
    stored.sort();
    let mut expected: Vec<String> = shas.into_iter().map(|(sha,)| sha).collect();
    expected.sort();
    assert_eq!(
        stored, expected,
        "one stored file per release file, and no other"
    );
    assert_eq!(app.temp_blobs().await, 0);
}

crate::on_both_databases!(identical_parallel_uploads_keep_the_file);
crate::on_object_storage!(identical_parallel_uploads_keep_the_file);
