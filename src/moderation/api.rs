//! Server functions behind the staff's pages (`/admin`, `/admin/log`) and the moderation forms of
//! the resource, release and profile pages, at stable URLs under `/api/moderation/`. Each is a thin
//! call of the same service the HTTP API (`/store/v1/admin/…`) calls; who may act is decided by
//! [`crate::access::require_staff`].

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{AccountStanding, LogEntry, RecentUpload, Report, StaffSearch};
use crate::error::ErrorBody;
use crate::resources::ReviewItem;

/// Everything `/admin` shows: the queues, recent uploads, and what a search found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminData {
    /// The viewer's username, to tell their own assignments apart.
    pub me: String,
    /// The reports under the page's filters.
    pub reports: Vec<Report>,
    /// The releases waiting for review.
    pub reviews: Vec<ReviewItem>,
    pub recent: Vec<RecentUpload>,
    /// What the search box found (empty without a query).
    pub found: StaffSearch,
}

#[cfg(feature = "ssr")]
mod server {
    pub use crate::access::{self, Need, Staff};
    pub use crate::accounts::session;
    pub use crate::db;
    pub use crate::error::{AppError, ErrorCode};
    pub use crate::form_posts::keep_on_error;
    pub use crate::moderation::reports::{self, NewReport, ReportChange, ReportFilter};
    pub use crate::moderation::service::{self as moderation, LogReader};
    pub use crate::moderation::{ReportReason, ReportStatus, SiteRole, Takedown, TakedownKind};
    pub use crate::resources::service::{self as resources, Resource};
    pub use crate::resources::{parse_kind, releases};
    pub use crate::state::{state, AppState};
    pub use leptos::server_fn::ServerFn;

    /// The signed-in caller as staff with at least `role` (the `manage` need, as the API asks).
    pub async fn staff(state: &AppState, role: SiteRole) -> Result<Staff, AppError> {
        let permit = session::authorize(state, Need::Manage).await?;
        access::require_staff(&state.pool, &permit, role).await
    }

    /// The resource `kind`/`name`, whatever its state (the staff see everything); `404` when
    /// there is none.
    pub async fn resource(state: &AppState, kind: &str, name: &str) -> Result<Resource, AppError> {
        resources::find_or_404(&state.pool, parse_kind(kind)?, name).await
    }

    /// A form's optional text: `None` when blank.
    pub fn given(value: Option<String>) -> Option<String> {
        value
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    pub fn parse_status(status: &str) -> Result<ReportStatus, AppError> {
        ReportStatus::parse(status.trim())
            .map_err(|e| AppError::field(ErrorCode::InvalidReportReason, "status", e))
    }

    pub fn parse_reason(reason: &str) -> Result<ReportReason, AppError> {
        ReportReason::parse(reason.trim())
            .map_err(|e| AppError::field(ErrorCode::InvalidReportReason, "reason", e))
    }
}

/// `/admin`: the report queue under the filters given (each blank for all), the review queue,
/// recent uploads, and the users, teams and resources matching `q` (moderators and admins).
#[server(prefix = "/api/moderation", endpoint = "overview")]
pub async fn load_admin(
    #[server(default)] status: Option<String>,
    #[server(default)] reason: Option<String>,
    #[server(default)] mine: Option<String>,
    #[server(default)] q: Option<String>,
) -> Result<AdminData, ErrorBody> {
    use server::*;
    let state = state()?;
    let staff = staff(&state, SiteRole::Moderator).await?;
    let filter = ReportFilter {
        status: given(status).map(|s| parse_status(&s)).transpose()?,
        reason: given(reason).map(|r| parse_reason(&r)).transpose()?,
        assignee: given(mine).map(|_| staff.name().to_string()),
    };
    let now = db::now();
    Ok(AdminData {
        me: staff.name().to_string(),
        reports: reports::queue(&state.pool, &filter).await?,
        reviews: releases::in_review(&state.pool).await?,
        recent: moderation::recent_uploads(&state.pool).await?,
        found: moderation::search(&state.pool, q.as_deref().unwrap_or_default(), now).await?,
    })
}

/// The newest entries of the moderation log (moderators and admins).
#[server(prefix = "/api/moderation", endpoint = "log")]
pub async fn moderation_log() -> Result<Vec<LogEntry>, ErrorBody> {
    use server::*;
    let state = state()?;
    staff(&state, SiteRole::Moderator).await?;
    Ok(moderation::log(&state.pool).await?)
}

/// The moderation log's entries about the team `team` (its resources and releases), for its
/// members and the staff; `None` for everyone else, who see no such section.
#[server(prefix = "/api/moderation", endpoint = "team-log")]
pub async fn load_team_log(team: String) -> Result<Option<Vec<LogEntry>>, ErrorBody> {
    use server::*;
    let state = state()?;
    let Some(viewer) = session::caller(&state).await? else {
        return Ok(None);
    };
    let permit = viewer.require(Need::Account)?;
    let staff = match access::require_staff(&state.pool, &permit, SiteRole::Moderator).await {
        Ok(staff) => Some(staff),
        Err(AppError::Forbidden { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let reader = match &staff {
        Some(staff) => LogReader::Staff(staff),
        None => LogReader::Member(permit.actor()),
    };
    match moderation::team_log(&state.pool, reader, &team).await {
        Ok(entries) => Ok(Some(entries)),
        Err(AppError::Forbidden { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Reports a resource, or one of its releases (`version`), to the staff (any signed-in user, a
/// few an hour).
#[server(prefix = "/api/moderation", endpoint = "report")]
pub async fn file_report(
    kind: String,
    name: String,
    #[server(default)] version: Option<String>,
    reason: String,
    #[server(default)] details: String,
) -> Result<Report, ErrorBody> {
    use server::*;
    let state = state()?;
    let filed = async {
        let permit = session::authorize(&state, Need::Account).await?;
        let found = resource(&state, &kind, &name).await?;
        if !access::sees_private(&state.pool, Some(permit.caller()), &found.team_id).await? {
            found.refuse_if_taken_down(false)?;
        }
        let new = NewReport {
            version: given(version),
            reason: parse_reason(&reason)?,
            details: details.clone(),
        };
        reports::create(&state.pool, permit.user(), &found, new, db::now()).await
    }
    .await;
    keep_on_error(<FileReport as ServerFn>::PATH, &[], filed)
}

/// The signed-in user's reports, with their outcome.
#[server(prefix = "/api/moderation", endpoint = "my-reports")]
pub async fn my_reports() -> Result<Vec<Report>, ErrorBody> {
    use server::*;
    let state = state()?;
    let caller = session::authorize(&state, Need::Account).await?;
    Ok(reports::mine(&state.pool, &caller.user().id).await?)
}

/// Assigns a report to the caller (`take`), resolves it (`status` dismissed or acted-on, with a
/// `note` the reporter reads) or reopens it (`status` open) (moderators and admins).
#[server(prefix = "/api/moderation", endpoint = "change-report")]
pub async fn change_report(
    id: String,
    #[server(default)] take: Option<String>,
    #[server(default)] status: Option<String>,
    #[server(default)] note: Option<String>,
) -> Result<Report, ErrorBody> {
    use server::*;
    let state = state()?;
    let changed = async {
        let staff = staff(&state, SiteRole::Moderator).await?;
        let change = ReportChange {
            assignee: given(take).map(|_| Some(staff.name().to_string())),
            status: given(status).map(|s| parse_status(&s)).transpose()?,
            note: note.clone(),
        };
        reports::update(&state.pool, &staff, &id, change, db::now()).await
    }
    .await;
    keep_on_error(<ChangeReport as ServerFn>::PATH, &[], changed)
}

/// Approves (`decision` = `approve`: publishes) or declines (with a `reason` the team reads) a
/// release waiting for review (moderators and admins).
#[server(prefix = "/api/moderation", endpoint = "review")]
pub async fn review_release(
    kind: String,
    name: String,
    version: String,
    decision: String,
    #[server(default)] reason: String,
) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let decided = async {
        let staff = staff(&state, SiteRole::Moderator).await?;
        let approve = match decision.as_str() {
            "approve" => true,
            "decline" => false,
            other => {
                return Err(AppError::field(
                    ErrorCode::InvalidReason,
                    "decision",
                    format!("Unknown decision {other:?}: approve or decline."),
                ))
            }
        };
        let found = resource(&state, &kind, &name).await?;
        releases::decide_review(
            &state.pool,
            &staff,
            &found,
            &version,
            approve,
            &reason,
            db::now(),
        )
        .await
        .map(|_| ())
    }
    .await;
    keep_on_error(<ReviewRelease as ServerFn>::PATH, &[], decided)
}

/// Takes a resource, or one of its releases (`version`), down with a reason; `legal` (any value)
/// answers `451` instead of `410` (moderators and admins).
#[server(prefix = "/api/moderation", endpoint = "take-down")]
pub async fn take_down(
    kind: String,
    name: String,
    #[server(default)] version: Option<String>,
    reason: String,
    #[server(default)] legal: Option<String>,
) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let done = async {
        let staff = staff(&state, SiteRole::Moderator).await?;
        let found = resource(&state, &kind, &name).await?;
        let takedown = Takedown {
            kind: if given(legal).is_some() {
                TakedownKind::Legal
            } else {
                TakedownKind::Gone
            },
            reason: reason.trim().to_string(),
        };
        let version = given(version);
        let (pool, now) = (&state.pool, db::now());
        moderation::set_takedown(
            pool,
            &staff,
            &found,
            version.as_deref(),
            Some(&takedown),
            &reason,
            now,
        )
        .await
    }
    .await;
    keep_on_error(<TakeDown as ServerFn>::PATH, &[], done)
}

/// Restores a taken-down resource, or one of its releases (`version`), saying why for the log
/// (moderators and admins).
#[server(prefix = "/api/moderation", endpoint = "restore")]
pub async fn restore(
    kind: String,
    name: String,
    #[server(default)] version: Option<String>,
    #[server(default)] reason: String,
) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let staff = staff(&state, SiteRole::Moderator).await?;
    let found = resource(&state, &kind, &name).await?;
    let version = given(version);
    let (pool, now) = (&state.pool, db::now());
    moderation::set_takedown(pool, &staff, &found, version.as_deref(), None, &reason, now).await?;
    Ok(())
}

/// Purges a taken-down resource's releases, or one release (`version`), with every file no
/// other release shares (admins). Returns how many releases were purged.
#[server(prefix = "/api/moderation", endpoint = "purge")]
pub async fn purge(
    kind: String,
    name: String,
    #[server(default)] version: Option<String>,
    #[server(default)] reason: String,
) -> Result<usize, ErrorBody> {
    use server::*;
    let state = state()?;
    let staff = staff(&state, SiteRole::Admin).await?;
    let found = resource(&state, &kind, &name).await?;
    let version = given(version);
    Ok(releases::purge(
        &state.pool,
        &state.blobs,
        &staff,
        &found,
        version.as_deref(),
        &reason,
        db::now(),
    )
    .await?)
}

/// What the staff see of `username` on their profile: the suspension in force, and the viewer's
/// own role; `None` for everyone else, who see no moderation controls.
#[server(prefix = "/api/moderation", endpoint = "standing")]
pub async fn load_account_standing(username: String) -> Result<Option<AccountStanding>, ErrorBody> {
    use server::*;
    let state = state()?;
    let viewer = session::caller(&state).await?;
    let Some(viewer_role) = access::staff_role(&state.pool, viewer.as_ref()).await? else {
        return Ok(None);
    };
    let user_id: Option<(String,)> = sqlx::query_as("SELECT id FROM users WHERE username = $1")
        .bind(username.trim().to_lowercase())
        .fetch_optional(&state.pool)
        .await
        .map_err(AppError::from)?;
    let suspension = match user_id {
        Some((id,)) => moderation::active_suspension(&state.pool, &id, db::now()).await?,
        None => None,
    };
    Ok(Some(AccountStanding {
        viewer_role,
        suspension,
    }))
}

/// Longest suspension given in days from the page (about ten years); longer is for good.
pub const SUSPENSION_DAYS_MAX: i64 = 3_650;

/// Suspends `username` for `days` days (blank: for good) with a reason the account is told
/// (moderators and admins; see [`crate::moderation::service::suspend`] for whom).
#[server(prefix = "/api/moderation", endpoint = "suspend")]
pub async fn suspend_user(
    username: String,
    reason: String,
    #[server(default)] days: Option<String>,
) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let done = async {
        let staff = staff(&state, SiteRole::Moderator).await?;
        let now = db::now();
        let ends_at = match given(days.clone()) {
            None => None,
            Some(days) => match days.parse::<i64>() {
                Ok(days @ 1..=SUSPENSION_DAYS_MAX) => Some(now + days * 86_400),
                _ => {
                    return Err(AppError::field(
                        ErrorCode::InvalidExpiry,
                        "days",
                        format!(
                            "Give a number of days from 1 to {SUSPENSION_DAYS_MAX}, or leave it \
                             blank to suspend for good."
                        ),
                    ))
                }
            },
        };
        moderation::suspend(&state.pool, &staff, &username, &reason, ends_at, now)
            .await
            .map(|_| ())
    }
    .await;
    keep_on_error(<SuspendUser as ServerFn>::PATH, &[], done)
}

/// Lifts `username`'s suspension (the staff who may suspend them).
#[server(prefix = "/api/moderation", endpoint = "lift-suspension")]
pub async fn lift_suspension(
    username: String,
    #[server(default)] reason: String,
) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let staff = staff(&state, SiteRole::Moderator).await?;
    moderation::lift_suspension(&state.pool, &staff, &username, &reason, db::now()).await?;
    Ok(())
}

/// Gives `username` the site role `role` (`moderator` or `admin`; admins only).
#[server(prefix = "/api/moderation", endpoint = "grant-role")]
pub async fn grant_role(username: String, role: String) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let staff = staff(&state, SiteRole::Admin).await?;
    let role = SiteRole::parse(role.trim())
        .map_err(|e| AppError::field(ErrorCode::InvalidSiteRole, "role", e))?;
    moderation::grant(&state.pool, &staff, &username, role, db::now()).await?;
    Ok(())
}

/// Takes `username`'s site role away (admins only).
#[server(prefix = "/api/moderation", endpoint = "revoke-role")]
pub async fn revoke_role(username: String) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let staff = staff(&state, SiteRole::Admin).await?;
    moderation::revoke(&state.pool, &staff, &username, db::now()).await?;
    Ok(())
}
