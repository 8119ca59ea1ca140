//! The typed data layer, on SQLite and Postgres: stored enum values are decoded strictly (an
//! unknown one is an error, never a default), the CHECK rules refuse bad rows and bad existing
//! data, and listings load a page in a fixed number of queries with the same results as one
//! resource at a time.

mod common;

use common::TestApp;
use nanos_store::accounts::service::User;
use nanos_store::db::{self, Backend};
use nanos_store::error::AppError;
use nanos_store::resources::facts;
use nanos_store::resources::releases;
use nanos_store::resources::service::{self as resources, ListQuery, NewResource, Resource};
use nanos_store::teams::service::{self as teams, Actor};
use nanos_store::teams::Role;
use nanos_store::tokens::service as tokens;
use nanos_store::tokens::Scope;
use nanos_store::validate::Kind;

fn backend(app: &TestApp) -> Backend {
    Backend::of_url(&app.state.settings.database_url)
}

async fn execute(app: &TestApp, sql: &str) {
    sqlx::query(sql)
        .execute(&app.state.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Takes away the check `rule` of `table` (see migrations/*/20261126000008_checks.sql), so that a
/// test can store what the store never would.
async fn without_checks(app: &TestApp, table: &str, rule: &str) {
    match backend(app) {
        Backend::Sqlite => {
            execute(app, &format!("DROP TRIGGER {table}_checks_insert")).await;
            execute(app, &format!("DROP TRIGGER {table}_checks_update")).await;
        }
        Backend::Postgres => {
            execute(app, &format!("ALTER TABLE {table} DROP CONSTRAINT {rule}")).await;
        }
    }
}

/// An error that a stored value could not be decoded, naming the value and what was expected.
fn assert_decode_error<T: std::fmt::Debug>(result: Result<T, AppError>, expected: &str) {
    match result {
        Err(AppError::Database(error)) => {
            let message = error.to_string();
            assert!(message.contains(expected), "{message}");
        }
        other => panic!("expected a decode error with {expected:?}, got {other:?}"),
    }
}

async fn new_package(
    app: &TestApp,
    owner: &User,
    team: &str,
    name: &str,
    tags: &[&str],
) -> Resource {
    let new = NewResource {
        name: name.into(),
        team: team.into(),
        title: format!("Title of {name}"),
        short_description: String::new(),
        description: String::new(),
        category: "script".into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
    };
    resources::create(
        &app.state.pool,
        Actor::user(owner),
        Kind::Package,
        new,
        db::now(),
    )
    .await
    .unwrap();
    resources::find(&app.state.pool, Kind::Package, name)
        .await
        .unwrap()
        .unwrap()
}

/// Stores a release row directly (uploads are tested elsewhere); returns its id.
async fn insert_release(
    app: &TestApp,
    resource: &Resource,
    version: (i64, i64, i64),
    channel: &str,
    state: &str,
) -> String {
    let id = db::new_id();
    let (major, minor, patch) = version;
    sqlx::query(
        "INSERT INTO releases (id, resource_id, version, version_major, version_minor, version_patch, \
         channel, state, changelog, sha256, size, unpacked_size, file_count, manifest, uploaded_by, \
         created_at, published_at, download_count) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', $9, 10, 20, 1, '{}', 'tester', 1, NULL, 0)",
    )
    .bind(&id)
    .bind(&resource.id)
    .bind(format!("{major}.{minor}.{patch}"))
    .bind(major)
    .bind(minor)
    .bind(patch)
    .bind(channel)
    .bind(state)
    .bind(format!("{:064}", 0))
    .execute(&app.state.pool)
    .await
    .unwrap();
    id
}

async fn unknown_channel_is_an_error(app: &TestApp) {
    let owner = app.create_user("owner").await;
    app.create_team(&owner, "studio").await;
    let resource = new_package(app, &owner, "studio", "pkg", &[]).await;
    insert_release(app, &resource, (1, 0, 0), "stable", "published").await;
    without_checks(app, "releases", "releases_channel").await;
    execute(app, "UPDATE releases SET channel = 'nightly'").await;
    assert_decode_error(
        releases::list(&app.state.pool, &resource, true).await,
        "unknown channel \"nightly\"",
    );
    // Over HTTP: a 500, not a release on the private channel.
    let response = app
        .api("GET", "/store/v1/packages/pkg/releases", None, None)
        .await;
    assert_eq!(response.status, 500, "{}", response.body);
}

async fn unknown_release_state_is_an_error(app: &TestApp) {
    let owner = app.create_user("owner").await;
    app.create_team(&owner, "studio").await;
    let resource = new_package(app, &owner, "studio", "pkg", &[]).await;
    insert_release(app, &resource, (1, 0, 0), "stable", "published").await;
    without_checks(app, "releases", "releases_state").await;
    execute(app, "UPDATE releases SET state = 'archived'").await;
    assert_decode_error(
        releases::list(&app.state.pool, &resource, true).await,
        "unknown release state \"archived\"",
    );
}

async fn unknown_kind_is_an_error(app: &TestApp) {
    let owner = app.create_user("owner").await;
    app.create_team(&owner, "studio").await;
    new_package(app, &owner, "studio", "base", &[]).await;
    let user = new_package(app, &owner, "studio", "user", &[]).await;
    let release = insert_release(app, &user, (1, 0, 0), "stable", "published").await;
    sqlx::query(
        "INSERT INTO release_requirements (release_id, kind, name) VALUES ($1, 'package', 'base')",
    )
    .bind(&release)
    .execute(&app.state.pool)
    .await
    .unwrap();
    let found = facts::required_by(&app.state.pool, Kind::Package, "base")
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    without_checks(app, "resources", "resources_kind").await;
    execute(app, "UPDATE resources SET kind = 'map' WHERE name = 'user'").await;
    assert_decode_error(
        facts::required_by(&app.state.pool, Kind::Package, "base").await,
        "unknown kind \"map\"",
    );
}

async fn unknown_member_role_is_an_error(app: &TestApp) {
    let owner = app.create_user("owner").await;
    let helper = app.create_user("helper").await;
    app.create_team(&owner, "studio").await;
    app.add_member(&owner, "studio", "helper", Role::Developer)
        .await;
    without_checks(app, "team_members", "team_members_role").await;
    execute(
        app,
        "UPDATE team_members SET role = 'god' WHERE user_id = (SELECT id FROM users WHERE username = 'helper')",
    )
    .await;
    // Not a member dropped from the list: an error.
    assert_decode_error(
        teams::details(&app.state.pool, "studio").await,
        "unknown role \"god\"",
    );
    assert_decode_error(
        teams::user_teams(&app.state.pool, &helper.id).await,
        "unknown role \"god\"",
    );
    let team = teams::find(&app.state.pool, "studio")
        .await
        .unwrap()
        .unwrap();
    // Not "no role" (which reads as not a member): an error.
    assert_decode_error(
        teams::role_of(&app.state.pool, &team.id, &helper.id).await,
        "unknown role \"god\"",
    );
}

async fn unknown_invitation_role_is_an_error(app: &TestApp) {
    let owner = app.create_user("owner").await;
    let guest = app.create_user("guest").await;
    app.create_team(&owner, "studio").await;
    teams::invite(
        &app.state.pool,
        Actor::user(&owner),
        "studio",
        "guest",
        Role::Member,
        db::now(),
    )
    .await
    .unwrap();
    without_checks(app, "team_invitations", "team_invitations_role").await;
    execute(app, "UPDATE team_invitations SET role = 'tester'").await;
    assert_decode_error(
        teams::user_invitations(&app.state.pool, &guest.id).await,
        "unknown role \"tester\"",
    );
}

async fn unknown_scope_is_an_error(app: &TestApp) {
    let user = app.create_user("user").await;
    let secret = app.create_token(&user, &[Scope::Download], None).await;
    without_checks(app, "api_tokens", "api_tokens_scopes").await;
    execute(app, "UPDATE api_tokens SET scopes = 'download,admin'").await;
    // Not a token with fewer scopes: an error.
    assert_decode_error(
        tokens::authenticate(&app.state.pool, &secret, db::now()).await,
        "unknown scope \"admin\"",
    );
    assert_decode_error(
        tokens::list(&app.state.pool, &user.id, db::now()).await,
        "unknown scope \"admin\"",
    );
}

/// Runs `sql` and expects the database to refuse it for breaking `rule`.
async fn assert_refused(app: &TestApp, sql: &str, rule: &str) {
    match sqlx::query(sql).execute(&app.state.pool).await {
        Err(error) => {
            let message = error.to_string();
            assert!(message.contains(rule), "{sql}: {message}");
        }
        Ok(_) => panic!("{sql}: accepted, but it breaks {rule}"),
    }
}

async fn bad_rows_are_refused(app: &TestApp) {
    let owner = app.create_user("owner").await;
    app.create_team(&owner, "studio").await;
    let resource = new_package(app, &owner, "studio", "pkg", &[]).await;
    let release = insert_release(app, &resource, (1, 0, 0), "stable", "published").await;
    execute(
        app,
        "INSERT INTO blobs (sha256, size, created_at) VALUES ('b', 1, 1)",
    )
    .await;
    let id = &resource.id;
    assert_refused(
        app,
        &format!(
            "INSERT INTO releases (id, resource_id, version, version_major, version_minor, version_patch, \
             channel, state, changelog, sha256, size, unpacked_size, file_count, manifest, uploaded_by, created_at) \
             VALUES ('x', '{id}', '2.0.0', 2, 0, 0, 'nightly', 'draft', '', 'a', 1, 1, 1, '{{}}', 'u', 1)"
        ),
        "releases_channel",
    )
    .await;
    for (sql, rule) in [
        (
            "UPDATE releases SET channel = 'nightly'",
            "releases_channel",
        ),
        ("UPDATE releases SET state = 'archived'", "releases_state"),
        ("UPDATE releases SET size = -1", "releases_sizes"),
        ("UPDATE releases SET download_count = -1", "releases_sizes"),
        (
            "UPDATE releases SET version_minor = -1",
            "releases_version_numbers",
        ),
        ("UPDATE resources SET kind = 'map'", "resources_kind"),
        (
            "UPDATE resources SET category = 'vehicles'",
            "resources_package_category",
        ),
        (
            "UPDATE resources SET download_count = -5",
            "resources_download_count",
        ),
        ("UPDATE team_members SET role = 'god'", "team_members_role"),
        ("UPDATE blobs SET size = -1", "blobs_size"),
    ] {
        assert_refused(app, sql, rule).await;
    }
    assert_refused(
        app,
        &format!("INSERT INTO release_requirements (release_id, kind, name) VALUES ('{release}', 'map', 'x')"),
        "release_requirements_kind",
    )
    .await;
    app.create_token(&owner, &[Scope::Download, Scope::Manage], None)
        .await;
    for scopes in [
        "admin",
        "download,admin",
        "downloadmanage",
        "download;publish",
    ] {
        assert_refused(
            app,
            &format!("UPDATE api_tokens SET scopes = '{scopes}'"),
            "api_tokens_scopes",
        )
        .await;
    }
    // What the store writes passes.
    for scopes in ["download", "manage,download", "download,publish,manage", ""] {
        execute(app, &format!("UPDATE api_tokens SET scopes = '{scopes}'")).await;
    }
    execute(
        app,
        "UPDATE resources SET kind = 'asset-pack', category = 'vehicles'",
    )
    .await;
    execute(app, "UPDATE releases SET channel = 'beta', state = 'draft'").await;
}

/// The migrations up to the CHECK rules, bad data, then the rest: refused, naming the rule; once
/// the row is fixed, it runs.
async fn the_checks_migration_refuses_bad_stored_data(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some((url, postgres_db)) = common::new_database(backend, dir.path()).await else {
        return;
    };
    // One connection: sqlx keeps the Postgres migration lock of a failed run on its connection
    // (a store whose migration fails stops, which closes it), and a later run on another
    // connection would wait for it for ever. On the same connection the lock is taken again.
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap();
    let checks = 20261126000008;
    let before: Vec<_> = db::migrations(backend)
        .into_iter()
        .filter(|m| m.version < checks)
        .collect();
    db::migrator(before)
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    for sql in [
        "INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES ('u', 'u', 'U', 'x', 1)",
        "INSERT INTO teams (id, name, title, description, created_at) VALUES ('t', 't', 'T', '', 1)",
        "INSERT INTO team_members (team_id, user_id, role, added_at) VALUES ('t', 'u', 'god', 1)",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    let refused = db::migrator(db::migrations(backend))
        .await
        .unwrap()
        .run(&pool)
        .await
        .expect_err("the migration refuses a role that is not one");
    assert!(
        refused.to_string().contains("team_members_role"),
        "{refused}"
    );
    // Nothing of it stayed: the member is there, the rules are not.
    let role: String = sqlx::query_scalar("SELECT role FROM team_members")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(role, "god");
    sqlx::query("UPDATE team_members SET role = 'owner'")
        .execute(&pool)
        .await
        .unwrap();
    db::migrator(db::migrations(backend))
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    assert!(sqlx::query("UPDATE team_members SET role = 'god'")
        .execute(&pool)
        .await
        .is_err());
    pool.close().await;
    if let Some(name) = postgres_db {
        common::drop_postgres_database(&name).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checks_migration_refuses_bad_stored_data_on_sqlite() {
    the_checks_migration_refuses_bad_stored_data(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checks_migration_refuses_bad_stored_data_on_postgres() {
    the_checks_migration_refuses_bad_stored_data(Backend::Postgres).await;
}

/// What the listing of resource `i` of [`listing_loads_a_page_at_once`] should show.
struct Expected {
    tags: Vec<String>,
    latest: Option<&'static str>,
    icon: bool,
}

fn expected(i: usize) -> Expected {
    let tags = ["cars", "fun", "maps", "zombies"][..i % 5]
        .iter()
        .map(|t| t.to_string())
        .collect();
    let latest = match i % 3 {
        0 => Some("1.1.0"), // 1.0.0 stable, 1.1.0 beta, 2.0.0 private
        _ => None,          // a draft only, or nothing
    };
    Expected {
        tags,
        latest,
        // Uploaded icons, or the image of a public release.
        icon: i.is_multiple_of(4) || (i.is_multiple_of(3) && i % 4 == 1),
    }
}

async fn listing_loads_a_page_at_once(app: &TestApp) {
    let owner = app.create_user("owner").await;
    app.create_team(&owner, "red").await;
    app.create_team(&owner, "blue").await;
    let count: usize = 50;
    for i in 0..count {
        let team = if i.is_multiple_of(2) { "red" } else { "blue" };
        let wanted = expected(i);
        let tags: Vec<&str> = wanted.tags.iter().map(String::as_str).collect();
        let resource = new_package(app, &owner, team, &format!("pkg-{i:02}"), &tags).await;
        match i % 3 {
            0 => {
                let first = insert_release(app, &resource, (1, 0, 0), "stable", "published").await;
                insert_release(app, &resource, (1, 1, 0), "beta", "published").await;
                insert_release(app, &resource, (2, 0, 0), "private", "published").await;
                if i % 4 == 1 {
                    sqlx::query("INSERT INTO release_media (release_id, icon_small, icon_large) VALUES ($1, 's', 'l')")
                        .bind(&first)
                        .execute(&app.state.pool)
                        .await
                        .unwrap();
                }
            }
            1 => {
                insert_release(app, &resource, (0, 1, 0), "stable", "draft").await;
            }
            _ => {}
        }
        if i.is_multiple_of(4) {
            sqlx::query("UPDATE resources SET icon_small = 'a', icon_large = 'b' WHERE id = $1")
                .bind(&resource.id)
                .execute(&app.state.pool)
                .await
                .unwrap();
        }
    }
    let query = |page: i64, page_size: i64| ListQuery {
        sort: Some("name".into()),
        page: Some(page),
        page_size: Some(page_size),
        ..Default::default()
    };
    let all = resources::list(&app.state.pool, Kind::Package, query(1, 100))
        .await
        .unwrap();
    assert_eq!(all.total, count as i64);
    assert_eq!(all.items.len(), count);
    for (i, item) in all.items.iter().enumerate() {
        let wanted = expected(i);
        assert_eq!(item.name, format!("pkg-{i:02}"), "in name order");
        assert_eq!(item.team, if i.is_multiple_of(2) { "red" } else { "blue" });
        assert_eq!(item.tags, wanted.tags, "{}", item.name);
        assert_eq!(
            item.latest_version.as_deref(),
            wanted.latest,
            "{}",
            item.name
        );
        assert_eq!(item.icon.is_some(), wanted.icon, "{}", item.name);
        // The same as one resource at a time.
        let one = resources::find(&app.state.pool, Kind::Package, &item.name)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(&resources::info(&app.state.pool, &one).await.unwrap(), item);
    }
    // Pages are slices of the same list.
    let second = resources::list(&app.state.pool, Kind::Package, query(2, 20))
        .await
        .unwrap();
    assert_eq!(second.items, all.items[20..40]);
    // A team's page lists its own, in name order.
    let red = resources::public_resources(&app.state.pool, "red")
        .await
        .unwrap();
    let red_names: Vec<&str> = red.iter().map(|r| r.name.as_str()).collect();
    let expected_red: Vec<String> = (0..count)
        .step_by(2)
        .map(|i| format!("pkg-{i:02}"))
        .collect();
    assert_eq!(red_names, expected_red);
}

async fn requirements_are_found_at_once(app: &TestApp) {
    let owner = app.create_user("owner").await;
    app.create_team(&owner, "studio").await;
    new_package(app, &owner, "studio", "known", &[]).await;
    let manifest = nanos_store::validate::ManifestSummary {
        kind: Kind::Package,
        title: None,
        author: None,
        version: None,
        package_type: None,
        packages_requirements: vec!["missing".into(), "known".into(), "known".into()],
        assets_requirements: vec!["known".into()],
        compatibility_version: None,
        legacy: false,
    };
    let found = facts::requirements(&app.state.pool, &manifest)
        .await
        .unwrap();
    let seen: Vec<(Kind, &str, Option<&str>)> = found
        .iter()
        .map(|r| (r.kind, r.name.as_str(), r.title.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [
            (Kind::Package, "missing", None),
            (Kind::Package, "known", Some("Title of known")),
            (Kind::Package, "known", Some("Title of known")),
            (Kind::AssetPack, "known", None),
        ]
    );
}

on_both_databases!(
    unknown_channel_is_an_error,
    unknown_release_state_is_an_error,
    unknown_kind_is_an_error,
    unknown_member_role_is_an_error,
    unknown_invitation_role_is_an_error,
    unknown_scope_is_an_error,
    bad_rows_are_refused,
    listing_loads_a_page_at_once,
    requirements_are_found_at_once,
);
