//! Server functions behind the team pages, at stable URLs under `/api/teams/`.

use leptos::prelude::*;

use super::{AuditEntry, Invitation, MyTeam, TeamPage};
use crate::error::ErrorBody;

#[cfg(feature = "ssr")]
mod server {
    pub use crate::access::Need;
    pub use crate::accounts::session;
    pub use crate::db;
    pub use crate::error::{AppError, ErrorCode};
    pub use crate::form_posts::keep_on_error;
    pub use crate::state::state;
    pub use crate::teams::service;
    pub use crate::teams::Role;
    pub use leptos::server_fn::ServerFn;

    pub fn parse_role(name: &str) -> Result<Role, AppError> {
        Role::parse(name).map_err(|m| AppError::field(ErrorCode::InvalidRole, "role", m))
    }
}

/// The signed-in user's teams.
#[server(prefix = "/api/teams", endpoint = "mine")]
pub async fn my_teams() -> Result<Vec<MyTeam>, ErrorBody> {
    use server::*;
    let state = state()?;
    let caller = session::authorize(&state, Need::Account).await?;
    Ok(service::user_teams(&state.pool, &caller.user().id).await?)
}

/// A team's public page, or `None` when there is no such team.
#[server(prefix = "/api/teams", endpoint = "page")]
pub async fn load_team(name: String) -> Result<Option<TeamPage>, ErrorBody> {
    use server::*;
    let state = state()?;
    let team = match service::details(&state.pool, &name).await {
        Ok(team) => team,
        Err(AppError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let viewer = session::caller(&state).await?;
    let viewer_role = viewer.and_then(|v| {
        team.members
            .iter()
            .find(|m| m.username == v.user().username)
            .map(|m| m.role)
    });
    let resources = crate::resources::service::public_resources(&state.pool, &team.name).await?;
    Ok(Some(TeamPage {
        description_html: service::description_html(&state.pool, &team.name).await?,
        team,
        viewer_role,
        resources,
    }))
}

/// Creates a team owned by the signed-in user; returns its name.
#[server(prefix = "/api/teams", endpoint = "create")]
pub async fn create_team(
    name: String,
    title: String,
    #[server(default)] description: String,
) -> Result<String, ErrorBody> {
    use server::*;
    let state = state()?;
    let caller = session::authorize(&state, Need::Manage).await?;
    let new = service::NewTeam {
        name: name.clone(),
        title: title.clone(),
        description,
    };
    let created = service::create(&state.pool, caller.actor(), new, db::now()).await;
    let keep = [("name", name.as_str()), ("title", title.as_str())];
    let team = keep_on_error(<CreateTeam as ServerFn>::PATH, &keep, created)?;
    Ok(team.name)
}

/// Edits a team's title and description.
#[server(prefix = "/api/teams", endpoint = "update")]
pub async fn update_team(
    team: String,
    title: String,
    description: String,
) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let caller = session::authorize(&state, Need::Manage).await?;
    let changes = service::TeamUpdate {
        title: Some(title),
        description: Some(description),
    };
    Ok(service::update(&state.pool, caller.actor(), &team, changes, db::now()).await?)
}

/// Invites a user to join the team with a role; they become a member when they accept. (At
/// `add-member`, its address from before invitations, which pages and scripts use.)
#[server(prefix = "/api/teams", endpoint = "add-member")]
pub async fn invite_member(
    team: String,
    username: String,
    role: String,
) -> Result<Invitation, ErrorBody> {
    use server::*;
    let state = state()?;
    let caller = session::authorize(&state, Need::Manage).await?;
    let role = parse_role(&role)?;
    let invited = service::invite(
        &state.pool,
        caller.actor(),
        &team,
        &username,
        role,
        db::now(),
    )
    .await;
    keep_on_error(
        <InviteMember as ServerFn>::PATH,
        &[("username", &username)],
        invited,
    )
}

/// The team's pending invitations (admins and owners).
#[server(prefix = "/api/teams", endpoint = "invitations")]
pub async fn team_invitations(team: String) -> Result<Vec<Invitation>, ErrorBody> {
    use server::*;
    let state = state()?;
    let caller = session::authorize(&state, Need::Manage).await?;
    Ok(service::team_invitations(&state.pool, caller.actor(), &team).await?)
}

/// Withdraws a pending invitation (admins and owners).
#[server(prefix = "/api/teams", endpoint = "withdraw-invitation")]
pub async fn withdraw_invitation(team: String, username: String) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let caller = session::authorize(&state, Need::Manage).await?;
    Ok(
        service::withdraw_invitation(&state.pool, caller.actor(), &team, &username, db::now())
            .await?,
    )
}

/// The signed-in user's invitations, waiting for an answer.
#[server(prefix = "/api/teams", endpoint = "my-invitations")]
pub async fn my_invitations() -> Result<Vec<Invitation>, ErrorBody> {
    use server::*;
    let state = state()?;
    let caller = session::authorize(&state, Need::Account).await?;
    Ok(service::user_invitations(&state.pool, &caller.user().id).await?)
}

/// Accepts an invitation: the signed-in user joins the team.
#[server(prefix = "/api/teams", endpoint = "accept-invitation")]
pub async fn accept_invitation(team: String) -> Result<MyTeam, ErrorBody> {
    use server::*;
    let state = state()?;
    let caller = session::authorize(&state, Need::Manage).await?;
    Ok(service::accept_invitation(&state.pool, caller.actor(), &team, db::now()).await?)
}

/// Declines an invitation.
#[server(prefix = "/api/teams", endpoint = "decline-invitation")]
pub async fn decline_invitation(team: String) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let caller = session::authorize(&state, Need::Manage).await?;
    Ok(service::decline_invitation(&state.pool, caller.actor(), &team, db::now()).await?)
}

/// Changes a member's role.
#[server(prefix = "/api/teams", endpoint = "change-role")]
pub async fn change_member_role(
    team: String,
    username: String,
    role: String,
) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let caller = session::authorize(&state, Need::Manage).await?;
    let role = parse_role(&role)?;
    Ok(service::change_role(
        &state.pool,
        caller.actor(),
        &team,
        &username,
        role,
        db::now(),
    )
    .await?)
}

/// Removes a member, or leaves the team when `username` is the signed-in user.
#[server(prefix = "/api/teams", endpoint = "remove-member")]
pub async fn remove_team_member(team: String, username: String) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let caller = session::authorize(&state, Need::Manage).await?;
    Ok(service::remove_member(&state.pool, caller.actor(), &team, &username, db::now()).await?)
}

/// Deletes a team; `confirm` must repeat its name.
#[server(prefix = "/api/teams", endpoint = "delete")]
pub async fn delete_team(team: String, confirm: String) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let caller = session::authorize(&state, Need::Manage).await?;
    if confirm.trim() != team {
        return Err(AppError::field(
            ErrorCode::ConfirmationMismatch,
            "confirm",
            format!("Type the team's name, {team}, to confirm."),
        )
        .into());
    }
    service::delete(&state.pool, caller.actor(), &team).await?;
    leptos_axum::redirect("/teams");
    Ok(())
}

/// The team's audit log.
#[server(prefix = "/api/teams", endpoint = "audit")]
pub async fn team_audit(team: String) -> Result<Vec<AuditEntry>, ErrorBody> {
    use server::*;
    let state = state()?;
    let caller = session::authorize(&state, Need::Manage).await?;
    Ok(service::audit_log(&state.pool, caller.actor(), &team).await?)
}
