//! `/store/v1/teams`: teams and their members.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use super::auth::{Authorized, Manage, ReadAccount};
use super::JsonBody;
use crate::db;
use crate::error::AppError;
use crate::state::AppState;
use crate::teams::service::{self, NewTeam, TeamUpdate};
use crate::teams::{Invitation, MyTeam, Role, TeamDetails};

#[utoipa::path(get, path = "/teams/{name}", tag = "teams", params(("name" = String, Path)),
    responses((status = 200, body = TeamDetails), (status = 404, body = crate::error::ErrorBody)))]
/// `GET /store/v1/teams/{name}`: a team and its members (public).
pub async fn get_team(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<TeamDetails>, AppError> {
    Ok(Json(service::details(&state.pool, &name).await?))
}

#[utoipa::path(get, path = "/user/teams", tag = "teams", security(("token" = []), ("session" = [])),
    responses((status = 200, body = Vec<MyTeam>), (status = 401, body = crate::error::ErrorBody)))]
/// `GET /store/v1/user/teams`: the caller's teams with their role.
pub async fn my_teams(
    State(state): State<AppState>,
    caller: Authorized<ReadAccount>,
) -> Result<Json<Vec<MyTeam>>, AppError> {
    Ok(Json(
        service::user_teams(&state.pool, &caller.user().id).await?,
    ))
}

/// Body of `POST /store/v1/teams`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateTeam {
    pub name: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
}

#[utoipa::path(post, path = "/teams", tag = "teams", security(("token" = ["manage"]), ("session" = [])), request_body = CreateTeam,
    responses((status = 201, body = TeamDetails), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
/// `POST /store/v1/teams`: create a team; the caller becomes its owner.
pub async fn create_team(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    JsonBody(body): JsonBody<CreateTeam>,
) -> Result<(StatusCode, Json<TeamDetails>), AppError> {
    let new = NewTeam {
        name: body.name,
        title: body.title,
        description: body.description,
    };
    let team = service::create(&state.pool, caller.actor(), new, db::now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(service::details(&state.pool, &team.name).await?),
    ))
}

/// Body of `PATCH /store/v1/teams/{name}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UpdateTeam {
    pub title: Option<String>,
    pub description: Option<String>,
}

#[utoipa::path(patch, path = "/teams/{name}", tag = "teams", security(("token" = ["manage"]), ("session" = [])), params(("name" = String, Path)), request_body = UpdateTeam,
    responses((status = 200, body = TeamDetails), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
/// `PATCH /store/v1/teams/{name}`: edit the title or description (admin or above).
pub async fn update_team(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path(name): Path<String>,
    JsonBody(body): JsonBody<UpdateTeam>,
) -> Result<Json<TeamDetails>, AppError> {
    let changes = TeamUpdate {
        title: body.title,
        description: body.description,
    };
    service::update(&state.pool, caller.actor(), &name, changes, db::now()).await?;
    Ok(Json(service::details(&state.pool, &name).await?))
}

#[utoipa::path(delete, path = "/teams/{name}", tag = "teams", security(("token" = ["manage"]), ("session" = [])), params(("name" = String, Path)),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
/// `DELETE /store/v1/teams/{name}`: delete a team without resources (owners).
pub async fn delete_team(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path(name): Path<String>,
) -> Result<StatusCode, AppError> {
    service::delete(&state.pool, caller.actor(), &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `POST /store/v1/teams/{name}/members`: whom to invite, with which role.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AddMember {
    pub username: String,
    pub role: Role,
}

#[utoipa::path(post, path = "/teams/{name}/members", tag = "teams", security(("token" = ["manage"]), ("session" = [])), params(("name" = String, Path)), request_body = AddMember,
    responses((status = 202, description = "The user is invited; they become a member when they accept", body = Invitation), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
/// `POST /store/v1/teams/{name}/members`: invite a user with a role (admins: developers and
/// members; owners: anyone). Membership starts only when the user accepts
/// (`POST /store/v1/user/invitations/{team}/accept`), so the answer is `202 Accepted` with the
/// invitation.
pub async fn add_member(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path(name): Path<String>,
    JsonBody(body): JsonBody<AddMember>,
) -> Result<(StatusCode, Json<Invitation>), AppError> {
    let invitation = service::invite(
        &state.pool,
        caller.actor(),
        &name,
        &body.username,
        body.role,
        db::now(),
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(invitation)))
}

#[utoipa::path(get, path = "/teams/{name}/invitations", tag = "teams", security(("token" = ["manage"]), ("session" = [])), params(("name" = String, Path)),
    responses((status = 200, body = Vec<Invitation>), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
/// `GET /store/v1/teams/{name}/invitations`: the invitations not yet answered (admin or above).
pub async fn team_invitations(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path(name): Path<String>,
) -> Result<Json<Vec<Invitation>>, AppError> {
    Ok(Json(
        service::team_invitations(&state.pool, caller.actor(), &name).await?,
    ))
}

#[utoipa::path(delete, path = "/teams/{name}/invitations/{username}", tag = "teams", security(("token" = ["manage"]), ("session" = [])), params(("name" = String, Path), ("username" = String, Path)),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
/// `DELETE /store/v1/teams/{name}/invitations/{username}`: withdraw an invitation (admin or above).
pub async fn withdraw_invitation(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path((name, username)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    service::withdraw_invitation(&state.pool, caller.actor(), &name, &username, db::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/user/invitations", tag = "teams", security(("token" = []), ("session" = [])),
    responses((status = 200, body = Vec<Invitation>), (status = 401, body = crate::error::ErrorBody)))]
/// `GET /store/v1/user/invitations`: the caller's invitations, waiting for an answer.
pub async fn my_invitations(
    State(state): State<AppState>,
    caller: Authorized<ReadAccount>,
) -> Result<Json<Vec<Invitation>>, AppError> {
    Ok(Json(
        service::user_invitations(&state.pool, &caller.user().id).await?,
    ))
}

#[utoipa::path(post, path = "/user/invitations/{team}/accept", tag = "teams", security(("token" = ["manage"]), ("session" = [])), params(("team" = String, Path)),
    responses((status = 200, description = "The caller is now a member", body = MyTeam), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
/// `POST /store/v1/user/invitations/{team}/accept`: join the team with the invited role.
pub async fn accept_invitation(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path(team): Path<String>,
) -> Result<Json<MyTeam>, AppError> {
    Ok(Json(
        service::accept_invitation(&state.pool, caller.actor(), &team, db::now()).await?,
    ))
}

#[utoipa::path(post, path = "/user/invitations/{team}/decline", tag = "teams", security(("token" = ["manage"]), ("session" = [])), params(("team" = String, Path)),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
/// `POST /store/v1/user/invitations/{team}/decline`: refuse the invitation.
pub async fn decline_invitation(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path(team): Path<String>,
) -> Result<StatusCode, AppError> {
    service::decline_invitation(&state.pool, caller.actor(), &team, db::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `PATCH /store/v1/teams/{name}/members/{username}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ChangeRole {
    pub role: Role,
}

#[utoipa::path(patch, path = "/teams/{name}/members/{username}", tag = "teams", security(("token" = ["manage"]), ("session" = [])), params(("name" = String, Path), ("username" = String, Path)), request_body = ChangeRole,
    responses((status = 200, body = TeamDetails), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
/// `PATCH /store/v1/teams/{name}/members/{username}`: change a member's role.
pub async fn change_role(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path((name, username)): Path<(String, String)>,
    JsonBody(body): JsonBody<ChangeRole>,
) -> Result<Json<TeamDetails>, AppError> {
    service::change_role(
        &state.pool,
        caller.actor(),
        &name,
        &username,
        body.role,
        db::now(),
    )
    .await?;
    Ok(Json(service::details(&state.pool, &name).await?))
}

#[utoipa::path(delete, path = "/teams/{name}/members/{username}", tag = "teams", security(("token" = ["manage"]), ("session" = [])), params(("name" = String, Path), ("username" = String, Path)),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
/// `DELETE /store/v1/teams/{name}/members/{username}`: remove a member, or leave (yourself).
pub async fn remove_member(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path((name, username)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    service::remove_member(&state.pool, caller.actor(), &name, &username, db::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/teams/{name}/audit", tag = "teams", security(("token" = ["manage"]), ("session" = [])), params(("name" = String, Path)),
    responses((status = 200, body = Vec<crate::teams::AuditEntry>), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
/// `GET /store/v1/teams/{name}/audit`: who added, removed or changed whom (admin or above,
/// `manage` scope; a team-restricted token only for its team).
pub async fn audit_log(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path(name): Path<String>,
) -> Result<Json<Vec<crate::teams::AuditEntry>>, AppError> {
    Ok(Json(
        service::audit_log(&state.pool, caller.actor(), &name).await?,
    ))
}
