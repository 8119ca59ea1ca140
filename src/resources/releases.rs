//! Release services: the upload pipeline (a new release, or a new resource with its first
//! release), listing and visibility, editing, publishing, deleting drafts and whole resources,
//! and what a download serves.

use std::collections::BTreeSet;

use super::service::{self, authorize, CheckedResource, Resource};
use super::{
    path_of_kind, BulkAction, BulkOutcome, Channel, ReleaseInfo, ReleaseState, ReviewItem,
    UploadLimits, BULK_MAX,
};
use crate::access::Staff;
use crate::config::ReviewPolicy;
use crate::db::{is_unique_violation, new_id, Pool};
use crate::error::{AppError, ErrorCode};
use crate::markdown::{self, StoredColumn};
use crate::moderation::service as moderation;
use crate::moderation::{Review, ReviewState, Takedown, TakedownKind, Yank};
use crate::storage::{BlobStore, DetachedBlob, WrittenBlob};
use crate::teams::service::{self as teams, Actor};
use crate::teams::Role;
use crate::validate::{self, Kind, Mode, Options, Report, Severity};

/// Longest changelog, in characters.
pub const CHANGELOG_MAX: usize = 20_000;

// The enums of a release row, decoded from their names (an unknown name is an error).
crate::db::text_columns!(Channel, ReleaseState);

/// A release row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Release {
    pub id: String,
    pub resource_id: String,
    pub version: String,
    pub channel: Channel,
    pub state: ReleaseState,
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
    pub yanked_at: Option<i64>,
    pub yank_reason: Option<String>,
    /// `team` or `staff`: a yank by the staff is the staff's to take back.
    pub yanked_by: Option<String>,
    /// Set while the store's staff have it taken down.
    pub takedown: Option<TakedownKind>,
    pub takedown_reason: Option<String>,
    /// Set while publishing it waits for review, or once the staff declined it.
    pub review: Option<ReviewState>,
    pub review_reason: Option<String>,
}

/// The columns an upload writes (the moderation ones start empty, but `review`).
const UPLOAD_COLUMNS: &str =
    "id, resource_id, version, channel, state, changelog, changelog_html, sha256, size, \
     unpacked_size, file_count, manifest, uploaded_by, created_at, published_at, download_count, \
     review";

/// The columns of a [`Release`].
const COLUMNS: &str =
    "id, resource_id, version, channel, state, changelog, changelog_html, sha256, size, \
     unpacked_size, file_count, manifest, uploaded_by, created_at, published_at, download_count, \
     yanked_at, yank_reason, yanked_by, takedown, takedown_reason, review, review_reason";

impl Release {
    /// The release as the API shows it.
    pub fn info(&self) -> ReleaseInfo {
        ReleaseInfo {
            version: self.version.clone(),
            channel: self.channel,
            state: self.state,
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
            yanked: self.yanked_at.map(|yanked_at| Yank {
                yanked_at,
                reason: self.yank_reason.clone().unwrap_or_default(),
            }),
            takedown: self.takedown(),
            review: self.review.map(|state| Review {
                state,
                reason: self.review_reason.clone(),
            }),
        }
    }

    /// Its zip, to read its files from.
    pub fn zip(&self) -> crate::files::service::ReleaseZip {
        crate::files::service::ReleaseZip {
            release_id: self.id.clone(),
            version: self.version.clone(),
            sha256: self.sha256.clone(),
            size: self.size as u64,
        }
    }

    /// Whether anyone may see it: published on a public channel, and not taken down.
    pub fn is_public(&self) -> bool {
        self.state == ReleaseState::Published
            && self.channel != Channel::Private
            && self.takedown.is_none()
    }

    /// The takedown in force, if the staff took the release down.
    pub fn takedown(&self) -> Option<Takedown> {
        self.takedown.map(|kind| Takedown {
            kind,
            reason: self.takedown_reason.clone().unwrap_or_default(),
        })
    }

    /// Whether it may be chosen as the latest release (on a channel, or by requirement
    /// resolution): published, neither yanked nor taken down.
    pub fn may_be_latest(&self) -> bool {
        self.state == ReleaseState::Published && self.yanked_at.is_none() && self.takedown.is_none()
    }
}

/// Checks a changelog's length and renders it for storing.
async fn render_changelog(changelog: &str) -> Result<String, AppError> {
    if changelog.chars().count() > CHANGELOG_MAX {
        return Err(AppError::field(
            ErrorCode::InvalidChangelog,
            "changelog",
            format!("A changelog has at most {CHANGELOG_MAX} characters."),
        ));
    }
    markdown::render_field(changelog, ErrorCode::InvalidChangelog, "changelog").await
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

/// The validator's options for an upload to a store that accepts uploads of up to
/// `max_upload_size` bytes: full mode, the resource's kind, and the archive limit that setting
/// gives (see [`UploadLimits::new`]).
pub fn upload_options(kind: Kind, max_upload_size: u64) -> Options {
    Options {
        mode: Mode::Full,
        expected_kind: Some(kind),
        limits: UploadLimits::new(max_upload_size).validator,
        ..Options::default()
    }
}

/// Validates an uploaded zip with `options`, off the async threads.
pub async fn validate_upload(blob: &WrittenBlob, options: Options) -> Result<Report, AppError> {
    let unreadable = |e: std::io::Error| AppError::Internal(format!("cannot read the upload: {e}"));
    let reader = blob.reader().await.map_err(unreadable)?;
    let report = reader
        .run_blocking(async move |source| validate::validate(source, &options).await)
        .await
        .map_err(unreadable)?
        .map_err(unreadable)?;
    let outcome = if report.valid { "valid" } else { "invalid" };
    metrics::counter!("nanos_store_validations_total", "outcome" => outcome).increment(1);
    Ok(report)
}

/// What comes with an uploaded zip.
#[derive(Debug, Clone)]
pub struct NewRelease {
    pub changelog: String,
    pub channel: Channel,
    /// Publish it at once (or, when the review policy asks, put it in review).
    pub publish: bool,
    /// The store's review policy.
    pub review_policy: ReviewPolicy,
}

/// Where an upload goes.
#[derive(Debug, Clone)]
pub enum UploadTarget<'a> {
    /// A new release of an existing resource.
    Existing(&'a Resource),
    /// The first release of a new resource, created with it in one transaction.
    New(Box<CheckedResource>),
}

/// An uploaded zip, with the store's upload limit (`max_upload_size`) it is validated against.
#[derive(Debug)]
pub struct UploadedZip {
    pub blob: WrittenBlob,
    pub max_upload_size: u64,
}

/// Stores a validated upload as a new release, creating its resource first when `target` is
/// [`UploadTarget::New`]. The version comes from the zip's manifest. On any failure nothing
/// remains: no resource, no release row, and no blob unless an identical upload already had it.
pub async fn create(
    pool: &Pool,
    blobs: &BlobStore,
    actor: Actor<'_>,
    target: UploadTarget<'_>,
    zip: UploadedZip,
    new: NewRelease,
    now: i64,
) -> Result<ReleaseInfo, AppError> {
    let UploadedZip {
        blob,
        max_upload_size,
    } = zip;
    match record(pool, actor, target, &blob, max_upload_size, new, now).await {
        Ok((tx, release)) => {
            // The file is put in place inside the transaction: if that fails, the rows go; if the
            // commit then fails, the file stays for the next identical upload (never a row
            // without its file).
            blobs
                .commit(blob)
                .await
                .map_err(|e| AppError::Internal(format!("cannot store the upload: {e}")))?;
            tx.commit().await?;
            Ok(release.info())
        }
        Err(error) => {
            blob.discard().await;
            Err(error)
        }
    }
}

/// Checks and records an upload as a release in a transaction left open for [`create`], which
/// puts the file in place before committing it.
async fn record(
    pool: &Pool,
    actor: Actor<'_>,
    target: UploadTarget<'_>,
    blob: &WrittenBlob,
    max_upload_size: u64,
    new: NewRelease,
    now: i64,
) -> Result<(sqlx::Transaction<'static, sqlx::Any>, Release), AppError> {
    // The rights again, even when the caller checked them before the upload: an upload can take
    // minutes, and rights can be taken away meanwhile.
    let (kind, name) = match &target {
        UploadTarget::Existing(resource) => {
            authorize(pool, actor, &resource.team_id, "upload releases").await?;
            (resource.kind, resource.name.clone())
        }
        UploadTarget::New(checked) => {
            teams::authorize(
                pool,
                actor,
                &checked.team,
                Role::Developer,
                "create resources",
            )
            .await?;
            (checked.kind, checked.name.clone())
        }
    };
    let changelog_html = render_changelog(&new.changelog).await?;
    let report = validate_upload(blob, upload_options(kind, max_upload_size)).await?;
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
    let files = crate::files::service::read_files(
        blob.reader()
            .await
            .map_err(|e| AppError::Internal(format!("cannot read the upload: {e}")))?,
    )
    .await?;
    let version = manifest.version.clone().unwrap_or_default();
    let numbers: Vec<i64> = version.split('.').filter_map(|p| p.parse().ok()).collect();
    let [major, minor, patch] = numbers[..] else {
        return Err(AppError::Internal(format!(
            "validated version {version:?} has no three numbers"
        )));
    };
    let conflict = || version_exists(&name, &version, kind);
    if let UploadTarget::Existing(resource) = &target {
        if exists(pool, resource, &version, true).await? {
            return Err(conflict());
        }
    }

    let existing = match &target {
        UploadTarget::Existing(resource) => Some(*resource),
        UploadTarget::New(_) => None,
    };
    let in_review = new.publish && needs_review(pool, new.review_policy, existing).await?;
    let publish_now = new.publish && !in_review;
    let mut release = Release {
        id: new_id(),
        resource_id: String::new(),
        version: version.clone(),
        channel: new.channel,
        state: if publish_now {
            ReleaseState::Published
        } else {
            ReleaseState::Draft
        },
        changelog: new.changelog,
        changelog_html: Some(changelog_html),
        sha256: blob.sha256.clone(),
        size: blob.size as i64,
        unpacked_size: report.unpacked_size as i64,
        file_count: report.file_count as i64,
        manifest: serde_json::to_string(&manifest).unwrap_or_default(),
        uploaded_by: actor.user.username.clone(),
        created_at: now,
        published_at: publish_now.then_some(now),
        download_count: 0,
        yanked_at: None,
        yank_reason: None,
        yanked_by: None,
        takedown: None,
        takedown_reason: None,
        review: in_review.then_some(ReviewState::Pending),
        review_reason: None,
    };

    // The blob's row first: it serialises this with any other upload or removal of the same file
    // (see migrations/20261126000004_blobs.sql). Then the release row, whose unique (resource,
    // version) key picks one winner among identical concurrent uploads; then the file is put in
    // place (by `create`). On any failure the transaction rolls back and the temporary file is
    // deleted: the stored file is never touched, so a losing upload cannot remove what a winner
    // refers to.
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
    // A new resource and its tags in the same transaction: if anything below fails, it was never
    // there.
    let resource = match target {
        UploadTarget::Existing(resource) => resource.clone(),
        UploadTarget::New(checked) => service::insert(&mut tx, &checked, now).await?,
    };
    release.resource_id = resource.id.clone();
    let inserted = sqlx::query(&format!(
        "INSERT INTO releases ({UPLOAD_COLUMNS}, version_major, version_minor, version_patch) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
    ))
    .bind(&release.id)
    .bind(&release.resource_id)
    .bind(&release.version)
    .bind(release.channel.as_str())
    .bind(release.state.as_str())
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
    .bind(release.review.map(ReviewState::as_str))
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
    crate::files::service::store(&mut tx, &release.id, &files).await?;
    if release.is_public() {
        touch_resource(&mut *tx, &resource, now).await?;
    }
    Ok((tx, release))
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
    let not_found = || AppError::NotFound(format!("{} has no release {version}.", resource.name));
    let release = row.ok_or_else(not_found)?;
    if include_private {
        return Ok(release);
    }
    // A published release that was taken down says so, with the reason, to everyone.
    if let Some(takedown) = release.takedown() {
        if release.state == ReleaseState::Published && release.channel != Channel::Private {
            return Err(takedown.refusal(&format!("{} {version}", resource.name)));
        }
    }
    Some(release)
        .filter(Release::is_public)
        .ok_or_else(not_found)
}

/// The newest release the viewer sees (drafts and private ones with `include_private`) that is
/// not taken down: what an upload is compared with.
pub async fn newest_visible(
    pool: &Pool,
    resource: &Resource,
    include_private: bool,
) -> Result<Option<Release>, AppError> {
    Ok(list(pool, resource, include_private)
        .await?
        .into_iter()
        .find(|r| r.takedown.is_none()))
}

/// The newest published release on `channel` or a more stable one, never a yanked or taken-down
/// one.
pub async fn latest_on_channel(
    pool: &Pool,
    resource: &Resource,
    channel: Channel,
    include_private: bool,
) -> Result<Release, AppError> {
    list(pool, resource, include_private)
        .await?
        .into_iter()
        .find(|r| r.may_be_latest() && r.channel >= channel)
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "{} has no published release on the {} channel.",
                resource.name,
                channel.as_str()
            ))
        })
}

/// Whether publishing a release of `resource` (`None`: a new resource's first release) waits for
/// the staff's review under `policy`.
async fn needs_review(
    pool: &Pool,
    policy: ReviewPolicy,
    resource: Option<&Resource>,
) -> Result<bool, AppError> {
    Ok(match (policy, resource) {
        (ReviewPolicy::None, _) => false,
        (ReviewPolicy::AllReleases, _) | (ReviewPolicy::NewResources, None) => true,
        (ReviewPolicy::NewResources, Some(resource)) => {
            let (published,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM releases WHERE resource_id = $1 AND state = 'published'",
            )
            .bind(&resource.id)
            .fetch_one(pool)
            .await?;
            published == 0
        }
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
    let channel = channel.unwrap_or(release.channel);
    sqlx::query(
        "UPDATE releases SET changelog = $1, changelog_html = $2, channel = $3 WHERE id = $4",
    )
    .bind(&changelog)
    .bind(&changelog_html)
    .bind(channel.as_str())
    .bind(&release.id)
    .execute(pool)
    .await?;
    Ok(find(pool, resource, version, true).await?.info())
}

/// Publishes a draft (developer or above), or, when `policy` asks for it, puts it in review
/// (`review: pending`) until a moderator approves it. Publishing a published release, or one
/// already in review, changes nothing.
pub async fn publish(
    pool: &Pool,
    actor: Actor<'_>,
    resource: &Resource,
    version: &str,
    policy: ReviewPolicy,
    now: i64,
) -> Result<ReleaseInfo, AppError> {
    authorize(pool, actor, &resource.team_id, "publish releases").await?;
    let release = find(pool, resource, version, true).await?;
    if release.state == ReleaseState::Draft && needs_review(pool, policy, Some(resource)).await? {
        sqlx::query("UPDATE releases SET review = 'pending', review_reason = NULL WHERE id = $1")
            .bind(&release.id)
            .execute(pool)
            .await?;
        return Ok(find(pool, resource, version, true).await?.info());
    }
    approve(pool, resource, &release, now).await
}

/// Publishes `release` (a draft; a published one stays as it is) and clears its review.
async fn approve(
    pool: &Pool,
    resource: &Resource,
    release: &Release,
    now: i64,
) -> Result<ReleaseInfo, AppError> {
    let version = release.version.as_str();
    let published = sqlx::query(
        "UPDATE releases SET state = 'published', published_at = $1, review = NULL, \
         review_reason = NULL WHERE id = $2 AND state = 'draft'",
    )
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

/// The staff's decision on a release in review: approving publishes it; declining keeps it a
/// draft, with a reason its team reads (publishing it again asks for another review). Written to
/// the moderation log.
pub async fn decide_review(
    pool: &Pool,
    staff: &Staff,
    resource: &Resource,
    version: &str,
    approved: bool,
    reason: &str,
    now: i64,
) -> Result<ReleaseInfo, AppError> {
    let reason = moderation::check_reason(reason, !approved)?;
    let release = find(pool, resource, version, true).await?;
    if release.review != Some(ReviewState::Pending) {
        return Err(AppError::Conflict {
            code: ErrorCode::NotInReview,
            field: None,
            message: format!("{} {version} is not waiting for review.", resource.name),
        });
    }
    let info = if approved {
        approve(pool, resource, &release, now).await?
    } else {
        sqlx::query("UPDATE releases SET review = 'declined', review_reason = $1 WHERE id = $2")
            .bind(&reason)
            .bind(&release.id)
            .execute(pool)
            .await?;
        find(pool, resource, version, true).await?.info()
    };
    let action = if approved {
        "approve-release"
    } else {
        "decline-release"
    };
    let subject = format!(
        "{}/{} {version}",
        path_of_kind(resource.kind),
        resource.name
    );
    let team = Some(resource.team_id.as_str());
    moderation::record(pool, staff, action, &subject, team, &reason, now).await?;
    Ok(info)
}

/// The releases waiting for review, the longest waiting first (up to 200).
pub async fn in_review(pool: &Pool) -> Result<Vec<ReviewItem>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(try_from = "crate::db::Text<Kind>")]
        kind: Kind,
        name: String,
        team: String,
        version: String,
        channel: Channel,
        uploaded_by: String,
        created_at: i64,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT r.kind, r.name, t.name AS team, l.version, l.channel, l.uploaded_by, l.created_at \
         FROM releases l JOIN resources r ON r.id = l.resource_id JOIN teams t ON t.id = r.team_id \
         WHERE l.review = 'pending' ORDER BY l.created_at, l.id LIMIT 200",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ReviewItem {
            kind: path_of_kind(row.kind).to_string(),
            resource: row.name,
            team: row.team,
            version: row.version,
            channel: row.channel,
            uploaded_by: row.uploaded_by,
            created_at: row.created_at,
        })
        .collect())
}

/// Who yanks or un-yanks a release.
#[derive(Debug, Clone, Copy)]
pub enum YankBy<'a> {
    /// A member of the resource's team (developer or above); written to the team's audit log.
    Team(Actor<'a>),
    /// The store's staff; written to the moderation log, which the team sees.
    Staff(&'a Staff),
}

/// Yanks a published release (`Some(reason)`, which may be empty) or takes the yank back
/// (`None`). A yanked release stays downloadable by its exact version, so lock files keep
/// working, but is never the latest on a channel nor chosen by requirement resolution.
pub async fn set_yanked(
    pool: &Pool,
    by: YankBy<'_>,
    resource: &Resource,
    version: &str,
    reason: Option<&str>,
    now: i64,
) -> Result<ReleaseInfo, AppError> {
    if let YankBy::Team(actor) = by {
        authorize(pool, actor, &resource.team_id, "yank releases").await?;
    }
    let reason = reason
        .map(|r| moderation::check_reason(r, false))
        .transpose()?;
    let reason = reason.as_deref();
    let release = find(pool, resource, version, true).await?;
    if release.state != ReleaseState::Published {
        return Err(AppError::Conflict {
            code: ErrorCode::ReleaseNotPublished,
            field: None,
            message: format!(
                "{} {version} is a draft: delete it instead of yanking it.",
                resource.name
            ),
        });
    }
    // Taking back a yank that is not there changes nothing, and logs nothing.
    if reason.is_none() && release.yanked_at.is_none() {
        return Ok(release.info());
    }
    if matches!(by, YankBy::Team(_)) && release.yanked_by.as_deref() == Some("staff") {
        return Err(AppError::forbidden(
            "The store's staff yanked this release: only they can change or take back the yank.",
        ));
    }
    let yanked_by = match by {
        YankBy::Team(_) => "team",
        YankBy::Staff(_) => "staff",
    };
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE releases SET yanked_at = $1, yank_reason = $2, yanked_by = $3 WHERE id = $4",
    )
    .bind(reason.map(|_| now))
    .bind(reason)
    .bind(reason.map(|_| yanked_by))
    .bind(&release.id)
    .execute(&mut *tx)
    .await?;
    let action = if reason.is_some() { "yank" } else { "unyank" };
    let subject = format!("{} {version}", resource.name);
    match by {
        YankBy::Team(actor) => {
            teams::audit(
                &mut *tx,
                &resource.team_id,
                actor.user,
                action,
                Some(&subject),
                reason.filter(|r| !r.is_empty()),
                now,
            )
            .await?
        }
        YankBy::Staff(staff) => {
            let subject = format!("{}/{subject}", path_of_kind(resource.kind));
            moderation::record(
                &mut *tx,
                staff,
                action,
                &subject,
                Some(&resource.team_id),
                reason.unwrap_or_default(),
                now,
            )
            .await?
        }
    }
    tx.commit().await?;
    Ok(find(pool, resource, version, true).await?.info())
}

/// The conflict of an upload whose version the resource already has.
fn version_exists(name: &str, version: &str, kind: Kind) -> AppError {
    AppError::Conflict {
        code: ErrorCode::VersionExists,
        field: None,
        message: format!(
            "{name} {version} already exists. Raise the version in {} and upload again.",
            kind.manifest_name()
        ),
    }
}

/// Whether the resource has a release `version` the viewer may see (`include_private` for the
/// team's members, who see drafts and private releases).
pub async fn exists(
    pool: &Pool,
    resource: &Resource,
    version: &str,
    include_private: bool,
) -> Result<bool, AppError> {
    match find(pool, resource, version, include_private).await {
        Ok(_) => Ok(true),
        Err(AppError::NotFound(_)) => Ok(false),
        Err(e) => Err(e),
    }
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
    // What the staff took down stays, as evidence, until they restore it or an admin purges it.
    if resource.takedown.is_some() || release.takedown.is_some() {
        return Err(AppError::Conflict {
            code: ErrorCode::UnderTakedown,
            field: None,
            message: format!(
                "{} {version} was taken down by the store's staff, so its team cannot delete it.",
                resource.name
            ),
        });
    }
    if release.state != ReleaseState::Draft {
        return Err(AppError::Conflict {
            code: ErrorCode::ReleasePublished,
            field: None,
            message: format!("{version} is published; only drafts can be deleted, so that servers using it keep working."),
        });
    }
    // Run to the end even if the request is dropped half-way (the client leaves, the store shuts
    // down): between parking the file and committing, a cancelled removal would leave the draft
    // without its file.
    let (pool, blobs) = (pool.clone(), blobs.clone());
    tokio::spawn(async move {
        let mut tx = pool.begin().await?;
        let mut detached = Vec::new();
        let removed = remove_releases(&mut tx, &blobs, &[release], &mut detached).await;
        settle(tx, detached, removed).await
    })
    .await
    .map_err(|e| AppError::Internal(format!("the removal failed: {e}")))?
}

/// Deletes a resource with its releases, tags and every release file no other resource's
/// release shares (team admins and owners), and writes it to the team's audit log. Published
/// releases go too: servers that use the resource will no longer find it.
pub async fn delete_resource(
    pool: &Pool,
    blobs: &BlobStore,
    actor: Actor<'_>,
    kind: Kind,
    name: &str,
    now: i64,
) -> Result<(), AppError> {
    let resource = service::find_or_404(pool, kind, name).await?;
    let team = teams::find_by_id(pool, &resource.team_id)
        .await?
        .ok_or_else(|| AppError::Internal("resource without team".into()))?;
    teams::authorize(pool, actor, &team, Role::Admin, "delete resources").await?;
    // What the staff took down stays, as evidence, until they restore it or an admin purges it:
    // deleting it would also free its name for the same upload again.
    let (taken_down,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM releases WHERE resource_id = $1 AND takedown IS NOT NULL",
    )
    .bind(&resource.id)
    .fetch_one(pool)
    .await?;
    if resource.takedown.is_some() || taken_down > 0 {
        return Err(AppError::Conflict {
            code: ErrorCode::UnderTakedown,
            field: None,
            message: format!(
                "{name} (or one of its releases) was taken down by the store's staff, so its team \
                 cannot delete it; ask the staff (see its moderation entries)."
            ),
        });
    }
    let user = actor.user.clone();
    let (pool, blobs) = (pool.clone(), blobs.clone());
    // Run to the end even if the request is dropped (as in `delete_draft`).
    tokio::spawn(async move {
        let mut tx = pool.begin().await?;
        let mut detached = Vec::new();
        let removed = async {
            let all: Vec<Release> = sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM releases WHERE resource_id = $1"
            ))
            .bind(&resource.id)
            .fetch_all(&mut *tx)
            .await?;
            remove_releases(&mut tx, &blobs, &all, &mut detached).await?;
            sqlx::query("DELETE FROM resource_tags WHERE resource_id = $1")
                .bind(&resource.id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM resources WHERE id = $1")
                .bind(&resource.id)
                .execute(&mut *tx)
                .await?;
            let count = all.len();
            teams::audit(
                &mut *tx,
                &team.id,
                &user,
                "deleted",
                Some(&format!("{}/{}", path_of_kind(kind), resource.name)),
                Some(&format!(
                    "with {count} release{}",
                    if count == 1 { "" } else { "s" }
                )),
                now,
            )
            .await
        }
        .await;
        settle(tx, detached, removed).await
    })
    .await
    .map_err(|e| AppError::Internal(format!("the removal failed: {e}")))?
}

/// Applies `action` to each of `versions` (the release management page's bulk actions), one
/// after the other, each as its own action would: a release it cannot apply to is refused with
/// its reason and the others go on. Yanks are the staff's when `staff` is given (see
/// [`set_yanked`]); deleting drafts is the team's. `422 invalid-bulk` for no version or more than
/// [`BULK_MAX`].
#[allow(clippy::too_many_arguments)]
pub async fn bulk(
    pool: &Pool,
    blobs: &BlobStore,
    actor: Actor<'_>,
    staff: Option<&Staff>,
    resource: &Resource,
    action: BulkAction,
    versions: &[String],
    reason: &str,
    now: i64,
) -> Result<Vec<BulkOutcome>, AppError> {
    // In the order given, each once.
    let mut seen = std::collections::HashSet::new();
    let chosen: Vec<&str> = versions
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty() && seen.insert(*v))
        .collect();
    if chosen.is_empty() || chosen.len() > BULK_MAX {
        return Err(AppError::field(
            ErrorCode::InvalidBulk,
            "versions",
            format!("Choose from 1 to {BULK_MAX} releases."),
        ));
    }
    // A bad reason is one answer too, not the same refusal for every release.
    moderation::check_reason(reason, false)?;
    let by = match staff {
        Some(staff) => YankBy::Staff(staff),
        None => {
            // One answer for the whole request when the caller may not change releases at all.
            authorize(pool, actor, &resource.team_id, "change releases").await?;
            YankBy::Team(actor)
        }
    };
    let mut outcomes = Vec::with_capacity(chosen.len());
    for version in chosen {
        let done = match action {
            BulkAction::Yank => set_yanked(pool, by, resource, version, Some(reason), now)
                .await
                .map(|_| ()),
            BulkAction::Unyank => set_yanked(pool, by, resource, version, None, now)
                .await
                .map(|_| ()),
            BulkAction::Delete => delete_draft(pool, blobs, actor, resource, version).await,
        };
        outcomes.push(BulkOutcome {
            version: version.to_string(),
            // `body()`, not `ErrorBody::from`: that would also set the status of the whole
            // answer (in a server function), which holds every release's outcome.
            error: done.err().map(|e| e.body()),
        });
    }
    Ok(outcomes)
}

/// Purges what the staff took down (admins): the release `version`, or with `None` every release
/// of the resource, is deleted with each file no other release shares. A purged resource stays,
/// taken down, so that its name is not free for the same upload again. Written to the moderation
/// log with `reason`. Returns how many releases were purged; `409 not-taken-down` unless the
/// resource, or that release, is taken down.
pub async fn purge(
    pool: &Pool,
    blobs: &BlobStore,
    staff: &Staff,
    resource: &Resource,
    version: Option<&str>,
    reason: &str,
    now: i64,
) -> Result<usize, AppError> {
    if staff.role() < crate::moderation::SiteRole::Admin {
        return Err(AppError::forbidden(
            "Only the store's admins may purge files.",
        ));
    }
    let reason = moderation::check_reason(reason, false)?;
    // The release asked for (404 when there is none); the rest is decided in the transaction.
    let release = match version {
        Some(version) => Some(find(pool, resource, version, true).await?),
        None => None,
    };
    let what = match version {
        Some(version) => format!("{} {version}", resource.name),
        None => resource.name.clone(),
    };
    let subject = format!("{}/{what}", path_of_kind(resource.kind));
    let (pool, blobs, staff, resource_id, team) = (
        pool.clone(),
        blobs.clone(),
        staff.clone(),
        resource.id.clone(),
        resource.team_id.clone(),
    );
    // Run to the end even if the request is dropped (as in `delete_draft`).
    tokio::spawn(async move {
        let mut tx = pool.begin().await?;
        let mut detached = Vec::new();
        let mut count = 0;
        let removed = async {
            // Still taken down, checked with a write that holds the row until the end, so that
            // a restore meanwhile either comes first (and nothing is purged) or waits.
            let still_down = match &release {
                Some(release) => sqlx::query(
                    "UPDATE releases SET takedown = takedown WHERE id = $1 AND (takedown IS NOT NULL \
                     OR EXISTS (SELECT 1 FROM resources WHERE id = $2 AND takedown IS NOT NULL))",
                )
                .bind(&release.id)
                .bind(&resource_id),
                None => sqlx::query(
                    "UPDATE resources SET takedown = takedown WHERE id = $1 AND takedown IS NOT NULL",
                )
                .bind(&resource_id),
            }
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if still_down == 0 {
                return Err(not_taken_down(&what));
            }
            let targets: Vec<Release> = match release {
                Some(release) => vec![release],
                None => {
                    sqlx::query_as(&format!("SELECT {COLUMNS} FROM releases WHERE resource_id = $1"))
                        .bind(&resource_id)
                        .fetch_all(&mut *tx)
                        .await?
                }
            };
            count = targets.len();
            remove_releases(&mut tx, &blobs, &targets, &mut detached).await?;
            let line = format!(
                "{count} release{}{}{reason}",
                if count == 1 { "" } else { "s" },
                if reason.is_empty() { "" } else { ": " }
            );
            moderation::record(&mut *tx, &staff, "purge", &subject, Some(&team), &line, now).await
        }
        .await;
        settle(tx, detached, removed).await.map(|()| count)
    })
    .await
    .map_err(|e| AppError::Internal(format!("the purge failed: {e}")))?
}

/// `409 not-taken-down` for `what` (a resource's name, or a name and version).
fn not_taken_down(what: &str) -> AppError {
    AppError::Conflict {
        code: ErrorCode::NotTakenDown,
        field: None,
        message: format!("{what} is not taken down: only what the staff took down can be purged."),
    }
}

/// Deletes release rows in `tx` and, for each of their files that no other release shares, its
/// blob row, taking the file out of place into `detached` (see [`settle`]). The blob rows are
/// written first, in a fixed order, as in `create`: so no upload of the same file can place it
/// between the check for other releases and the removal, and two removals cannot deadlock.
async fn remove_releases(
    tx: &mut sqlx::AnyConnection,
    blobs: &BlobStore,
    releases: &[Release],
    detached: &mut Vec<DetachedBlob>,
) -> Result<(), AppError> {
    let hashes: BTreeSet<&str> = releases.iter().map(|r| r.sha256.as_str()).collect();
    for sha256 in &hashes {
        sqlx::query("UPDATE blobs SET size = size WHERE sha256 = $1")
            .bind(sha256)
            .execute(&mut *tx)
            .await?;
    }
    for release in releases {
        sqlx::query("DELETE FROM releases WHERE id = $1")
            .bind(&release.id)
            .execute(&mut *tx)
            .await?;
    }
    for sha256 in hashes {
        let (others,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM releases WHERE sha256 = $1")
            .bind(sha256)
            .fetch_one(&mut *tx)
            .await?;
        if others > 0 {
            continue;
        }
        sqlx::query("DELETE FROM blobs WHERE sha256 = $1")
            .bind(sha256)
            .execute(&mut *tx)
            .await?;
        if let Some(file) = blobs
            .detach(sha256)
            .await
            .map_err(|e| AppError::Internal(format!("cannot remove a release file: {e}")))?
        {
            detached.push(file);
        }
    }
    Ok(())
}

/// Ends a removal: commits `tx` when `outcome` is a success, then deletes the detached files for
/// good; otherwise (or when the commit fails) rolls back and puts every detached file back.
async fn settle(
    tx: sqlx::Transaction<'static, sqlx::Any>,
    detached: Vec<DetachedBlob>,
    outcome: Result<(), AppError>,
) -> Result<(), AppError> {
    let outcome = match outcome {
        Ok(()) => tx.commit().await.map_err(AppError::from),
        Err(e) => Err(e), // dropping `tx` rolls it back
    };
    match outcome {
        Ok(()) => {
            for file in detached {
                if let Err(e) = file.discard().await {
                    tracing::warn!(error = %e, "a removed release file could not be deleted; the next sweep removes it");
                }
            }
            Ok(())
        }
        Err(e) => {
            for file in detached {
                file.restore().await.map_err(|e| {
                    AppError::Internal(format!("cannot restore a release file: {e}"))
                })?;
            }
            Err(e)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Limits;

    #[test]
    fn uploads_are_validated_against_the_store_upload_limit() {
        let small = upload_options(Kind::Package, 100);
        assert_eq!(small.mode, Mode::Full);
        assert_eq!(small.expected_kind, Some(Kind::Package));
        assert_eq!(small.limits.max_archive_size, 100);
        // Above the validator's built-in 1 GiB, the archive limit follows the setting.
        let three_gib = 3 * validate::limits::GIB;
        let large = upload_options(Kind::AssetPack, three_gib);
        assert_eq!(large.limits.max_archive_size, three_gib);
        assert!(large.limits.max_archive_size > Limits::default().max_archive_size);
    }
}
