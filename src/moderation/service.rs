//! Moderation services: site roles, the moderation log and suspensions. Every function that acts
//! takes the [`Staff`] that [`crate::access::require_staff`] made, and writes what it did to the
//! log in the same transaction as the change.

use super::{
    FoundResource, FoundTeam, FoundUser, LogEntry, RecentUpload, SiteRole, StaffSearch, Suspension,
    Takedown, TakedownKind, REASON_MAX,
};
use crate::access::Staff;
use crate::accounts::user::User;
use crate::dates::format_date;
use crate::db::{new_id, Pool};
use crate::error::{AppError, ErrorCode};
use crate::resources::path_of_kind;
use crate::resources::service::Resource;
use crate::teams::service::{self as teams, Actor};
use crate::teams::Role;
use crate::validate::Kind;

crate::db::text_columns!(SiteRole, TakedownKind, super::ReviewState);

/// Entries a log page holds at most.
pub const LOG_PAGE: i64 = 100;

/// Checks the reason of a staff action: at most [`REASON_MAX`] characters, and `required` for the
/// actions whose reason the people concerned read (undoing one may go without). Returns it trimmed.
pub fn check_reason(reason: &str, required: bool) -> Result<String, AppError> {
    let reason = reason.trim();
    if required && reason.is_empty() {
        return Err(AppError::field(
            ErrorCode::InvalidReason,
            "reason",
            "Give a reason: the people concerned read it.",
        ));
    }
    if reason.chars().count() > REASON_MAX {
        return Err(AppError::field(
            ErrorCode::InvalidReason,
            "reason",
            format!("A reason has at most {REASON_MAX} characters."),
        ));
    }
    Ok(reason.to_string())
}

/// Writes a line of the moderation log through `executor` (a transaction that makes the change it
/// records). `team_id` names the team the entry concerns, which then sees it too.
pub async fn record<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    staff: &Staff,
    action: &str,
    subject: &str,
    team_id: Option<&str>,
    reason: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO moderation_log (id, actor, action, subject, team_id, reason, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(new_id())
    .bind(staff.name())
    .bind(action)
    .bind(subject)
    .bind(team_id)
    .bind(reason)
    .bind(now)
    .execute(executor)
    .await?;
    Ok(())
}

/// The newest entries of the whole log (staff only), up to [`LOG_PAGE`].
pub async fn log(pool: &Pool) -> Result<Vec<LogEntry>, AppError> {
    Ok(sqlx::query_as(
        "SELECT actor, action, subject, reason, created_at FROM moderation_log \
         ORDER BY created_at DESC, id DESC LIMIT $1",
    )
    .bind(LOG_PAGE)
    .fetch_all(pool)
    .await?)
}

/// Who reads a team's entries of the moderation log.
#[derive(Debug, Clone, Copy)]
pub enum LogReader<'a> {
    /// A member of the team, in any role (checked).
    Member(Actor<'a>),
    /// The store's staff, who read every team's.
    Staff(&'a Staff),
}

/// The newest entries that concern the team `team_name`, for its members and the staff, up to
/// [`LOG_PAGE`]: what the staff did to its resources and releases, and why.
pub async fn team_log(
    pool: &Pool,
    reader: LogReader<'_>,
    team_name: &str,
) -> Result<Vec<LogEntry>, AppError> {
    let team = teams::find(pool, team_name)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no team named '{team_name}'.")))?;
    if let LogReader::Member(actor) = reader {
        teams::authorize(pool, actor, &team, Role::Member, "see what the staff did").await?;
    }
    Ok(sqlx::query_as(
        "SELECT actor, action, subject, reason, created_at FROM moderation_log \
         WHERE team_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(&team.id)
    .bind(LOG_PAGE)
    .fetch_all(pool)
    .await?)
}

/// The user named `username`; `404` when there is none.
async fn user_named(pool: &Pool, username: &str) -> Result<User, AppError> {
    sqlx::query_as("SELECT id, username, display_name, created_at FROM users WHERE username = $1")
        .bind(username.trim().to_lowercase())
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no user named {username}.")))
}

/// Gives `username` the site role `role` (admins, and the command line), replacing any other.
pub async fn grant(
    pool: &Pool,
    staff: &Staff,
    username: &str,
    role: SiteRole,
    now: i64,
) -> Result<(), AppError> {
    let user = role_target(pool, staff, username).await?;
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO site_roles (user_id, role, granted_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET role = excluded.role, granted_at = excluded.granted_at",
    )
    .bind(&user.id)
    .bind(role.as_str())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let subject = format!("user {}", user.username);
    record(
        &mut *tx,
        staff,
        "grant-role",
        &subject,
        None,
        role.as_str(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Takes `username`'s site role away (admins, and the command line). Returns whether they had one.
pub async fn revoke(
    pool: &Pool,
    staff: &Staff,
    username: &str,
    now: i64,
) -> Result<bool, AppError> {
    let user = role_target(pool, staff, username).await?;
    let mut tx = pool.begin().await?;
    let removed = sqlx::query("DELETE FROM site_roles WHERE user_id = $1")
        .bind(&user.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed > 0 {
        let subject = format!("user {}", user.username);
        record(&mut *tx, staff, "revoke-role", &subject, None, "", now).await?;
    }
    tx.commit().await?;
    Ok(removed > 0)
}

/// The user `username`, whose site role `staff` may change: admins (and the command line) change
/// anyone's but their own.
async fn role_target(pool: &Pool, staff: &Staff, username: &str) -> Result<User, AppError> {
    if staff.role() < SiteRole::Admin {
        return Err(AppError::forbidden("Only the store's admins may do this."));
    }
    let user = user_named(pool, username).await?;
    if staff.is(&user.id) {
        return Err(AppError::forbidden(
            "Admins cannot change their own role: another admin, or the command line, can.",
        ));
    }
    Ok(user)
}

/// The suspension of `user_id` in force at `now`, if any.
pub async fn active_suspension(
    pool: &Pool,
    user_id: &str,
    now: i64,
) -> Result<Option<Suspension>, AppError> {
    let row: Option<(String, Option<i64>)> = sqlx::query_as(
        "SELECT reason, ends_at FROM suspensions \
         WHERE user_id = $1 AND (ends_at IS NULL OR ends_at > $2)",
    )
    .bind(user_id)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(reason, ends_at)| Suspension { reason, ends_at }))
}

/// The sentence a suspended account is told: why, and until when.
pub fn suspension_message(suspension: &Suspension) -> String {
    match suspension.ends_at {
        Some(ends_at) => format!(
            "This account is suspended until {}: {}",
            format_date(ends_at),
            suspension.reason
        ),
        None => format!("This account is suspended: {}", suspension.reason),
    }
}

/// The error a suspended account gets: `401 account-suspended`.
pub fn suspended(suspension: &Suspension) -> AppError {
    AppError::Unauthorized {
        code: ErrorCode::AccountSuspended,
        message: suspension_message(suspension),
    }
}

/// Suspends `username` until `ends_at` (`None`: for good), with a reason the account is told. Its
/// sessions end at once and its tokens stop working; its resources stay up. Moderators suspend
/// users without a site role; admins suspend moderators too; nobody suspends an admin (revoke the
/// role first) or themselves.
pub async fn suspend(
    pool: &Pool,
    staff: &Staff,
    username: &str,
    reason: &str,
    ends_at: Option<i64>,
    now: i64,
) -> Result<Suspension, AppError> {
    let reason = check_reason(reason, true)?;
    if ends_at.is_some_and(|ends_at| ends_at <= now) {
        return Err(AppError::field(
            ErrorCode::InvalidExpiry,
            "ends_at",
            "A suspension ends in the future (leave the end out to suspend for good).",
        ));
    }
    let user = suspendable(pool, staff, username).await?;
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO suspensions (user_id, reason, ends_at, suspended_by, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE SET reason = excluded.reason, \
         ends_at = excluded.ends_at, suspended_by = excluded.suspended_by, \
         created_at = excluded.created_at",
    )
    .bind(&user.id)
    .bind(&reason)
    .bind(ends_at)
    .bind(staff.name())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(&user.id)
        .execute(&mut *tx)
        .await?;
    let until = ends_at.map_or_else(
        || "for good".to_string(),
        |t| format!("until {}", format_date(t)),
    );
    let subject = format!("user {}", user.username);
    let line = format!("{until}: {reason}");
    record(&mut *tx, staff, "suspend", &subject, None, &line, now).await?;
    tx.commit().await?;
    Ok(Suspension { reason, ends_at })
}

/// The user `username`, when `staff` may suspend them or lift their suspension: moderators act
/// on users without a site role, admins on moderators too; nobody on an admin or themselves.
async fn suspendable(pool: &Pool, staff: &Staff, username: &str) -> Result<User, AppError> {
    let user = user_named(pool, username).await?;
    if staff.is(&user.id) {
        return Err(AppError::forbidden(
            "Staff cannot suspend themselves or lift their own suspension.",
        ));
    }
    match crate::access::site_role(pool, &user.id).await? {
        Some(SiteRole::Admin) => Err(AppError::forbidden(
            "Admins cannot be suspended: take the admin role away first.",
        )),
        Some(SiteRole::Moderator) if staff.role() < SiteRole::Admin => Err(AppError::forbidden(
            "Only the store's admins may suspend a moderator or lift their suspension.",
        )),
        _ => Ok(user),
    }
}

/// Lifts `username`'s suspension (the same staff who may suspend them). Returns whether there
/// was one.
pub async fn lift_suspension(
    pool: &Pool,
    staff: &Staff,
    username: &str,
    reason: &str,
    now: i64,
) -> Result<bool, AppError> {
    let reason = check_reason(reason, false)?;
    let user = suspendable(pool, staff, username).await?;
    let mut tx = pool.begin().await?;
    let lifted = sqlx::query("DELETE FROM suspensions WHERE user_id = $1")
        .bind(&user.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if lifted > 0 {
        let subject = format!("user {}", user.username);
        record(
            &mut *tx,
            staff,
            "lift-suspension",
            &subject,
            None,
            &reason,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(lifted > 0)
}

/// Takes a resource down (`Some`) or restores it (`None`, with `reason` saying why). A resource
/// taken down is in no listing and no search, and its pages, releases and downloads answer `410`
/// (`451` for legal reasons) with the reason to everyone but its team and the staff. Its files
/// are kept.
pub async fn set_resource_takedown(
    pool: &Pool,
    staff: &Staff,
    resource: &Resource,
    takedown: Option<&Takedown>,
    reason: &str,
    now: i64,
) -> Result<(), AppError> {
    let reason = check_reason(reason, takedown.is_some())?;
    let mut tx = pool.begin().await?;
    // Restoring what is not taken down changes nothing, and logs nothing.
    let only_if_down = if takedown.is_none() {
        " AND takedown IS NOT NULL"
    } else {
        ""
    };
    let changed = sqlx::query(&format!(
        "UPDATE resources SET takedown = $1, takedown_reason = $2 WHERE id = $3{only_if_down}"
    ))
    .bind(takedown.map(|t| t.kind.as_str()))
    .bind(takedown.map(|_| reason.as_str()))
    .bind(&resource.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Ok(());
    }
    let subject = format!("{}/{}", path_of_kind(resource.kind), resource.name);
    let action = takedown_action(takedown);
    let team = Some(resource.team_id.as_str());
    record(&mut *tx, staff, action, &subject, team, &reason, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes down (`Some`) or restores (`None`) the resource, or its release `version` when given:
/// [`set_release_takedown`] or [`set_resource_takedown`].
#[allow(clippy::too_many_arguments)]
pub async fn set_takedown(
    pool: &Pool,
    staff: &Staff,
    resource: &Resource,
    version: Option<&str>,
    takedown: Option<&Takedown>,
    reason: &str,
    now: i64,
) -> Result<(), AppError> {
    match version {
        Some(version) => {
            set_release_takedown(pool, staff, resource, version, takedown, reason, now).await
        }
        None => set_resource_takedown(pool, staff, resource, takedown, reason, now).await,
    }
}

/// The log's name for taking down (`Some`) or restoring (`None`).
fn takedown_action(takedown: Option<&Takedown>) -> &'static str {
    match takedown.map(|t| t.kind) {
        Some(TakedownKind::Gone) => "takedown",
        Some(TakedownKind::Legal) => "legal-takedown",
        None => "restore",
    }
}

/// Takes one release down (`Some`) or restores it (`None`): hidden from its resource's release
/// list, never the latest, and `410` (`451`) with the reason for everyone but the team and the
/// staff. `404` when the resource has no release `version`.
pub async fn set_release_takedown(
    pool: &Pool,
    staff: &Staff,
    resource: &Resource,
    version: &str,
    takedown: Option<&Takedown>,
    reason: &str,
    now: i64,
) -> Result<(), AppError> {
    let reason = check_reason(reason, takedown.is_some())?;
    let mut tx = pool.begin().await?;
    let exists: Option<(Option<String>,)> =
        sqlx::query_as("SELECT takedown FROM releases WHERE resource_id = $1 AND version = $2")
            .bind(&resource.id)
            .bind(version)
            .fetch_optional(&mut *tx)
            .await?;
    match exists {
        None => {
            return Err(AppError::NotFound(format!(
                "{} has no release {version}.",
                resource.name
            )))
        }
        // Restoring what is not taken down changes nothing, and logs nothing.
        Some((None,)) if takedown.is_none() => return Ok(()),
        Some(_) => {}
    }
    sqlx::query(
        "UPDATE releases SET takedown = $1, takedown_reason = $2 \
         WHERE resource_id = $3 AND version = $4",
    )
    .bind(takedown.map(|t| t.kind.as_str()))
    .bind(takedown.map(|_| reason.as_str()))
    .bind(&resource.id)
    .bind(version)
    .execute(&mut *tx)
    .await?;
    let subject = format!(
        "{}/{} {version}",
        path_of_kind(resource.kind),
        resource.name
    );
    let action = takedown_action(takedown);
    let team = Some(resource.team_id.as_str());
    record(&mut *tx, staff, action, &subject, team, &reason, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Most rows of each kind that [`recent_uploads`] and [`search`] return.
pub const STAFF_LIST_MAX: i64 = 30;

/// The newest releases of the whole store, drafts and taken-down ones included, for the staff.
pub async fn recent_uploads(pool: &Pool) -> Result<Vec<RecentUpload>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(try_from = "crate::db::Text<Kind>")]
        kind: Kind,
        name: String,
        team: String,
        version: String,
        state: String,
        uploaded_by: String,
        created_at: i64,
        taken_down: i64,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT r.kind, r.name, t.name AS team, l.version, l.state, l.uploaded_by, l.created_at, \
         CAST(CASE WHEN l.takedown IS NOT NULL OR r.takedown IS NOT NULL THEN 1 ELSE 0 END AS BIGINT) \
         AS taken_down \
         FROM releases l JOIN resources r ON r.id = l.resource_id JOIN teams t ON t.id = r.team_id \
         ORDER BY l.created_at DESC, l.id DESC LIMIT $1",
    )
    .bind(STAFF_LIST_MAX)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| RecentUpload {
            kind: path_of_kind(row.kind).to_string(),
            resource: row.name,
            team: row.team,
            version: row.version,
            state: row.state,
            uploaded_by: row.uploaded_by,
            created_at: row.created_at,
            taken_down: row.taken_down != 0,
        })
        .collect())
}

/// The users, teams and resources (taken-down ones included) whose name starts with `query`, or
/// whose display name or title contains it, for the staff; nothing for a blank query.
pub async fn search(pool: &Pool, query: &str, now: i64) -> Result<StaffSearch, AppError> {
    let query = query.trim().to_lowercase();
    if query.is_empty() {
        return Ok(StaffSearch::default());
    }
    // The query is matched literally: LIKE's wildcards are escaped.
    let literal: String = query
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let (prefix, inside) = (format!("{literal}%"), format!("%{literal}%"));
    #[derive(sqlx::FromRow)]
    struct UserRow {
        username: String,
        display_name: String,
        role: Option<SiteRole>,
        suspended: i64,
    }
    let users: Vec<UserRow> = sqlx::query_as(
        "SELECT u.username, u.display_name, s.role, \
         CAST(CASE WHEN EXISTS (SELECT 1 FROM suspensions p WHERE p.user_id = u.id \
                 AND (p.ends_at IS NULL OR p.ends_at > $3)) THEN 1 ELSE 0 END AS BIGINT) AS suspended \
         FROM users u LEFT JOIN site_roles s ON s.user_id = u.id \
         WHERE u.username LIKE $1 ESCAPE '\\' OR LOWER(u.display_name) LIKE $2 ESCAPE '\\' \
         ORDER BY u.username LIMIT $4",
    )
    .bind(&prefix)
    .bind(&inside)
    .bind(now)
    .bind(STAFF_LIST_MAX)
    .fetch_all(pool)
    .await?;
    let teams: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, title FROM teams \
         WHERE name LIKE $1 ESCAPE '\\' OR LOWER(title) LIKE $2 ESCAPE '\\' ORDER BY name LIMIT $3",
    )
    .bind(&prefix)
    .bind(&inside)
    .bind(STAFF_LIST_MAX)
    .fetch_all(pool)
    .await?;
    #[derive(sqlx::FromRow)]
    struct ResourceRow {
        #[sqlx(try_from = "crate::db::Text<Kind>")]
        kind: Kind,
        name: String,
        title: String,
        team: String,
        taken_down: i64,
    }
    let resources: Vec<ResourceRow> = sqlx::query_as(
        "SELECT r.kind, r.name, r.title, t.name AS team, \
         CAST(CASE WHEN r.takedown IS NOT NULL THEN 1 ELSE 0 END AS BIGINT) AS taken_down \
         FROM resources r JOIN teams t ON t.id = r.team_id \
         WHERE r.name LIKE $1 ESCAPE '\\' OR LOWER(r.title) LIKE $2 ESCAPE '\\' \
         ORDER BY r.name, r.kind LIMIT $3",
    )
    .bind(&prefix)
    .bind(&inside)
    .bind(STAFF_LIST_MAX)
    .fetch_all(pool)
    .await?;
    Ok(StaffSearch {
        users: users
            .into_iter()
            .map(|u| FoundUser {
                username: u.username,
                display_name: u.display_name,
                site_role: u.role,
                suspended: u.suspended != 0,
            })
            .collect(),
        teams: teams
            .into_iter()
            .map(|(name, title)| FoundTeam { name, title })
            .collect(),
        resources: resources
            .into_iter()
            .map(|r| FoundResource {
                kind: path_of_kind(r.kind).to_string(),
                name: r.name,
                title: r.title,
                team: r.team,
                taken_down: r.taken_down != 0,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_required_and_bounded() {
        assert_eq!(check_reason("  malware \n", true).unwrap(), "malware");
        assert_eq!(
            check_reason(" \n", true).unwrap_err().body().code,
            ErrorCode::InvalidReason
        );
        assert_eq!(check_reason(" \n", false).unwrap(), "");
        assert!(check_reason(&"x".repeat(REASON_MAX), true).is_ok());
        assert!(check_reason(&"x".repeat(REASON_MAX + 1), false).is_err());
    }

    #[test]
    fn suspended_accounts_are_told_why_and_until_when() {
        let until = suspension_message(&Suspension {
            reason: "spam".into(),
            ends_at: Some(1_800_000_000),
        });
        assert!(
            until.contains("until 2027-01-15") && until.ends_with(": spam"),
            "{until}"
        );
        let for_good = suspension_message(&Suspension {
            reason: "malware".into(),
            ends_at: None,
        });
        assert_eq!(for_good, "This account is suspended: malware");
    }
}
