//! Reports: any logged-in user reports a resource or one of its releases (a few an hour); the
//! staff list them, assign them and resolve them with a note the reporter reads. Resolving is
//! written to the moderation log, which the resource's team sees.

use super::service::{check_reason, record};
use super::{Report, ReportReason, ReportStatus, SiteRole, REPORT_DETAILS_MAX};
use crate::access::Staff;
use crate::accounts::throttle;
use crate::accounts::user::User;
use crate::db::{new_id, Pool, Sql, Text};
use crate::error::{AppError, ErrorCode};
use crate::resources::path_of_kind;
use crate::resources::releases;
use crate::resources::service::Resource;
use crate::validate::Kind;

crate::db::text_columns!(ReportReason, ReportStatus);

/// Reports one user may file an hour.
pub const REPORTS_PER_HOUR: i64 = 10;

/// A new report, as the reporter fills it in.
#[derive(Debug, Clone)]
pub struct NewReport {
    /// The release reported; `None` for the whole resource.
    pub version: Option<String>,
    pub reason: ReportReason,
    pub details: String,
}

/// The staff's filters of the queue; `None` lets everything through.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    pub status: Option<ReportStatus>,
    pub reason: Option<ReportReason>,
    /// A staff member's username.
    pub assignee: Option<String>,
}

/// A change the staff make to a report.
#[derive(Debug, Clone, Default)]
pub struct ReportChange {
    /// `Some(None)` unassigns; `Some(Some(name))` assigns to that staff member.
    pub assignee: Option<Option<String>>,
    /// A new status; resolving (dismissed, acted on) takes a note, reopening clears it.
    pub status: Option<ReportStatus>,
    /// The note on the outcome, which the reporter reads.
    pub note: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: String,
    #[sqlx(try_from = "Text<Kind>")]
    kind: Kind,
    resource: String,
    team_id: String,
    version: Option<String>,
    reason: ReportReason,
    details: String,
    status: ReportStatus,
    reporter: Option<String>,
    assignee: Option<String>,
    resolution_note: Option<String>,
    created_at: i64,
    resolved_at: Option<i64>,
}

impl From<ReportRow> for Report {
    fn from(row: ReportRow) -> Report {
        Report {
            id: row.id,
            kind: path_of_kind(row.kind).to_string(),
            resource: row.resource,
            version: row.version,
            reason: row.reason,
            details: row.details,
            status: row.status,
            reporter: row.reporter,
            assignee: row.assignee,
            resolution_note: row.resolution_note,
            created_at: row.created_at,
            resolved_at: row.resolved_at,
        }
    }
}

const SELECT: &str = "SELECT p.id, r.kind, r.name AS resource, r.team_id, p.version, p.reason, \
     p.details, p.status, u.username AS reporter, p.assignee, p.resolution_note, p.created_at, \
     p.resolved_at FROM reports p JOIN resources r ON r.id = p.resource_id \
     LEFT JOIN users u ON u.id = p.reporter_id";

/// Files a report of `resource` (or one of its releases the reporter can see) by `reporter`:
/// at most [`REPORTS_PER_HOUR`] an hour, then `429`.
pub async fn create(
    pool: &Pool,
    reporter: &User,
    resource: &Resource,
    new: NewReport,
    now: i64,
) -> Result<Report, AppError> {
    let details = new.details.trim().to_string();
    if details.chars().count() > REPORT_DETAILS_MAX {
        return Err(AppError::field(
            ErrorCode::InvalidDetails,
            "details",
            format!("Details have at most {REPORT_DETAILS_MAX} characters."),
        ));
    }
    if new.reason == ReportReason::Other && details.is_empty() {
        return Err(AppError::field(
            ErrorCode::InvalidDetails,
            "details",
            "Say what is wrong: the reason is \"other\".",
        ));
    }
    if let Some(version) = &new.version {
        // Only a release the reporter can see; others are 404 (or 410) as everywhere.
        releases::find(pool, resource, version, false).await?;
    }
    throttle::take_hourly(
        pool,
        &format!("report:{}", reporter.id),
        REPORTS_PER_HOUR,
        now,
        "You have sent many reports this hour.",
    )
    .await?;
    let id = new_id();
    sqlx::query(
        "INSERT INTO reports (id, reporter_id, resource_id, version, reason, details, status, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, 'open', $7)",
    )
    .bind(&id)
    .bind(&reporter.id)
    .bind(&resource.id)
    .bind(&new.version)
    .bind(new.reason.as_str())
    .bind(&details)
    .bind(now)
    .execute(pool)
    .await?;
    find(pool, &id).await
}

async fn find(pool: &Pool, id: &str) -> Result<Report, AppError> {
    row(pool, id).await.map(Report::from)
}

async fn row(pool: &Pool, id: &str) -> Result<ReportRow, AppError> {
    sqlx::query_as::<_, ReportRow>(&format!("{SELECT} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no report {id}.")))
}

/// The reports `user_id` filed, newest first, with their outcome.
pub async fn mine(pool: &Pool, user_id: &str) -> Result<Vec<Report>, AppError> {
    let rows: Vec<ReportRow> = sqlx::query_as(&format!(
        "{SELECT} WHERE p.reporter_id = $1 ORDER BY p.created_at DESC, p.id DESC LIMIT 200"
    ))
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    // Which staff member handles a report is the staff's business.
    Ok(rows
        .into_iter()
        .map(|row| Report {
            assignee: None,
            ..Report::from(row)
        })
        .collect())
}

/// The staff's queue under `filter`: open reports oldest first (the longest waiting on top),
/// resolved ones newest first; up to 200.
pub async fn queue(pool: &Pool, filter: &ReportFilter) -> Result<Vec<Report>, AppError> {
    let mut sql = Sql::new(SELECT);
    sql.push(" WHERE 1 = 1");
    if let Some(status) = filter.status {
        sql.push(" AND p.status = ").bind(status.as_str());
    }
    if let Some(reason) = filter.reason {
        sql.push(" AND p.reason = ").bind(reason.as_str());
    }
    if let Some(assignee) = &filter.assignee {
        sql.push(" AND p.assignee = ").bind(assignee.as_str());
    }
    sql.push(
        " ORDER BY CASE WHEN p.status = 'open' THEN 0 ELSE 1 END, \
         CASE WHEN p.status = 'open' THEN p.created_at ELSE -p.created_at END, p.id LIMIT 200",
    );
    let rows: Vec<ReportRow> = sql.query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().map(Report::from).collect())
}

/// Assigns, resolves or reopens a report (moderators and admins). Resolving needs a note, which
/// the reporter reads, and goes to the moderation log for the resource's team to see.
pub async fn update(
    pool: &Pool,
    staff: &Staff,
    id: &str,
    change: ReportChange,
    now: i64,
) -> Result<Report, AppError> {
    let current = row(pool, id).await?;
    let assignee = match change.assignee {
        Some(Some(name)) => Some(assignable(pool, staff, &name).await?),
        Some(None) => None,
        None => current.assignee.clone(),
    };
    let status = change.status.unwrap_or(current.status);
    let resolving = status != ReportStatus::Open && status != current.status;
    let note = match (&change.note, status) {
        (_, ReportStatus::Open) => None,
        (Some(note), _) => Some(check_reason(note, resolving)?),
        (None, _) if resolving => Some(check_reason("", true)?),
        (None, _) => current.resolution_note.clone(),
    };
    let resolved_at = match status {
        ReportStatus::Open => None,
        _ if resolving => Some(now),
        _ => current.resolved_at,
    };
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE reports SET assignee = $1, status = $2, resolution_note = $3, resolved_at = $4 \
         WHERE id = $5",
    )
    .bind(&assignee)
    .bind(status.as_str())
    .bind(&note)
    .bind(resolved_at)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if status != current.status {
        let action = match status {
            ReportStatus::Open => "reopen-report",
            ReportStatus::Dismissed => "dismiss-report",
            ReportStatus::ActedOn => "act-on-report",
        };
        let mut subject = format!("{}/{}", path_of_kind(current.kind), current.resource);
        if let Some(version) = &current.version {
            subject = format!("{subject} {version}");
        }
        let team = Some(current.team_id.as_str());
        let reason = note.clone().unwrap_or_default();
        record(&mut *tx, staff, action, &subject, team, &reason, now).await?;
    }
    tx.commit().await?;
    find(pool, id).await
}

/// `name` when it is a staff member's username (`me` is the acting one), else `422`.
async fn assignable(pool: &Pool, staff: &Staff, name: &str) -> Result<String, AppError> {
    let name = if name == "me" { staff.name() } else { name };
    let user: Option<(String, String)> =
        sqlx::query_as("SELECT id, username FROM users WHERE username = $1")
            .bind(name)
            .fetch_optional(pool)
            .await?;
    let not_staff = || {
        AppError::field(
            ErrorCode::UnknownUser,
            "assignee",
            format!("{name} is not one of the store's moderators or admins."),
        )
    };
    let (id, username) = user.ok_or_else(not_staff)?;
    match crate::access::site_role(pool, &id).await? {
        Some(SiteRole::Moderator | SiteRole::Admin) => Ok(username),
        None => Err(not_staff()),
    }
}
