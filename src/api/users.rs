//! `/store/v1/user/...`: the authenticated user.

use axum::extract::State;
use axum::Json;
use serde::Serialize;

use super::auth::{Authorized, ReadAccount};
use crate::error::AppError;
use crate::state::AppState;
use crate::teams::{self, MyTeam};

/// The authenticated user.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub username: String,
    pub display_name: String,
    /// The teams the user belongs to, with their role.
    pub teams: Vec<MyTeam>,
}

#[utoipa::path(get, path = "/user/me", tag = "users", security(("token" = []), ("session" = [])),
    responses((status = 200, body = Me), (status = 401, body = crate::error::ErrorBody)))]
/// `GET /store/v1/user/me`
pub async fn me(
    State(state): State<AppState>,
    caller: Authorized<ReadAccount>,
) -> Result<Json<Me>, AppError> {
    let user = caller.user();
    let teams = teams::service::user_teams(&state.pool, &user.id).await?;
    Ok(Json(Me {
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        teams,
    }))
}
