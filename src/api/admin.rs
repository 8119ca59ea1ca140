//! `/store/v1/admin`: what the store's staff do (moderators and admins; a token needs the
//! `manage` scope and no team restriction), and yanks, which a resource's team does too. Who is
//! staff is decided by [`access::require_staff`]; every action is written to the moderation log.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::auth::{Authorized, Manage, ReadAccount};
use super::resources::{resource, visible_resource};
use super::JsonBody;
use crate::access::{self, Staff};
use crate::db;
use crate::error::{AppError, ErrorBody, ErrorCode};
use crate::moderation::reports::{self, NewReport, ReportChange, ReportFilter};
use crate::moderation::service::{self as moderation, LogReader};
use crate::moderation::{
    LogEntry, Report, ReportReason, ReportStatus, SiteRole, Suspension, Takedown, TakedownKind,
};
use crate::resources::releases::{self, YankBy};
use crate::resources::{
    service as resources, BulkAction, BulkOutcome, ReleaseInfo, ResourceInfo, ReviewItem,
};
use crate::state::AppState;

/// The caller as staff with at least `role`.
async fn staff(
    state: &AppState,
    caller: &Authorized<Manage>,
    role: SiteRole,
) -> Result<Staff, AppError> {
    access::require_staff(&state.pool, caller.permit(), role).await
}

#[utoipa::path(get, path = "/admin/log", tag = "moderation", security(("token" = ["manage"]), ("session" = [])),
    responses((status = 200, body = Vec<LogEntry>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
/// `GET /store/v1/admin/log`: the moderation log, newest first (moderators and admins).
pub async fn moderation_log(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
) -> Result<Json<Vec<LogEntry>>, AppError> {
    staff(&state, &caller, SiteRole::Moderator).await?;
    Ok(Json(moderation::log(&state.pool).await?))
}

#[utoipa::path(get, path = "/teams/{name}/moderation", tag = "moderation", security(("token" = ["manage"]), ("session" = [])), params(("name" = String, Path)),
    responses((status = 200, body = Vec<LogEntry>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
/// `GET /store/v1/teams/{name}/moderation`: what the staff did to the team's resources and
/// releases, and why (its members; a token needs `manage`, as for the team's audit log).
pub async fn team_moderation_log(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path(name): Path<String>,
) -> Result<Json<Vec<LogEntry>>, AppError> {
    let staff = match access::require_staff(&state.pool, caller.permit(), SiteRole::Moderator).await
    {
        Ok(staff) => Some(staff),
        Err(AppError::Forbidden { .. }) => None,
        Err(e) => return Err(e),
    };
    let reader = match &staff {
        Some(staff) => LogReader::Staff(staff),
        None => LogReader::Member(caller.actor()),
    };
    Ok(Json(
        moderation::team_log(&state.pool, reader, &name).await?,
    ))
}

/// Body of `PUT /store/v1/admin/users/{username}/role`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct GrantRole {
    /// `moderator` or `admin`.
    pub role: String,
}

/// A user's site role, as granting answers it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserRole {
    pub username: String,
    pub role: SiteRole,
}

#[utoipa::path(put, path = "/admin/users/{username}/role", tag = "moderation", security(("token" = ["manage"]), ("session" = [])), params(("username" = String, Path)), request_body = GrantRole,
    responses((status = 200, body = UserRole), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
/// `PUT /store/v1/admin/users/{username}/role`: give a user a site role (admins).
pub async fn grant_role(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path(username): Path<String>,
    JsonBody(body): JsonBody<GrantRole>,
) -> Result<Json<UserRole>, AppError> {
    let staff = staff(&state, &caller, SiteRole::Admin).await?;
    let role = SiteRole::parse(body.role.trim())
        .map_err(|e| AppError::field(ErrorCode::InvalidSiteRole, "role", e))?;
    moderation::grant(&state.pool, &staff, &username, role, db::now()).await?;
    Ok(Json(UserRole { username, role }))
}

#[utoipa::path(delete, path = "/admin/users/{username}/role", tag = "moderation", security(("token" = ["manage"]), ("session" = [])), params(("username" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
/// `DELETE /store/v1/admin/users/{username}/role`: take a user's site role away (admins).
pub async fn revoke_role(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path(username): Path<String>,
) -> Result<StatusCode, AppError> {
    let staff = staff(&state, &caller, SiteRole::Admin).await?;
    moderation::revoke(&state.pool, &staff, &username, db::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `PUT /store/v1/admin/users/{username}/suspension`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Suspend {
    /// Why; the account is told.
    pub reason: String,
    /// When it ends (Unix seconds); leave it out to suspend for good.
    pub ends_at: Option<i64>,
}

#[utoipa::path(put, path = "/admin/users/{username}/suspension", tag = "moderation", security(("token" = ["manage"]), ("session" = [])), params(("username" = String, Path)), request_body = Suspend,
    responses((status = 200, body = Suspension), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
/// `PUT /store/v1/admin/users/{username}/suspension`: suspend an account, for a time or for good
/// (moderators and admins). Its sessions end and its tokens answer `401 account-suspended`.
pub async fn suspend_user(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path(username): Path<String>,
    JsonBody(body): JsonBody<Suspend>,
) -> Result<Json<Suspension>, AppError> {
    let staff = staff(&state, &caller, SiteRole::Moderator).await?;
    let suspension = moderation::suspend(
        &state.pool,
        &staff,
        &username,
        &body.reason,
        body.ends_at,
        db::now(),
    )
    .await?;
    Ok(Json(suspension))
}

/// Query of the requests that undo a staff action.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct Undo {
    /// Why, for the moderation log (optional).
    pub reason: Option<String>,
}

#[utoipa::path(delete, path = "/admin/users/{username}/suspension", tag = "moderation", security(("token" = ["manage"]), ("session" = [])), params(("username" = String, Path), Undo),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
/// `DELETE /store/v1/admin/users/{username}/suspension`: lift a suspension (moderators and admins).
pub async fn lift_suspension(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path(username): Path<String>,
    Query(undo): Query<Undo>,
) -> Result<StatusCode, AppError> {
    let staff = staff(&state, &caller, SiteRole::Moderator).await?;
    let reason = undo.reason.unwrap_or_default();
    moderation::lift_suspension(&state.pool, &staff, &username, &reason, db::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Body of the takedown requests.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TakeDown {
    /// Why; shown to everyone who reaches it.
    pub reason: String,
    /// For legal reasons: `451` instead of `410`.
    #[serde(default)]
    pub legal: bool,
}

impl TakeDown {
    fn takedown(&self) -> Takedown {
        Takedown {
            kind: if self.legal {
                TakedownKind::Legal
            } else {
                TakedownKind::Gone
            },
            reason: self.reason.trim().to_string(),
        }
    }
}

#[utoipa::path(put, path = "/admin/{kind}/{name}/takedown", tag = "moderation", security(("token" = ["manage"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path)), request_body = TakeDown,
    responses((status = 200, body = ResourceInfo), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
/// `PUT /store/v1/admin/{type}/{name}/takedown`: take a resource down (moderators and admins).
pub async fn take_down_resource(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path((kind, name)): Path<(String, String)>,
    JsonBody(body): JsonBody<TakeDown>,
) -> Result<Json<ResourceInfo>, AppError> {
    let staff = staff(&state, &caller, SiteRole::Moderator).await?;
    let found = resource(&state, &kind, &name).await?;
    let takedown = body.takedown();
    moderation::set_resource_takedown(
        &state.pool,
        &staff,
        &found,
        Some(&takedown),
        &body.reason,
        db::now(),
    )
    .await?;
    let found = resource(&state, &kind, &name).await?;
    Ok(Json(resources::info(&state.pool, &found).await?))
}

#[utoipa::path(delete, path = "/admin/{kind}/{name}/takedown", tag = "moderation", security(("token" = ["manage"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path), Undo),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
/// `DELETE /store/v1/admin/{type}/{name}/takedown`: restore a resource (moderators and admins).
pub async fn restore_resource(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path((kind, name)): Path<(String, String)>,
    Query(undo): Query<Undo>,
) -> Result<StatusCode, AppError> {
    let staff = staff(&state, &caller, SiteRole::Moderator).await?;
    let found = resource(&state, &kind, &name).await?;
    let reason = undo.reason.unwrap_or_default();
    moderation::set_resource_takedown(&state.pool, &staff, &found, None, &reason, db::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/admin/{kind}/{name}/releases/{version}/takedown", tag = "moderation", security(("token" = ["manage"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path), ("version" = String, Path)), request_body = TakeDown,
    responses((status = 200, body = ReleaseInfo), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
/// `PUT /store/v1/admin/{type}/{name}/releases/{version}/takedown`: take a release down
/// (moderators and admins).
pub async fn take_down_release(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path((kind, name, version)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<TakeDown>,
) -> Result<Json<ReleaseInfo>, AppError> {
    let staff = staff(&state, &caller, SiteRole::Moderator).await?;
    let found = resource(&state, &kind, &name).await?;
    let takedown = body.takedown();
    moderation::set_release_takedown(
        &state.pool,
        &staff,
        &found,
        &version,
        Some(&takedown),
        &body.reason,
        db::now(),
    )
    .await?;
    Ok(Json(
        releases::find(&state.pool, &found, &version, true)
            .await?
            .info(),
    ))
}

#[utoipa::path(delete, path = "/admin/{kind}/{name}/releases/{version}/takedown", tag = "moderation", security(("token" = ["manage"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path), ("version" = String, Path), Undo),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
/// `DELETE /store/v1/admin/{type}/{name}/releases/{version}/takedown`: restore a release
/// (moderators and admins).
pub async fn restore_release(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path((kind, name, version)): Path<(String, String, String)>,
    Query(undo): Query<Undo>,
) -> Result<StatusCode, AppError> {
    let staff = staff(&state, &caller, SiteRole::Moderator).await?;
    let found = resource(&state, &kind, &name).await?;
    let reason = undo.reason.unwrap_or_default();
    moderation::set_release_takedown(
        &state.pool,
        &staff,
        &found,
        &version,
        None,
        &reason,
        db::now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Body of the purge requests.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct Purge {
    /// Why, for the moderation log (optional).
    #[serde(default)]
    pub reason: String,
}

/// What a purge removed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Purged {
    /// How many releases were deleted, with each file no other release shares.
    pub purged: usize,
}

#[utoipa::path(post, path = "/admin/{kind}/{name}/purge", tag = "moderation", security(("token" = ["manage"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path)), request_body = Purge,
    responses((status = 200, body = Purged), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
/// `POST /store/v1/admin/{type}/{name}/purge`: delete every release of a taken-down resource and
/// each file no other release shares (admins). The resource stays, taken down, keeping its name.
pub async fn purge_resource(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path((kind, name)): Path<(String, String)>,
    JsonBody(body): JsonBody<Purge>,
) -> Result<Json<Purged>, AppError> {
    let staff = staff(&state, &caller, SiteRole::Admin).await?;
    let found = resource(&state, &kind, &name).await?;
    let purged = releases::purge(
        &state.pool,
        &state.blobs,
        &staff,
        &found,
        None,
        &body.reason,
        db::now(),
    )
    .await?;
    Ok(Json(Purged { purged }))
}

#[utoipa::path(post, path = "/admin/{kind}/{name}/releases/{version}/purge", tag = "moderation", security(("token" = ["manage"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path), ("version" = String, Path)), request_body = Purge,
    responses((status = 200, body = Purged), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
/// `POST /store/v1/admin/{type}/{name}/releases/{version}/purge`: delete a taken-down release
/// (or a release of a taken-down resource) and its file when no other release shares it (admins).
pub async fn purge_release(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path((kind, name, version)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<Purge>,
) -> Result<Json<Purged>, AppError> {
    let staff = staff(&state, &caller, SiteRole::Admin).await?;
    let found = resource(&state, &kind, &name).await?;
    let purged = releases::purge(
        &state.pool,
        &state.blobs,
        &staff,
        &found,
        Some(&version),
        &body.reason,
        db::now(),
    )
    .await?;
    Ok(Json(Purged { purged }))
}

/// Body of `PUT …/releases/{version}/yank`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct YankRelease {
    /// Why (optional), shown beside the release.
    #[serde(default)]
    pub reason: String,
}

/// Who yanks: the staff when the caller is staff, else the team (whose role the service checks).
async fn yanker(state: &AppState, caller: &Authorized<Manage>) -> Result<Option<Staff>, AppError> {
    match staff(state, caller, SiteRole::Moderator).await {
        Ok(staff) => Ok(Some(staff)),
        Err(AppError::Forbidden { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

#[utoipa::path(put, path = "/{kind}/{name}/releases/{version}/yank", tag = "releases", security(("token" = ["manage"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path), ("version" = String, Path)), request_body = YankRelease,
    responses((status = 200, body = ReleaseInfo), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
/// `PUT /store/v1/{type}/{name}/releases/{version}/yank`: yank a published release (the team's
/// developers and above, and the staff). It stays downloadable by its version but is never the
/// latest.
pub async fn yank_release(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path((kind, name, version)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<YankRelease>,
) -> Result<Json<ReleaseInfo>, AppError> {
    set_yanked(&state, &caller, &kind, &name, &version, Some(&body.reason)).await
}

#[utoipa::path(delete, path = "/{kind}/{name}/releases/{version}/yank", tag = "releases", security(("token" = ["manage"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path), ("version" = String, Path)),
    responses((status = 200, body = ReleaseInfo), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
/// `DELETE /store/v1/{type}/{name}/releases/{version}/yank`: take a yank back.
pub async fn unyank_release(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path((kind, name, version)): Path<(String, String, String)>,
) -> Result<Json<ReleaseInfo>, AppError> {
    set_yanked(&state, &caller, &kind, &name, &version, None).await
}

async fn set_yanked(
    state: &AppState,
    caller: &Authorized<Manage>,
    kind: &str,
    name: &str,
    version: &str,
    reason: Option<&str>,
) -> Result<Json<ReleaseInfo>, AppError> {
    let found = resource(state, kind, name).await?;
    let staff = yanker(state, caller).await?;
    let by = match &staff {
        Some(staff) => YankBy::Staff(staff),
        None => YankBy::Team(caller.actor()),
    };
    let release = releases::set_yanked(&state.pool, by, &found, version, reason, db::now()).await?;
    Ok(Json(release))
}

/// Body of `POST /store/v1/{type}/{name}/releases/bulk`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Bulk {
    /// `yank`, `unyank` or `delete` (drafts only).
    pub action: String,
    /// The releases, at most 100.
    pub versions: Vec<String>,
    /// Why (yanks; optional), shown beside each release.
    #[serde(default)]
    pub reason: String,
}

#[utoipa::path(post, path = "/{kind}/{name}/releases/bulk", tag = "releases", security(("token" = ["manage"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path)), request_body = Bulk,
    responses((status = 200, body = Vec<BulkOutcome>, description = "What happened to each release: `error` when it was refused"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
/// `POST /store/v1/{type}/{name}/releases/bulk`: yank, take back the yanks of, or delete (drafts)
/// several releases at once (the team's developers; yanks also the staff). Each release is
/// handled as its own request would be; one refused does not stop the others.
pub async fn bulk_releases(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path((kind, name)): Path<(String, String)>,
    JsonBody(body): JsonBody<Bulk>,
) -> Result<Json<Vec<BulkOutcome>>, AppError> {
    let action = BulkAction::parse(body.action.trim())
        .map_err(|e| AppError::field(ErrorCode::InvalidBulk, "action", e))?;
    let found = resource(&state, &kind, &name).await?;
    let staff = match action {
        BulkAction::Delete => None,
        _ => yanker(&state, &caller).await?,
    };
    Ok(Json(
        releases::bulk(
            &state.pool,
            &state.blobs,
            caller.actor(),
            staff.as_ref(),
            &found,
            action,
            &body.versions,
            &body.reason,
            db::now(),
        )
        .await?,
    ))
}

/// Body of `POST /store/v1/{type}/{name}/reports`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct FileReport {
    /// `malware`, `stolen-content`, `broken`, `spam` or `other`.
    pub reason: String,
    /// What is wrong (required for `other`).
    #[serde(default)]
    pub details: String,
    /// The release reported; leave it out for the whole resource.
    pub version: Option<String>,
}

#[utoipa::path(post, path = "/{kind}/{name}/reports", tag = "moderation", security(("token" = []), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path)), request_body = FileReport,
    responses((status = 201, body = Report), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
/// `POST /store/v1/{type}/{name}/reports`: report a resource, or one of its releases, to the
/// store's staff (any logged-in user, a few an hour).
pub async fn file_report(
    State(state): State<AppState>,
    caller: Authorized<ReadAccount>,
    Path((kind, name)): Path<(String, String)>,
    JsonBody(body): JsonBody<FileReport>,
) -> Result<(StatusCode, Json<Report>), AppError> {
    let (found, _) = visible_resource(&state, Some(caller.caller()), &kind, &name).await?;
    let reason = ReportReason::parse(body.reason.trim())
        .map_err(|e| AppError::field(ErrorCode::InvalidReportReason, "reason", e))?;
    let new = NewReport {
        version: body.version.filter(|v| !v.trim().is_empty()),
        reason,
        details: body.details,
    };
    let report = reports::create(&state.pool, caller.user(), &found, new, db::now()).await?;
    Ok((StatusCode::CREATED, Json(report)))
}

#[utoipa::path(get, path = "/user/reports", tag = "moderation", security(("token" = []), ("session" = [])),
    responses((status = 200, body = Vec<Report>), (status = 401, body = ErrorBody)))]
/// `GET /store/v1/user/reports`: the caller's reports, with their outcome.
pub async fn my_reports(
    State(state): State<AppState>,
    caller: Authorized<ReadAccount>,
) -> Result<Json<Vec<Report>>, AppError> {
    Ok(Json(reports::mine(&state.pool, &caller.user().id).await?))
}

/// Query of `GET /store/v1/admin/reports`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct QueueParams {
    /// `open`, `dismissed` or `acted-on`.
    pub status: Option<String>,
    /// A report reason.
    pub reason: Option<String>,
    /// A staff member's username (`me` for the caller).
    pub assignee: Option<String>,
}

#[utoipa::path(get, path = "/admin/reports", tag = "moderation", security(("token" = ["manage"]), ("session" = [])), params(QueueParams),
    responses((status = 200, body = Vec<Report>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
/// `GET /store/v1/admin/reports`: the staff's queue of reports (moderators and admins), open ones
/// first, the longest waiting on top.
pub async fn report_queue(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Query(params): Query<QueueParams>,
) -> Result<Json<Vec<Report>>, AppError> {
    let staff = staff(&state, &caller, SiteRole::Moderator).await?;
    let filter = ReportFilter {
        status: params.status.as_deref().map(parse_status).transpose()?,
        reason: params
            .reason
            .as_deref()
            .map(|r| {
                ReportReason::parse(r)
                    .map_err(|e| AppError::field(ErrorCode::InvalidReportReason, "reason", e))
            })
            .transpose()?,
        assignee: params.assignee.map(|a| {
            if a == "me" {
                staff.name().to_string()
            } else {
                a
            }
        }),
    };
    Ok(Json(reports::queue(&state.pool, &filter).await?))
}

fn parse_status(status: &str) -> Result<ReportStatus, AppError> {
    ReportStatus::parse(status)
        .map_err(|e| AppError::field(ErrorCode::InvalidReportReason, "status", e))
}

/// Body of `PATCH /store/v1/admin/reports/{id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ChangeReport {
    /// A staff member's username, `me`, or an empty string to unassign.
    pub assignee: Option<String>,
    /// `open`, `dismissed` or `acted-on`; resolving needs a `note`.
    pub status: Option<String>,
    /// The outcome, which the reporter reads.
    pub note: Option<String>,
}

#[utoipa::path(patch, path = "/admin/reports/{id}", tag = "moderation", security(("token" = ["manage"]), ("session" = [])), params(("id" = String, Path)), request_body = ChangeReport,
    responses((status = 200, body = Report), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
/// `PATCH /store/v1/admin/reports/{id}`: assign, resolve or reopen a report (moderators and
/// admins).
pub async fn change_report(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ChangeReport>,
) -> Result<Json<Report>, AppError> {
    let staff = staff(&state, &caller, SiteRole::Moderator).await?;
    let change = ReportChange {
        assignee: body
            .assignee
            .map(|a| Some(a.trim().to_string()).filter(|a| !a.is_empty())),
        status: body.status.as_deref().map(parse_status).transpose()?,
        note: body.note,
    };
    Ok(Json(
        reports::update(&state.pool, &staff, &id, change, db::now()).await?,
    ))
}

#[utoipa::path(get, path = "/admin/reviews", tag = "moderation", security(("token" = ["manage"]), ("session" = [])),
    responses((status = 200, body = Vec<ReviewItem>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
/// `GET /store/v1/admin/reviews`: the releases waiting for review under the store's review
/// policy (`NANOS_STORE_REVIEW_POLICY`), the longest waiting first (moderators and admins).
pub async fn review_queue(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
) -> Result<Json<Vec<ReviewItem>>, AppError> {
    staff(&state, &caller, SiteRole::Moderator).await?;
    Ok(Json(releases::in_review(&state.pool).await?))
}

/// Body of `PUT /store/v1/admin/{type}/{name}/releases/{version}/review`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Decision {
    /// `true` publishes the release; `false` declines it.
    pub approve: bool,
    /// Why (required to decline; the team reads it).
    #[serde(default)]
    pub reason: String,
}

#[utoipa::path(put, path = "/admin/{kind}/{name}/releases/{version}/review", tag = "moderation", security(("token" = ["manage"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path), ("version" = String, Path)), request_body = Decision,
    responses((status = 200, body = ReleaseInfo), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
/// `PUT /store/v1/admin/{type}/{name}/releases/{version}/review`: approve (publish) or decline a
/// release waiting for review (moderators and admins).
pub async fn decide_review(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path((kind, name, version)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<Decision>,
) -> Result<Json<ReleaseInfo>, AppError> {
    let staff = staff(&state, &caller, SiteRole::Moderator).await?;
    let found = resource(&state, &kind, &name).await?;
    let info = releases::decide_review(
        &state.pool,
        &staff,
        &found,
        &version,
        body.approve,
        &body.reason,
        db::now(),
    )
    .await?;
    Ok(Json(info))
}
