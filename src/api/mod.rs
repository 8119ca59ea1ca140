//! The public HTTP API under `/store/v1`: stable paths, JSON in and out, token or session
//! authentication, errors as `{"error": code, "message": ...}`.
//!
//! # What each route needs
//!
//! A handler reaches the caller only through [`auth::Authorized<S>`] or
//! [`auth::MaybeAuthorized<S>`], whose type names the scope `S`; a session has every scope. The
//! access policy ([`crate::access`]) decides: a token restricted to a team acts only in that team
//! ([`crate::access::Actor::may_act_in`]), and who sees drafts and private releases
//! ([`crate::access::sees_private`]); roles are checked by the services. The test
//! `tests/security/access_table.rs` holds every route to this table.
//!
//! | Route | Extractor | Without credentials |
//! | --- | --- | --- |
//! | `GET /openapi.json` | none | public |
//! | `GET /user/me`, `GET /user/teams`, `GET /user/invitations` | `Authorized<ReadAccount>` (any credential) | `401` |
//! | `POST /user/invitations/{team}/accept`, `…/decline` | `Authorized<Manage>` | `401` |
//! | `POST /teams` | `Authorized<Manage>` | `401` |
//! | `GET /teams/{name}` | none | public |
//! | `PATCH`, `DELETE /teams/{name}` | `Authorized<Manage>` | `401` |
//! | `POST /teams/{name}/members`, `PATCH`, `DELETE …/members/{username}` | `Authorized<Manage>` | `401` |
//! | `GET /teams/{name}/audit` | `Authorized<Manage>` | `401` |
//! | `GET /teams/{name}/invitations`, `DELETE …/invitations/{username}` | `Authorized<Manage>` | `401` |
//! | `GET /{type}`, `GET /{type}/{name}` | none | public |
//! | `POST /{type}`, `PATCH`, `DELETE /{type}/{name}` | `Authorized<Manage>` | `401` |
//! | `POST /{type}/{name}/releases` (upload, optionally creating the resource) | `Authorized<Publish>` | `401` |
//! | `GET /{type}/{name}/releases`, `GET …/releases/{version}` | `MaybeAuthorized<Download>` | public releases |
//! | `PATCH`, `DELETE …/releases/{version}`, `POST …/publish` | `Authorized<Manage>` | `401` |
//! | `GET …/releases/{version}/download`, `GET /{type}/{name}/download` | `MaybeAuthorized<Download>` | public releases |
//! | `GET /{type}/{name}/screenshots` | none | public |
//! | `POST`, `DELETE /{type}/{name}/icon`, `POST /{type}/{name}/screenshots`, `DELETE …/screenshots/{id}` | `Authorized<Manage>` | `401` |
//!
//! A token without the scope gets `403 missing-scope` from `Authorized`; `MaybeAuthorized` treats
//! it as anonymous, so it still sees what everyone sees.

pub mod auth;
pub mod docs;
pub mod media;
mod resources;
mod teams;
mod users;

use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, patch, post};
use axum::Router;

use axum::extract::rejection::JsonRejection;
use axum::extract::FromRequest;

use crate::error::AppError;
use crate::state::AppState;

/// A JSON request body whose rejections (bad JSON, wrong content type, missing fields) answer in
/// the API's error format.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct JsonBody<T>(pub T);

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        AppError::Invalid {
            code: "invalid-json",
            field: None,
            message: format!(
                "The request body is not what this endpoint takes: {}",
                rejection.body_text()
            ),
        }
    }
}

/// The routes under `/store/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/openapi.json",
            get(|| async { axum::Json(<docs::ApiDoc as utoipa::OpenApi>::openapi()) }),
        )
        .route("/user/me", get(users::me))
        .route("/user/teams", get(teams::my_teams))
        .route("/user/invitations", get(teams::my_invitations))
        .route(
            "/user/invitations/{team}/accept",
            post(teams::accept_invitation),
        )
        .route(
            "/user/invitations/{team}/decline",
            post(teams::decline_invitation),
        )
        .route("/teams", post(teams::create_team))
        .route(
            "/teams/{name}",
            get(teams::get_team)
                .patch(teams::update_team)
                .delete(teams::delete_team),
        )
        .route("/teams/{name}/members", post(teams::add_member))
        .route(
            "/teams/{name}/members/{username}",
            patch(teams::change_role).delete(teams::remove_member),
        )
        .route("/teams/{name}/audit", get(teams::audit_log))
        .route("/teams/{name}/invitations", get(teams::team_invitations))
        .route(
            "/teams/{name}/invitations/{username}",
            delete(teams::withdraw_invitation),
        )
        .route(
            "/{kind}",
            get(resources::list_resources).post(resources::create_resource),
        )
        .route(
            "/{kind}/{name}",
            get(resources::get_resource)
                .patch(resources::update_resource)
                .delete(resources::delete_resource),
        )
        .route(
            "/{kind}/{name}/releases",
            get(resources::list_releases)
                // Uploads count their own bytes against the configured limit.
                .post(resources::upload_release)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/{kind}/{name}/releases/{version}",
            get(resources::get_release)
                .patch(resources::update_release)
                .delete(resources::delete_release),
        )
        .route(
            "/{kind}/{name}/releases/{version}/publish",
            post(resources::publish_release),
        )
        .route(
            "/{kind}/{name}/releases/{version}/download",
            get(resources::download_release),
        )
        .route("/{kind}/{name}/download", get(resources::download_latest))
        .route(
            "/{kind}/{name}/icon",
            post(media::set_icon)
                .delete(media::remove_icon)
                .layer(DefaultBodyLimit::max(media::IMAGE_BODY_LIMIT)),
        )
        .route(
            "/{kind}/{name}/screenshots",
            get(media::list_screenshots)
                .post(media::add_screenshot)
                .layer(DefaultBodyLimit::max(media::IMAGE_BODY_LIMIT)),
        )
        .route(
            "/{kind}/{name}/screenshots/{id}",
            axum::routing::delete(media::remove_screenshot),
        )
        .fallback(|| async {
            AppError::NotFound("No API endpoint at this path and method.".into())
        })
}
