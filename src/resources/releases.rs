//! Release services: the upload pipeline, listing and visibility, editing, publishing, deleting
//! drafts, and what a download serves.

use super::service::{authorize, Resource};
use super::{Channel, ReleaseInfo, ReleaseState};
use crate::db::{is_unique_violation, new_id, Pool};
use crate::error::AppError;
use crate::markdown::{self, StoredColumn};
use crate::storage::{BlobStore, WrittenBlob};
use crate::teams::service::Actor;
use crate::validate::source::{block_on, FileSource};
use crate::validate::{self, Kind, Mode, Options, Report, Severity};

/// Longest changelog, in characters.
pub const CHANGELOG_MAX: usize = 20_000;

/// A release row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Release {
    pub id: String,
    pub resource_id: String,
    pub version: String,
    pub channel: String,
    pub state: String,
    pub changelog: String,
    /// The changelog rendered when it was saved; `None` for releases saved before it was stored.
    pub changelog_html: Option<String>,
    pub sha256: String,
    pub size: i64,
    pub unpacked_size: i64,
    pub file_count: i64,
    pub manifest: String,
    pub uploaded_by: String,
    pub created_at: i64,
    pub published_at: Option<i64>,
    pub download_count: i64,
}

const COLUMNS: &str =
    "id, resource_id, version, channel, state, changelog, changelog_html, sha256, size, \
     unpacked_size, file_count, manifest, uploaded_by, created_at, published_at, download_count";

impl Release {
    /// The release as the API shows it.
    pub fn info(&self) -> ReleaseInfo {
        ReleaseInfo {
            version: self.version.clone(),
            channel: Channel::parse(&self.channel).unwrap_or(Channel::Private),
            state: if self.state == "published" {
                ReleaseState::Published
            } else {
                ReleaseState::Draft
            },
            changelog: self.changelog.clone(),
            sha256: self.sha256.clone(),
            size: self.size,
            unpacked_size: self.unpacked_size,
            file_count: self.file_count,
            manifest: serde_json::from_str(&self.manifest).ok(),
            uploaded_by: self.uploaded_by.clone(),
            created_at: self.created_at,
            published_at: self.published_at,
            download_count: self.download_count,
        }
    }

    /// Whether anyone may see it: published on a public channel.
    pub fn is_public(&self) -> bool {
        self.state == "published" && self.channel != "private"
    }
}

/// Checks a changelog's length and renders it for storing.
async fn render_changelog(changelog: &str) -> Result<String, AppError> {
    if changelog.chars().count() > CHANGELOG_MAX {
        return Err(AppError::field(
            "invalid-changelog",
            "changelog",
            format!("A changelog has at most {CHANGELOG_MAX} characters."),
        ));
    }
    markdown::render_field(changelog, "invalid-changelog", "changelog").await
}

/// The changelogs of `releases` as safe HTML, in the same order (rendered when they were saved).
pub async fn changelogs_html(pool: &Pool, releases: &[Release]) -> Result<Vec<String>, AppError> {
    let mut html = Vec::with_capacity(releases.len());
    for release in releases {
        html.push(
            markdown::stored_html(
                pool,
                StoredColumn::ReleaseChangelog,
                &release.id,
                &release.changelog,
                release.changelog_html.clone(),
            )
            .await?,
        );
    }
    Ok(html)
}

/// Validates an uploaded zip in full mode, off the async threads.
pub async fn validate_upload(blob: &WrittenBlob, kind: Kind) -> Result<Report, AppError> {
    let path = blob.path.clone();
    tokio::task::spawn_blocking(move || {
        let source = FileSource::open(&path)?;
        let options = Options {
            mode: Mode::Full,
            expected_kind: Some(kind),
            ..Options::default()
        };
        block_on(validate::validate(&source, &options))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| AppError::Internal(format!("cannot read the upload: {e}")))
}

/// What comes with an uploaded zip.
#[derive(Debug, Clone)]
pub struct NewRelease {
    pub changelog: String,
    pub channel: Channel,
    pub publish: bool,
}

/// Stores a validated upload as a new release. The version comes from the zip's manifest. On any
/// failure nothing remains: no row, and no blob unless an identical upload already had it.
pub async fn create(
    pool: &Pool,
    blobs: &BlobStore,
    actor: Actor<'_>,
    resource: &Resource,
    blob: WrittenBlob,
    new: NewRelease,
    now: i64,
) -> Result<ReleaseInfo, AppError> {
    authorize(pool, actor, &resource.team_id, "upload releases").await?;
    let changelog_html = render_changelog(&new.changelog).await?;
    let kind: Kind = resource.kind.parse().map_err(AppError::Internal)?;
    let report = validate_upload(&blob, kind).await?;
    if !report.valid {
        let first = report
            .diagnostics
            .iter()
            .find(|d| d.severity == Severity::Error)
            .map(|d| d.message.clone())
            .unwrap_or_default();
        return Err(AppError::InvalidZip {
            message: format!("The zip was refused: {first}"),
            diagnostics: report.diagnostics,
        });
    }
    let manifest = report
        .manifest
        .clone()
        .ok_or_else(|| AppError::Internal("valid zip without manifest".into()))?;
    let version = manifest.version.clone().unwrap_or_default();
    let numbers: Vec<i64> = version.split('.').filter_map(|p| p.parse().ok()).collect();
    let [major, minor, patch] = numbers[..] else {
        return Err(AppError::Internal(format!(
            "validated version {version:?} has no three numbers"
        )));
    };
    let exists: Option<(String,)> =
        sqlx::query_as("SELECT id FROM releases WHERE resource_id = $1 AND version = $2")
            .bind(&resource.id)
            .bind(&version)
            .fetch_optional(pool)
            .await?;
    let conflict = || AppError::Conflict {
        code: "version-exists",
        field: None,
        message: format!(
            "{} {version} already exists. Raise the version in {} and upload again.",
            resource.name,
            kind.manifest_name()
        ),
    };
    if exists.is_some() {
        return Err(conflict());
    }

    let release = Release {
        id: new_id(),
        resource_id: resource.id.clone(),
        version: version.clone(),
        channel: new.channel.as_str().to_string(),
        state: if new.publish { "published" } else { "draft" }.to_string(),
        changelog: new.changelog,
        changelog_html: Some(changelog_html),
        sha256: blob.sha256.clone(),
        size: blob.size as i64,
        unpacked_size: report.unpacked_size as i64,
        file_count: report.file_count as i64,
        manifest: serde_json::to_string(&manifest).unwrap_or_default(),
        uploaded_by: actor.user.username.clone(),
        created_at: now,
        published_at: new.publish.then_some(now),
        download_count: 0,
    };

    // The blob's row first: it serialises this with any other upload or removal of the same file
    // (see migrations/20261126000004_blobs.sql). Then the release row, whose unique (resource,
    // version) key picks one winner among identical concurrent uploads; then the file is put in
    // place. On any failure the transaction rolls back and the temporary file is dropped: the
    // stored file is never touched, so a losing upload cannot remove what a winner refers to.
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO blobs (sha256, size, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (sha256) DO UPDATE SET size = excluded.size",
    )
    .bind(&release.sha256)
    .bind(release.size)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let inserted = sqlx::query(&format!(
        "INSERT INTO releases ({COLUMNS}, version_major, version_minor, version_patch) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
    ))
    .bind(&release.id)
    .bind(&release.resource_id)
    .bind(&release.version)
    .bind(&release.channel)
    .bind(&release.state)
    .bind(&release.changelog)
    .bind(&release.changelog_html)
    .bind(&release.sha256)
    .bind(release.size)
    .bind(release.unpacked_size)
    .bind(release.file_count)
    .bind(&release.manifest)
    .bind(&release.uploaded_by)
    .bind(release.created_at)
    .bind(release.published_at)
    .bind(release.download_count)
    .bind(major)
    .bind(minor)
    .bind(patch)
    .execute(&mut *tx)
    .await;
    if let Err(e) = inserted {
        return Err(if is_unique_violation(&e) {
            conflict()
        } else {
            e.into()
        });
    }
    super::facts::record_requirements(&mut tx, &release.id, &manifest).await?;
    if release.is_public() {
        touch_resource(&mut *tx, resource, now).await?;
    }
    blobs
        .commit(blob)
        .await
        .map_err(|e| AppError::Internal(format!("cannot store the upload: {e}")))?;
    tx.commit().await?;
    Ok(release.info())
}

/// A resource's releases, newest version first; private ones and drafts only with `include_private`.
pub async fn list(
    pool: &Pool,
    resource: &Resource,
    include_private: bool,
) -> Result<Vec<Release>, AppError> {
    let rows: Vec<Release> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM releases WHERE resource_id = $1 \
         ORDER BY version_major DESC, version_minor DESC, version_patch DESC"
    ))
    .bind(&resource.id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|r| include_private || r.is_public())
        .collect())
}

/// One release; `404` when it does not exist or the viewer may not see it.
pub async fn find(
    pool: &Pool,
    resource: &Resource,
    version: &str,
    include_private: bool,
) -> Result<Release, AppError> {
    let row: Option<Release> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM releases WHERE resource_id = $1 AND version = $2"
    ))
    .bind(&resource.id)
    .bind(version)
    .fetch_optional(pool)
    .await?;
    row.filter(|r| include_private || r.is_public())
        .ok_or_else(|| AppError::NotFound(format!("{} has no release {version}.", resource.name)))
}

/// The newest published release on `channel` or a more stable one.
pub async fn latest_on_channel(
    pool: &Pool,
    resource: &Resource,
    channel: Channel,
    include_private: bool,
) -> Result<Release, AppError> {
    list(pool, resource, include_private)
        .await?
        .into_iter()
        .find(|r| r.state == "published" && Channel::parse(&r.channel).is_ok_and(|c| c >= channel))
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "{} has no published release on the {} channel.",
                resource.name,
                channel.as_str()
            ))
        })
}

/// Edits a release's changelog or channel (developer or above).
pub async fn update(
    pool: &Pool,
    actor: Actor<'_>,
    resource: &Resource,
    version: &str,
    changelog: Option<String>,
    channel: Option<Channel>,
) -> Result<ReleaseInfo, AppError> {
    authorize(pool, actor, &resource.team_id, "edit releases").await?;
    let release = find(pool, resource, version, true).await?;
    let changelog = changelog.unwrap_or(release.changelog);
    let changelog_html = render_changelog(&changelog).await?;
    let channel = channel
        .map(|c| c.as_str().to_string())
        .unwrap_or(release.channel);
    sqlx::query(
        "UPDATE releases SET changelog = $1, changelog_html = $2, channel = $3 WHERE id = $4",
    )
    .bind(&changelog)
    .bind(&changelog_html)
    .bind(&channel)
    .bind(&release.id)
    .execute(pool)
    .await?;
    Ok(find(pool, resource, version, true).await?.info())
}

/// Publishes a draft (developer or above). Publishing a published release changes nothing.
pub async fn publish(
    pool: &Pool,
    actor: Actor<'_>,
    resource: &Resource,
    version: &str,
    now: i64,
) -> Result<ReleaseInfo, AppError> {
    authorize(pool, actor, &resource.team_id, "publish releases").await?;
    let release = find(pool, resource, version, true).await?;
    let published = sqlx::query("UPDATE releases SET state = 'published', published_at = $1 WHERE id = $2 AND state = 'draft'")
        .bind(now)
        .bind(&release.id)
        .execute(pool)
        .await?;
    let release = find(pool, resource, version, true).await?;
    if published.rows_affected() > 0 && release.is_public() {
        touch_resource(pool, resource, now).await?;
    }
    Ok(release.info())
}

/// Deletes a draft and, when no other release shares it, its blob.
pub async fn delete_draft(
    pool: &Pool,
    blobs: &BlobStore,
    actor: Actor<'_>,
    resource: &Resource,
    version: &str,
) -> Result<(), AppError> {
    authorize(pool, actor, &resource.team_id, "delete releases").await?;
    let release = find(pool, resource, version, true).await?;
    if release.state != "draft" {
        return Err(AppError::Conflict {
            code: "release-published",
            field: None,
            message: format!("{version} is published; only drafts can be deleted, so that servers using it keep working."),
        });
    }
    // Run to the end even if the request is dropped half-way (the client leaves, the store shuts
    // down): between parking the file and committing, a cancelled removal would leave the draft
    // without its file.
    let (pool, blobs) = (pool.clone(), blobs.clone());
    tokio::spawn(async move { remove_release(&pool, &blobs, &release).await })
        .await
        .map_err(|e| AppError::Internal(format!("the removal failed: {e}")))?
}

/// Deletes a release row and, when no other release shares it, its file.
async fn remove_release(pool: &Pool, blobs: &BlobStore, release: &Release) -> Result<(), AppError> {
    // As in `create`: the blob's row first, so that no upload of the same file can place it
    // between the check for other releases and the removal.
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE blobs SET size = size WHERE sha256 = $1")
        .bind(&release.sha256)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM releases WHERE id = $1")
        .bind(&release.id)
        .execute(&mut *tx)
        .await?;
    let (others,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM releases WHERE sha256 = $1")
        .bind(&release.sha256)
        .fetch_one(&mut *tx)
        .await?;
    if others > 0 {
        tx.commit().await?;
        return Ok(());
    }
    sqlx::query("DELETE FROM blobs WHERE sha256 = $1")
        .bind(&release.sha256)
        .execute(&mut *tx)
        .await?;
    let detached = blobs
        .detach(&release.sha256)
        .await
        .map_err(|e| AppError::Internal(format!("cannot remove the release file: {e}")))?;
    match tx.commit().await {
        Ok(()) => {
            if let Some(file) = detached {
                if let Err(e) = file.discard().await {
                    tracing::warn!(error = %e, "a removed release file stays in the temporary folder");
                }
            }
            Ok(())
        }
        Err(e) => {
            if let Some(file) = detached {
                file.restore().await.map_err(|e| {
                    AppError::Internal(format!("cannot restore a release file: {e}"))
                })?;
            }
            Err(e.into())
        }
    }
}

/// Marks the resource as updated: only when a release becomes public, so that the team's drafts
/// and private releases do not show in the public `updated_at`.
async fn touch_resource<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    resource: &Resource,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query("UPDATE resources SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(&resource.id)
        .execute(executor)
        .await?;
    Ok(())
}

/// Counts one full download of a public release. Drafts and private releases are fetched only by
/// their team, whose activity stays out of the public counts.
pub async fn count_download(pool: &Pool, release: &Release) -> Result<(), AppError> {
    if !release.is_public() {
        return Ok(());
    }
    sqlx::query("UPDATE releases SET download_count = download_count + 1 WHERE id = $1")
        .bind(&release.id)
        .execute(pool)
        .await?;
    sqlx::query("UPDATE resources SET download_count = download_count + 1 WHERE id = $1")
        .bind(&release.resource_id)
        .execute(pool)
        .await?;
    Ok(())
}
