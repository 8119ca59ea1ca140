//! Team services: creation, information, members and roles, with the permission rules and the
//! audit log. Every function takes the acting user; HTTP handlers and server functions only
//! translate.

use super::{
    check_description, check_name, check_title, AuditEntry, Invitation, Member, MyTeam, Role,
    TeamDetails,
};
/// Who is acting: defined by the access policy, re-exported here beside the services that take it.
pub use crate::access::Actor;
use crate::accounts::user::User;
use crate::db::{conflict_on_unique, new_id, Pool};
use crate::error::{AppError, ErrorCode};
use crate::markdown::{self, StoredColumn};

// Roles are read from their names (an unknown name is an error, never dropped or defaulted).
crate::db::text_columns!(Role);

/// A team row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub title: String,
    pub description: String,
    pub created_at: i64,
}

/// What a new team needs.
#[derive(Debug, Clone)]
pub struct NewTeam {
    pub name: String,
    pub title: String,
    pub description: String,
}

/// Changes to a team's information; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct TeamUpdate {
    pub title: Option<String>,
    pub description: Option<String>,
}

fn not_found(name: &str) -> AppError {
    AppError::NotFound(format!("There is no team named '{name}'."))
}

/// A team by name.
pub async fn find(pool: &Pool, name: &str) -> Result<Option<Team>, AppError> {
    Ok(sqlx::query_as::<_, Team>(
        "SELECT id, name, title, description, created_at FROM teams WHERE name = $1",
    )
    .bind(name)
    .fetch_optional(pool)
    .await?)
}

/// A team by id.
pub async fn find_by_id(pool: &Pool, id: &str) -> Result<Option<Team>, AppError> {
    Ok(sqlx::query_as::<_, Team>(
        "SELECT id, name, title, description, created_at FROM teams WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?)
}

async fn find_or_404(pool: &Pool, name: &str) -> Result<Team, AppError> {
    find(pool, name).await?.ok_or_else(|| not_found(name))
}

/// A user's role in a team, if a member.
pub async fn role_of(pool: &Pool, team_id: &str, user_id: &str) -> Result<Option<Role>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT role FROM team_members WHERE team_id = $1 AND user_id = $2")
            .bind(team_id)
            .bind(user_id)
            .fetch_optional(pool)
            .await?,
    )
}

/// Checks that the actor may act on `team` with at least `needed`, and returns their role.
pub async fn authorize(
    pool: &Pool,
    actor: Actor<'_>,
    team: &Team,
    needed: Role,
    what: &str,
) -> Result<Role, AppError> {
    if !actor.may_act_in(&team.id) {
        return Err(AppError::Forbidden {
            code: ErrorCode::TokenTeamRestricted,
            message: format!(
                "This token is restricted to another team; it cannot {what} in '{}'.",
                team.name
            ),
        });
    }
    match role_of(pool, &team.id, &actor.user.id).await? {
        Some(role) if role >= needed => Ok(role),
        Some(role) => Err(AppError::forbidden(format!(
            "Only a team {} or above can {what}; you are a {} of '{}'.",
            needed.as_str(),
            role.as_str(),
            team.name
        ))),
        None => Err(AppError::forbidden(format!(
            "Only members of '{}' can {what}.",
            team.name
        ))),
    }
}

/// Writes a line of the team's audit log, through `executor` (the pool, or a transaction that
/// makes the change it records).
pub(crate) async fn audit<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    team_id: &str,
    actor: &User,
    action: &str,
    subject: Option<&str>,
    detail: Option<&str>,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO team_audit (id, team_id, actor, action, subject, detail, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(new_id())
    .bind(team_id)
    .bind(&actor.username)
    .bind(action)
    .bind(subject)
    .bind(detail)
    .bind(now)
    .execute(executor)
    .await?;
    Ok(())
}

/// Creates a team; its creator becomes its owner.
pub async fn create(
    pool: &Pool,
    actor: Actor<'_>,
    new: NewTeam,
    now: i64,
) -> Result<Team, AppError> {
    if actor.is_team_restricted() {
        return Err(AppError::Forbidden {
            code: ErrorCode::TokenTeamRestricted,
            message: "This token is restricted to one team; it cannot create teams.".into(),
        });
    }
    let name = new.name.trim().to_string();
    check_name(&name).map_err(|m| AppError::field(ErrorCode::InvalidTeamName, "name", m))?;
    check_title(&new.title).map_err(|m| AppError::field(ErrorCode::InvalidTitle, "title", m))?;
    check_description(&new.description)
        .map_err(|m| AppError::field(ErrorCode::InvalidDescription, "description", m))?;
    let description_html = markdown::render_field(
        &new.description,
        ErrorCode::InvalidDescription,
        "description",
    )
    .await?;
    let team = Team {
        id: new_id(),
        name,
        title: new.title.trim().to_string(),
        description: new.description,
        created_at: now,
    };
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO teams (id, name, title, description, description_html, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&team.id)
    .bind(&team.name)
    .bind(&team.title)
    .bind(&team.description)
    .bind(&description_html)
    .bind(team.created_at)
    .execute(&mut *tx)
    .await
    .map_err(|e| {
        conflict_on_unique(e, || AppError::Conflict {
            code: ErrorCode::TeamNameTaken,
            field: Some("name"),
            message: format!("The team name '{}' is taken. Pick another.", team.name),
        })
    })?;
    sqlx::query(
        "INSERT INTO team_members (team_id, user_id, role, added_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&team.id)
    .bind(&actor.user.id)
    .bind(Role::Owner.as_str())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    audit(
        pool,
        &team.id,
        actor.user,
        "created the team",
        None,
        None,
        now,
    )
    .await?;
    Ok(team)
}

/// A team with its members, by name.
pub async fn details(pool: &Pool, name: &str) -> Result<TeamDetails, AppError> {
    let team = find_or_404(pool, name).await?;
    let mut members: Vec<Member> = sqlx::query_as(
        "SELECT u.username, u.display_name, m.role FROM team_members m \
         JOIN users u ON u.id = m.user_id WHERE m.team_id = $1 ORDER BY u.username",
    )
    .bind(&team.id)
    .fetch_all(pool)
    .await?;
    members.sort_by(|a, b| b.role.cmp(&a.role).then(a.username.cmp(&b.username)));
    Ok(TeamDetails {
        name: team.name,
        title: team.title,
        description: team.description,
        created_at: team.created_at,
        members,
    })
}

/// A team's description as written and as rendered when it was saved.
#[derive(sqlx::FromRow)]
struct TeamDescription {
    id: String,
    description: String,
    description_html: Option<String>,
}

/// A team's description as safe HTML, by team name (rendered when it was saved).
pub async fn description_html(pool: &Pool, name: &str) -> Result<String, AppError> {
    let row: TeamDescription =
        sqlx::query_as("SELECT id, description, description_html FROM teams WHERE name = $1")
            .bind(name)
            .fetch_optional(pool)
            .await?
            .ok_or_else(|| not_found(name))?;
    markdown::stored_html(
        pool,
        StoredColumn::TeamDescription,
        &row.id,
        &row.description,
        row.description_html,
    )
    .await
}

/// The teams a user belongs to, with their role.
pub async fn user_teams(pool: &Pool, user_id: &str) -> Result<Vec<MyTeam>, AppError> {
    Ok(sqlx::query_as(
        "SELECT t.name, t.title, m.role FROM team_members m JOIN teams t ON t.id = m.team_id \
         WHERE m.user_id = $1 ORDER BY t.name",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?)
}

/// Edits a team's title and description (admin or above).
pub async fn update(
    pool: &Pool,
    actor: Actor<'_>,
    name: &str,
    changes: TeamUpdate,
    now: i64,
) -> Result<(), AppError> {
    let team = find_or_404(pool, name).await?;
    authorize(
        pool,
        actor,
        &team,
        Role::Admin,
        "edit the team's information",
    )
    .await?;
    let title = changes.title.unwrap_or(team.title);
    let description = changes.description.unwrap_or(team.description);
    check_title(&title).map_err(|m| AppError::field(ErrorCode::InvalidTitle, "title", m))?;
    check_description(&description)
        .map_err(|m| AppError::field(ErrorCode::InvalidDescription, "description", m))?;
    let description_html =
        markdown::render_field(&description, ErrorCode::InvalidDescription, "description").await?;
    sqlx::query(
        "UPDATE teams SET title = $1, description = $2, description_html = $3 WHERE id = $4",
    )
    .bind(title.trim())
    .bind(&description)
    .bind(&description_html)
    .bind(&team.id)
    .execute(pool)
    .await?;
    audit(
        pool,
        &team.id,
        actor.user,
        "edited the team's information",
        None,
        None,
        now,
    )
    .await
}

/// The roles an actor with `own` role may hand out or take away.
fn may_manage(own: Role, other: Role) -> bool {
    own == Role::Owner || (own == Role::Admin && other < Role::Admin)
}

/// A member's user id and role, or `404` when `username` is not in the team.
async fn member(pool: &Pool, team: &Team, username: &str) -> Result<(String, Role), AppError> {
    let not_member =
        || AppError::NotFound(format!("{username} is not a member of '{}'.", team.name));
    let user_id = user_id_by_name(pool, username)
        .await?
        .ok_or_else(not_member)?;
    let role = role_of(pool, &team.id, &user_id)
        .await?
        .ok_or_else(not_member)?;
    Ok((user_id, role))
}

async fn user_id_by_name(pool: &Pool, username: &str) -> Result<Option<String>, AppError> {
    let row: Option<(String,)> = sqlx::query_as("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|(id,)| id))
}

/// Adds a user to a team with `role` at once, without asking them: for the store's own set-up
/// and tests. Pages and the API invite instead ([`invite`]), and membership starts when the
/// invited user accepts ([`accept_invitation`]). Admins add developers and members; owners anyone.
pub async fn add_member(
    pool: &Pool,
    actor: Actor<'_>,
    team_name: &str,
    username: &str,
    role: Role,
    now: i64,
) -> Result<(), AppError> {
    let team = find_or_404(pool, team_name).await?;
    let own = authorize(pool, actor, &team, Role::Admin, "add members").await?;
    if !may_manage(own, role) {
        return Err(AppError::forbidden(format!(
            "Only an owner can add an {}.",
            role.as_str()
        )));
    }
    let username = username.trim().to_lowercase();
    let user_id = existing_user(pool, &username).await?;
    sqlx::query(
        "INSERT INTO team_members (team_id, user_id, role, added_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&team.id)
    .bind(&user_id)
    .bind(role.as_str())
    .bind(now)
    .execute(pool)
    .await
    .map_err(|e| conflict_on_unique(e, || already_member(&username, &team)))?;
    audit(
        pool,
        &team.id,
        actor.user,
        "added",
        Some(&username),
        Some(&format!("as {}", role.as_str())),
        now,
    )
    .await
}

fn already_member(username: &str, team: &Team) -> AppError {
    AppError::Conflict {
        code: ErrorCode::AlreadyMember,
        field: Some("username"),
        message: format!("{username} is already a member of '{}'.", team.name),
    }
}

/// The id of the user `username`, or an error beside the username field.
async fn existing_user(pool: &Pool, username: &str) -> Result<String, AppError> {
    user_id_by_name(pool, username).await?.ok_or_else(|| {
        AppError::field(
            ErrorCode::UnknownUser,
            "username",
            format!("There is no user named '{username}'."),
        )
    })
}

/// Invites a user to join a team with `role`; they become a member only when they accept.
/// Admins invite developers and members; owners invite anyone. Recorded in the audit log.
pub async fn invite(
    pool: &Pool,
    actor: Actor<'_>,
    team_name: &str,
    username: &str,
    role: Role,
    now: i64,
) -> Result<Invitation, AppError> {
    let team = find_or_404(pool, team_name).await?;
    let own = authorize(pool, actor, &team, Role::Admin, "invite members").await?;
    if !may_manage(own, role) {
        return Err(AppError::forbidden(format!(
            "Only an owner can invite an {}.",
            role.as_str()
        )));
    }
    let username = username.trim().to_lowercase();
    let user_id = existing_user(pool, &username).await?;
    if role_of(pool, &team.id, &user_id).await?.is_some() {
        return Err(already_member(&username, &team));
    }
    sqlx::query(
        "INSERT INTO team_invitations (team_id, user_id, role, invited_by, created_at)          VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&team.id)
    .bind(&user_id)
    .bind(role.as_str())
    .bind(&actor.user.username)
    .bind(now)
    .execute(pool)
    .await
    .map_err(|e| {
        conflict_on_unique(e, || AppError::Conflict {
            code: ErrorCode::AlreadyInvited,
            field: Some("username"),
            message: format!(
                "{username} already has an invitation to '{}'. Withdraw it first to invite them with another role.",
                team.name
            ),
        })
    })?;
    audit(
        pool,
        &team.id,
        actor.user,
        "invited",
        Some(&username),
        Some(&format!("as {}", role.as_str())),
        now,
    )
    .await?;
    Ok(Invitation {
        team: team.name,
        team_title: team.title,
        username,
        role,
        invited_by: actor.user.username.clone(),
        created_at: now,
    })
}

/// The columns of an [`Invitation`], with the tables they come from.
const INVITATION_COLUMNS: &str =
    "t.name AS team, t.title AS team_title, u.username, i.role, i.invited_by, i.created_at \
     FROM team_invitations i JOIN teams t ON t.id = i.team_id JOIN users u ON u.id = i.user_id";

/// The invitations waiting for a user's answer, oldest first.
pub async fn user_invitations(pool: &Pool, user_id: &str) -> Result<Vec<Invitation>, AppError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {INVITATION_COLUMNS} WHERE i.user_id = $1 ORDER BY i.created_at, t.name"
    ))
    .bind(user_id)
    .fetch_all(pool)
    .await?)
}

/// A team's pending invitations (admin or above), oldest first.
pub async fn team_invitations(
    pool: &Pool,
    actor: Actor<'_>,
    team_name: &str,
) -> Result<Vec<Invitation>, AppError> {
    let team = find_or_404(pool, team_name).await?;
    authorize(pool, actor, &team, Role::Admin, "see invitations").await?;
    Ok(sqlx::query_as(&format!(
        "SELECT {INVITATION_COLUMNS} WHERE i.team_id = $1 ORDER BY i.created_at, u.username"
    ))
    .bind(&team.id)
    .fetch_all(pool)
    .await?)
}

fn no_invitation(team: &str) -> AppError {
    AppError::NotFound(format!(
        "You have no invitation to join '{team}'. It may have been withdrawn."
    ))
}

/// The invited user accepts: they become a member with the invited role. The credential must be
/// allowed to act in that team (a token restricted to another team is not).
pub async fn accept_invitation(
    pool: &Pool,
    actor: Actor<'_>,
    team_name: &str,
    now: i64,
) -> Result<MyTeam, AppError> {
    let team = find(pool, team_name)
        .await?
        .ok_or_else(|| no_invitation(team_name))?;
    if !actor.may_act_in(&team.id) {
        return Err(restricted_elsewhere(&team, "join it"));
    }
    let mut tx = pool.begin().await?;
    let row: Option<(Role, String)> = sqlx::query_as(
        "DELETE FROM team_invitations WHERE team_id = $1 AND user_id = $2 RETURNING role, invited_by",
    )
    .bind(&team.id)
    .bind(&actor.user.id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((role, invited_by)) = row else {
        return Err(no_invitation(team_name));
    };
    sqlx::query(
        "INSERT INTO team_members (team_id, user_id, role, added_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&team.id)
    .bind(&actor.user.id)
    .bind(role.as_str())
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(|e| conflict_on_unique(e, || already_member(&actor.user.username, &team)))?;
    tx.commit().await?;
    audit(
        pool,
        &team.id,
        actor.user,
        "accepted the invitation and joined",
        None,
        Some(&format!("as {} (invited by {invited_by})", role.as_str())),
        now,
    )
    .await?;
    Ok(MyTeam {
        name: team.name,
        title: team.title,
        role,
    })
}

/// The invited user declines: the invitation is removed, and the audit log says so.
pub async fn decline_invitation(
    pool: &Pool,
    actor: Actor<'_>,
    team_name: &str,
    now: i64,
) -> Result<(), AppError> {
    let team = find(pool, team_name)
        .await?
        .ok_or_else(|| no_invitation(team_name))?;
    if !actor.may_act_in(&team.id) {
        return Err(restricted_elsewhere(&team, "decline its invitation"));
    }
    let removed = sqlx::query("DELETE FROM team_invitations WHERE team_id = $1 AND user_id = $2")
        .bind(&team.id)
        .bind(&actor.user.id)
        .execute(pool)
        .await?;
    if removed.rows_affected() == 0 {
        return Err(no_invitation(team_name));
    }
    audit(
        pool,
        &team.id,
        actor.user,
        "declined the invitation",
        None,
        None,
        now,
    )
    .await
}

/// A team admin withdraws a pending invitation (owners any; admins those for developers and
/// members).
pub async fn withdraw_invitation(
    pool: &Pool,
    actor: Actor<'_>,
    team_name: &str,
    username: &str,
    now: i64,
) -> Result<(), AppError> {
    let team = find_or_404(pool, team_name).await?;
    let own = authorize(pool, actor, &team, Role::Admin, "withdraw invitations").await?;
    let not_invited =
        || AppError::NotFound(format!("{username} has no invitation to '{}'.", team.name));
    let user_id = user_id_by_name(pool, username)
        .await?
        .ok_or_else(not_invited)?;
    let role: Role =
        sqlx::query_scalar("SELECT role FROM team_invitations WHERE team_id = $1 AND user_id = $2")
            .bind(&team.id)
            .bind(&user_id)
            .fetch_optional(pool)
            .await?
            .ok_or_else(not_invited)?;
    if !may_manage(own, role) {
        return Err(AppError::forbidden(
            "Only an owner can withdraw an invitation to become an admin or owner.",
        ));
    }
    sqlx::query("DELETE FROM team_invitations WHERE team_id = $1 AND user_id = $2")
        .bind(&team.id)
        .bind(&user_id)
        .execute(pool)
        .await?;
    audit(
        pool,
        &team.id,
        actor.user,
        "withdrew the invitation of",
        Some(username),
        None,
        now,
    )
    .await
}

fn restricted_elsewhere(team: &Team, what: &str) -> AppError {
    AppError::Forbidden {
        code: ErrorCode::TokenTeamRestricted,
        message: format!(
            "This token is restricted to another team; it cannot {what} for '{}'.",
            team.name
        ),
    }
}

fn last_owner(team: &Team) -> AppError {
    AppError::Conflict {
        code: ErrorCode::LastOwner,
        field: None,
        message: format!(
            "'{}' must keep at least one owner. Make someone else an owner first.",
            team.name
        ),
    }
}

/// Changes a member's role, keeping at least one owner.
pub async fn change_role(
    pool: &Pool,
    actor: Actor<'_>,
    team_name: &str,
    username: &str,
    role: Role,
    now: i64,
) -> Result<(), AppError> {
    let team = find_or_404(pool, team_name).await?;
    let own = authorize(pool, actor, &team, Role::Admin, "change roles").await?;
    let (user_id, current) = member(pool, &team, username).await?;
    if !may_manage(own, current) || !may_manage(own, role) {
        return Err(AppError::forbidden(
            "Only an owner can change the role of an admin or owner, or make someone an admin or owner.",
        ));
    }
    // One statement, so that the last owner cannot be demoted by two requests at once.
    let changed = sqlx::query(
        "UPDATE team_members SET role = $1 WHERE team_id = $2 AND user_id = $3 \
         AND ($1 = 'owner' OR role <> 'owner' OR \
              (SELECT COUNT(*) FROM team_members WHERE team_id = $2 AND role = 'owner') > 1)",
    )
    .bind(role.as_str())
    .bind(&team.id)
    .bind(&user_id)
    .execute(pool)
    .await?;
    if changed.rows_affected() == 0 {
        return Err(last_owner(&team));
    }
    audit(
        pool,
        &team.id,
        actor.user,
        "changed the role of",
        Some(username),
        Some(&format!("from {} to {}", current.as_str(), role.as_str())),
        now,
    )
    .await
}

/// Removes a member; a member removing themselves leaves. The last owner cannot go.
pub async fn remove_member(
    pool: &Pool,
    actor: Actor<'_>,
    team_name: &str,
    username: &str,
    now: i64,
) -> Result<(), AppError> {
    let team = find_or_404(pool, team_name).await?;
    let leaving = username == actor.user.username;
    let own = authorize(
        pool,
        actor,
        &team,
        if leaving { Role::Member } else { Role::Admin },
        if leaving {
            "leave the team"
        } else {
            "remove members"
        },
    )
    .await?;
    let (user_id, current) = member(pool, &team, username).await?;
    if !leaving && !may_manage(own, current) {
        return Err(AppError::forbidden(
            "Only an owner can remove an admin or owner.",
        ));
    }
    let removed = sqlx::query(
        "DELETE FROM team_members WHERE team_id = $1 AND user_id = $2 \
         AND (role <> 'owner' OR \
              (SELECT COUNT(*) FROM team_members WHERE team_id = $1 AND role = 'owner') > 1)",
    )
    .bind(&team.id)
    .bind(&user_id)
    .execute(pool)
    .await?;
    if removed.rows_affected() == 0 {
        return Err(last_owner(&team));
    }
    if leaving {
        audit(pool, &team.id, actor.user, "left the team", None, None, now).await
    } else {
        audit(
            pool,
            &team.id,
            actor.user,
            "removed",
            Some(username),
            None,
            now,
        )
        .await
    }
}

/// Deletes a team (owners only) that holds no resources.
pub async fn delete(pool: &Pool, actor: Actor<'_>, team_name: &str) -> Result<(), AppError> {
    let team = find_or_404(pool, team_name).await?;
    authorize(pool, actor, &team, Role::Owner, "delete the team").await?;
    let (resources,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM resources WHERE team_id = $1")
        .bind(&team.id)
        .fetch_one(pool)
        .await?;
    if resources > 0 {
        return Err(AppError::Conflict {
            code: ErrorCode::TeamHasResources,
            field: None,
            message: format!(
                "'{}' still holds {resources} resource{}. Move or delete them first.",
                team.name,
                if resources == 1 { "" } else { "s" }
            ),
        });
    }
    sqlx::query("DELETE FROM teams WHERE id = $1")
        .bind(&team.id)
        .execute(pool)
        .await?;
    Ok(())
}

/// The team's audit log, newest first (admin or above).
pub async fn audit_log(
    pool: &Pool,
    actor: Actor<'_>,
    team_name: &str,
) -> Result<Vec<AuditEntry>, AppError> {
    let team = find_or_404(pool, team_name).await?;
    authorize(pool, actor, &team, Role::Admin, "see the audit log").await?;
    Ok(sqlx::query_as::<_, AuditEntry>(
        "SELECT actor, action, subject, detail, created_at FROM team_audit WHERE team_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT 200",
    )
    .bind(&team.id)
    .fetch_all(pool)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_manages_whom() {
        assert!(may_manage(Role::Owner, Role::Owner));
        assert!(may_manage(Role::Owner, Role::Admin));
        assert!(may_manage(Role::Admin, Role::Developer));
        assert!(may_manage(Role::Admin, Role::Member));
        assert!(!may_manage(Role::Admin, Role::Admin));
        assert!(!may_manage(Role::Admin, Role::Owner));
        assert!(!may_manage(Role::Developer, Role::Member));
    }
}
