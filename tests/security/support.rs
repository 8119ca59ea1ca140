//! Building blocks shared by the security tests: release zips, multipart bodies and uploads.

use std::io::Write;

use axum::body::Body;
use axum::http::Request;

use crate::common::{TestApp, TestResponse};

const BOUNDARY: &str = "----nanossecurityboundary";

/// A zip holding `files` (name, text).
pub fn zip(files: &[(&str, &str)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in files {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("zip entry");
        writer.write_all(text.as_bytes()).expect("zip write");
    }
    writer.finish().expect("zip").into_inner()
}

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
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"release.zip\"\r\n\
             Content-Type: application/zip\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(zip);
    body.extend_from_slice(
        format!(
            "\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"changelog\"\r\n\r\n{changelog}\r\n--{BOUNDARY}--\r\n"
        )
        .as_bytes(),
    );
    let request = Request::post(format!("/store/v1/packages/{name}/releases"))
        .header("authorization", format!("Token {token}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .expect("request");
    app.send(request).await
}
