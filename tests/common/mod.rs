//! Test harness: a fresh store on its own database (SQLite or Postgres) and HTTP helpers.
//!
//! Postgres tests connect to `NANOS_STORE_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) and create a database per test. When Postgres is
//! absent they print a loud SKIPPED line, unless `NANOS_STORE_REQUIRE_POSTGRES=1`, which makes them
//! fail instead (CI sets it).
#![allow(dead_code)]

use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, Response, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use nanos_store::config::{self, Settings};
use nanos_store::db::Backend;
use nanos_store::server::router;
use nanos_store::state::AppState;
use sqlx::Connection;
use tower::ServiceExt;

/// A zip holding `files` (name, text), as the release tests upload them.
pub fn zip(files: &[(&str, &str)]) -> Vec<u8> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in files {
        writer
            .start_file(*name, zip::write::SimpleFileOptions::default())
            .expect("zip entry");
        writer.write_all(text.as_bytes()).expect("zip write");
    }
    writer.finish().expect("zip").into_inner()
}

/// A new, empty database for a test: its URL, and its name on Postgres (to drop it with
/// [`drop_postgres_database`]); a SQLite file goes in `dir`. `None` when Postgres is wanted but
/// absent (and allowed to be).
pub async fn new_database(
    backend: Backend,
    dir: &std::path::Path,
) -> Option<(String, Option<String>)> {
    sqlx::any::install_default_drivers();
    Some(match backend {
        Backend::Sqlite => (config::sqlite_url(&dir.join("test.db")), None),
        Backend::Postgres => {
            let admin_url = postgres_admin_url();
            let mut admin = match sqlx::AnyConnection::connect(&admin_url).await {
                Ok(conn) => conn,
                Err(e) if !postgres_required() => {
                    eprintln!(
                        "\n*** SKIPPED: Postgres test — cannot reach {admin_url}: {e}\n\
                         *** Start Postgres or set NANOS_STORE_TEST_POSTGRES; \
                         NANOS_STORE_REQUIRE_POSTGRES=1 turns this into a failure.\n"
                    );
                    return None;
                }
                Err(e) => panic!(
                    "Postgres is required (NANOS_STORE_REQUIRE_POSTGRES=1) but {admin_url} \
                     cannot be reached: {e}"
                ),
            };
            let name = format!("nanos_test_{}", uuid::Uuid::now_v7().simple());
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await
                .expect("create test database");
            let base = admin_url
                .rsplit_once('/')
                .map(|(base, _)| base.to_string())
                .unwrap_or(admin_url);
            (format!("{base}/{name}"), Some(name))
        }
    })
}

/// Drops a test's Postgres database.
pub async fn drop_postgres_database(name: &str) {
    if let Ok(mut admin) = sqlx::AnyConnection::connect(&postgres_admin_url()).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await;
    }
}

/// A store under test.
pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    _data_dir: tempfile::TempDir,
    postgres_db: Option<String>,
}

fn postgres_admin_url() -> String {
    std::env::var("NANOS_STORE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

fn postgres_required() -> bool {
    std::env::var("NANOS_STORE_REQUIRE_POSTGRES").is_ok_and(|v| v == "1" || v == "true")
}

/// Where a test store keeps its release files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestStorage {
    /// Its data dir (the default).
    Local,
    /// A prefix of its own in the test bucket of a real S3-compatible server (see [`s3_storage`]).
    S3,
}

fn s3_required() -> bool {
    std::env::var("NANOS_STORE_REQUIRE_S3").is_ok_and(|v| v == "1" || v == "true")
}

/// A new, empty place in the test bucket: `NANOS_STORE_TEST_S3` (`s3://bucket`, set by
/// `scripts/test`, which starts Garage) under a prefix of its own, reached with the standard
/// `AWS_*` variables. `None`, with a loud SKIPPED line, when it is not set, unless
/// `NANOS_STORE_REQUIRE_S3=1` (CI), which makes that a failure.
pub fn s3_storage() -> Option<config::Storage> {
    let Some(bucket) = std::env::var("NANOS_STORE_TEST_S3")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        assert!(
            !s3_required(),
            "an S3-compatible server is required (NANOS_STORE_REQUIRE_S3=1) but \
             NANOS_STORE_TEST_S3 is not set; scripts/test starts Garage and sets it"
        );
        eprintln!(
            "\n*** SKIPPED: object storage test — NANOS_STORE_TEST_S3 is not set.\n\
             *** scripts/test starts Garage and sets it; NANOS_STORE_REQUIRE_S3=1 turns this into \
             a failure.\n"
        );
        return None;
    };
    let address = format!(
        "{}/test-{}",
        bucket.trim_end_matches('/'),
        uuid::Uuid::now_v7().simple()
    );
    Some(
        config::parse_storage(&address, &|name| std::env::var(name).ok())
            .unwrap_or_else(|e| panic!("NANOS_STORE_TEST_S3={bucket:?}: {e}")),
    )
}

impl TestApp {
    /// A store on a new, empty database; `None` when Postgres is wanted but absent (and allowed to be).
    pub async fn start(backend: Backend) -> Option<TestApp> {
        TestApp::start_with(backend, TestStorage::Local).await
    }

    /// A store on a new, empty database keeping its files in `storage`; `None` when Postgres or the
    /// object store is wanted but absent (and allowed to be).
    pub async fn start_with(backend: Backend, storage: TestStorage) -> Option<TestApp> {
        sqlx::any::install_default_drivers();
        let data_dir = tempfile::tempdir().expect("temp dir");
        let storage = match storage {
            TestStorage::Local => config::Storage::Local(data_dir.path().to_path_buf()),
            TestStorage::S3 => s3_storage()?,
        };
        let (database_url, postgres_db) = new_database(backend, data_dir.path()).await?;
        let mut settings: Settings =
            config::load(std::path::Path::new("/nonexistent")).expect("default settings");
        settings.data_dir = data_dir.path().to_path_buf();
        settings.storage = storage;
        settings.database_url = database_url;
        // No built site, whatever the checkout's `target/site` holds: pages name the bundle's
        // plain files (tests/bundle.rs builds a site of its own).
        settings.leptos.site_root = data_dir.path().join("site").to_string_lossy().into();
        settings.leptos.hash_files = false;
        let state = AppState::open(settings).await.expect("open store");
        Some(TestApp {
            router: router(state.clone()),
            state,
            _data_dir: data_dir,
            postgres_db,
        })
    }

    /// The same store with other settings (sharing database and storage).
    pub fn with_settings(&self, change: impl FnOnce(&mut Settings)) -> Router {
        let mut settings = (*self.state.settings).clone();
        change(&mut settings);
        router(AppState {
            settings: std::sync::Arc::new(settings),
            ..self.state.clone()
        })
    }

    /// Writes the downloads noted so far (the server does it every few seconds).
    pub async fn flush_downloads(&self) -> u64 {
        self.state
            .downloads
            .flush(&self.state.pool)
            .await
            .expect("download counts written")
    }

    /// How many temporary blobs are left, once those being deleted are gone: an object store's
    /// temporary object dropped by a failed request is deleted in the background, so this waits
    /// up to 5 s for the count to reach zero.
    pub async fn temp_blobs(&self) -> usize {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let left = self
                .state
                .blobs
                .temp_files()
                .await
                .expect("temporary blobs")
                .len();
            if left == 0 || std::time::Instant::now() > deadline {
                return left;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Drops the test's Postgres database (a SQLite one goes with its temp dir).
    pub async fn finish(self) {
        self.state.pool.close().await;
        if let Some(name) = self.postgres_db {
            drop_postgres_database(&name).await;
        }
    }

    /// Serves this store on a free port of 127.0.0.1, for programs that speak HTTP (the client
    /// commands), and returns its address. The server stops with the test.
    pub async fn listen(&self) -> String {
        self.listen_with(|_| {}).await
    }

    /// Like [`listen`](Self::listen), the same store with other settings.
    pub async fn listen_with(&self, change: impl FnOnce(&mut Settings)) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let address = format!("http://{}", listener.local_addr().expect("its address"));
        let limits =
            nanos_store::connections::ConnectionLimits::from_settings(&self.state.settings);
        tokio::spawn(nanos_store::connections::serve_on(
            listener,
            self.with_settings(change),
            limits,
            std::future::pending(),
        ));
        address
    }

    /// Sends a request as if from `127.0.0.1`.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        send_from(&self.router, [127, 0, 0, 1].into(), request).await
    }

    /// Calls a server function the way the browser bundle does (form-encoded, JSON back).
    pub async fn call(
        &self,
        path: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> TestResponse {
        let mut request = form_request(path, form);
        if let Some(cookie) = cookie {
            request
                .headers_mut()
                .insert(header::COOKIE, cookie.parse().unwrap());
        }
        self.send(request).await
    }

    /// Registers `username` (password `correct horse battery`) and returns its session cookie.
    pub async fn register(&self, username: &str) -> String {
        let response = self
            .call(
                "/api/accounts/register",
                &[
                    ("username", username),
                    ("display_name", "Test User"),
                    ("password", "correct horse battery"),
                ],
                None,
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.body);
        response
            .session_cookie()
            .expect("register sets a session cookie")
    }

    /// Logs `username` in (password `correct horse battery`) and returns the session cookie.
    pub async fn log_in(&self, username: &str) -> String {
        let response = self
            .call(
                "/api/accounts/login",
                &[
                    ("username", username),
                    ("password", "correct horse battery"),
                ],
                None,
            )
            .await;
        assert_eq!(response.status, 200, "log in {username}: {}", response.body);
        response.session_cookie().expect("a session cookie")
    }

    /// Creates a user directly through the service (password `correct horse battery`).
    pub async fn create_user(&self, username: &str) -> nanos_store::accounts::service::User {
        let registration = nanos_store::accounts::service::Registration {
            username: username.into(),
            display_name: username.into(),
            password: "correct horse battery".into(),
        };
        nanos_store::accounts::service::register(
            &self.state.pool,
            registration,
            nanos_store::db::now(),
        )
        .await
        .expect("create user")
    }

    /// Creates the team `name` (titled `Team <name>`) with `owner` as its owner.
    pub async fn create_team(&self, owner: &nanos_store::accounts::service::User, name: &str) {
        use nanos_store::teams::service::{create, Actor, NewTeam};
        let new = NewTeam {
            name: name.into(),
            title: format!("Team {name}"),
            description: String::new(),
        };
        create(
            &self.state.pool,
            Actor::user(owner),
            new,
            nanos_store::db::now(),
        )
        .await
        .expect("create team");
    }

    /// Adds `who` to `team` with `role`, as `owner` would.
    pub async fn add_member(
        &self,
        owner: &nanos_store::accounts::service::User,
        team: &str,
        who: &str,
        role: nanos_store::teams::Role,
    ) {
        use nanos_store::teams::service::{add_member, Actor};
        add_member(
            &self.state.pool,
            Actor::user(owner),
            team,
            who,
            role,
            nanos_store::db::now(),
        )
        .await
        .expect("add member");
    }

    /// Creates a 30-day token for `user` with `scopes`, restricted to `team` when given; returns
    /// the secret.
    pub async fn create_token(
        &self,
        user: &nanos_store::accounts::service::User,
        scopes: &[nanos_store::tokens::Scope],
        team: Option<&str>,
    ) -> String {
        let new = nanos_store::tokens::service::NewToken {
            label: "test".into(),
            expiry: nanos_store::tokens::service::Expiry::Days(30),
            scopes: scopes.to_vec(),
            team: team.map(str::to_string),
        };
        nanos_store::tokens::service::create(
            &self.state.pool,
            &user.id,
            new,
            nanos_store::db::now(),
        )
        .await
        .expect("create token")
        .token
    }

    /// An API request with an `Authorization` header value and an optional JSON body.
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        authorization: Option<&str>,
        json: Option<serde_json::Value>,
    ) -> TestResponse {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        let body = match json {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        self.send(request.body(body).unwrap()).await
    }

    /// Uploads `zip` as a release of the `kind` (`packages` or `assets`) `name` with a token, with
    /// the text parts `fields` (`publish`, `channel`, `changelog`, `resource`).
    pub async fn upload_release(
        &self,
        kind: &str,
        name: &str,
        token: &str,
        zip: &[u8],
        fields: &[(&str, &str)],
    ) -> TestResponse {
        self.send(upload_request(kind, name, token, zip, fields))
            .await
    }

    /// A GET request, with a cookie when given.
    pub async fn get(&self, path: &str, cookie: Option<&str>) -> TestResponse {
        let mut request = Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }
}

/// The upload of `zip` as a release of the `kind` (`packages` or `assets`) `name` with a token,
/// with the text parts `fields` (`publish`, `channel`, `changelog`, `resource`).
pub fn upload_request(
    kind: &str,
    name: &str,
    token: &str,
    zip: &[u8],
    fields: &[(&str, &str)],
) -> Request<Body> {
    const BOUNDARY: &str = "----nanosTestUpload";
    let mut body = Vec::new();
    for (field, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"release.zip\"\r\n\
             Content-Type: application/zip\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(zip);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    Request::post(format!("/store/v1/{kind}/{name}/releases"))
        .header(header::AUTHORIZATION, format!("Token {token}"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .expect("request")
}

/// Sends a request to `router` as if from `peer` (the address the connection comes from).
pub async fn send_from(router: &Router, peer: IpAddr, mut request: Request<Body>) -> TestResponse {
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(peer, 40000)));
    let what = format!("{} {}", request.method(), request.uri());
    let response = tokio::time::timeout(REQUEST_TIME_LIMIT, router.clone().oneshot(request))
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within {REQUEST_TIME_LIMIT:?}"))
        .expect("router never fails");
    let status = response.status();
    tokio::time::timeout(REQUEST_TIME_LIMIT, TestResponse::read(response))
        .await
        .unwrap_or_else(|_| {
            panic!(
                "{what}: answered {status}, but its body did not end within {REQUEST_TIME_LIMIT:?}"
            )
        })
}

/// How long one request may take in a test before the test fails, naming the request: a hang
/// fails at once with its name instead of at CI's time limit.
pub const REQUEST_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(20);

/// A server function call the way the browser bundle makes it (form-encoded, JSON back).
pub fn form_request(path: &str, form: &[(&str, &str)]) -> Request<Body> {
    let body = form
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    // As the browser sends it from the store's own page (cross-site calls are refused).
    Request::post(path)
        .header(header::HOST, "store.test")
        .header(header::ORIGIN, "http://store.test")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(body))
        .unwrap()
}

/// A form posted by the browser itself, without JavaScript, from the page at `referer` (a path on
/// the store): HTML accepted, so a server function answers with a redirect.
pub fn plain_form_post(
    path: &str,
    form: &[(&str, &str)],
    cookie: Option<&str>,
    referer: &str,
) -> Request<Body> {
    let mut request = form_request(path, form);
    let headers = request.headers_mut();
    headers.insert(
        header::ACCEPT,
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
            .parse()
            .unwrap(),
    );
    headers.insert(
        header::REFERER,
        format!("http://store.test{referer}").parse().unwrap(),
    );
    if let Some(cookie) = cookie {
        headers.insert(header::COOKIE, cookie.parse().unwrap());
    }
    request
}

/// The text of the error shown beside form field `field` (`<p id="FIELD-error">`) in a page.
pub fn field_error_in(page: &str, field: &str) -> Option<String> {
    let start = page.find(&format!(r#"id="{field}-error""#))?;
    let rest = &page[start..];
    let text = &rest[rest.find('>')? + 1..rest.find("</p>")?];
    Some(html_escape_decode(text))
}

fn html_escape_decode(text: &str) -> String {
    text.replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A response read whole.
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl TestResponse {
    async fn read(response: Response<Body>) -> TestResponse {
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.expect("body").to_bytes();
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The `name=value` part of the session cookie this response sets.
    pub fn session_cookie(&self) -> Option<String> {
        self.session_set_cookie()
            .map(|v| v.split(';').next().unwrap_or_default().to_string())
    }

    /// The `Location` header, if any.
    pub fn location(&self) -> Option<String> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// The whole `Set-Cookie` header for the session.
    pub fn session_set_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("nanos_session="))
            .map(str::to_string)
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Runs each listed `async fn name(app: &TestApp)` once on SQLite and once on Postgres.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::common::TestApp::start(nanos_store::db::Backend::Sqlite)
                        .await
                        .expect("SQLite is always available");
                    super::$name(&app).await;
                    app.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) =
                        $crate::common::TestApp::start(nanos_store::db::Backend::Postgres).await
                    {
                        super::$name(&app).await;
                        app.finish().await;
                    }
                }
            )*
        }
    };
}

/// Runs each named test (an `async fn(&TestApp)`) on a store keeping its files in the test bucket
/// of a real S3-compatible server, with SQLite and with Postgres (see [`s3_storage`]).
#[macro_export]
macro_rules! on_object_storage {
    ($($name:ident),* $(,)?) => {
        mod object_storage {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    use $crate::common::{TestApp, TestStorage};
                    for backend in [nanos_store::db::Backend::Sqlite, nanos_store::db::Backend::Postgres] {
                        if let Some(app) = TestApp::start_with(backend, TestStorage::S3).await {
                            super::$name(&app).await;
                            app.finish().await;
                        }
                    }
                }
            )*
        }
    };
}
