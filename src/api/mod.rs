//! The public HTTP API under `/store/v1`: stable paths, JSON in and out, token or session
//! authentication, errors as `{"error": code, "message": ...}`.

pub mod auth;
mod users;

use axum::routing::get;
use axum::Router;

use crate::error::AppError;
use crate::server::AppState;

/// The routes under `/store/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/user/me", get(users::me))
        .fallback(|| async {
            AppError::NotFound("No API endpoint at this path and method.".into())
        })
}
