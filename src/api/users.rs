//! `/store/v1/user/...`: the authenticated user.

use axum::Json;
use serde::Serialize;

use super::auth::Caller;
use crate::error::AppError;

/// The authenticated user.
#[derive(Debug, Serialize)]
pub struct Me {
    pub username: String,
    pub display_name: String,
    /// The teams the user belongs to, with their role.
    pub teams: Vec<MyTeam>,
}

/// A team the user belongs to.
#[derive(Debug, Serialize)]
pub struct MyTeam {
    pub name: String,
    pub role: String,
}

/// `GET /store/v1/user/me`
pub async fn me(caller: Caller) -> Result<Json<Me>, AppError> {
    Ok(Json(Me {
        username: caller.user.username,
        display_name: caller.user.display_name,
        teams: Vec::new(),
    }))
}
