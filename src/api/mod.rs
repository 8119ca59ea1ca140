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
//! | `GET /openapi.json`, `GET /upload-limits` | none | public |
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
//! | `GET …/releases/{version}/files`, `…/files/{path}`, `GET /{type}/{name}/compare/{a}...{b}` | `MaybeAuthorized<Download>` | public releases |
//! | `GET /{type}/{name}/screenshots` | none | public |
//! | `POST`, `DELETE /{type}/{name}/icon`, `POST /{type}/{name}/screenshots`, `DELETE …/screenshots/{id}` | `Authorized<Manage>` | `401` |
//! | `GET /teams/{name}/moderation` | `Authorized<Manage>`; the team's members | `401` |
//! | `POST /{type}/{name}/reports`, `GET /user/reports` | `Authorized<ReadAccount>` (a few reports an hour) | `401` |
//! | `GET /admin/reviews`, `PUT /admin/{type}/{name}/releases/{version}/review` | `Authorized<Manage>` and [`crate::access::require_staff`] (moderator) | `401` |
//! | `GET /admin/reports`, `PATCH /admin/reports/{id}` | `Authorized<Manage>` and [`crate::access::require_staff`] (moderator) | `401` |
//! | `PUT`, `DELETE …/releases/{version}/yank` | `Authorized<Manage>`; the team's developers, or staff | `401` |
//! | `GET /admin/log`, `PUT`, `DELETE /admin/users/{username}/suspension`, `PUT`, `DELETE /admin/{type}/{name}/takedown`, `…/releases/{version}/takedown` | `Authorized<Manage>` and [`crate::access::require_staff`] (moderator) | `401` |
//! | `PUT`, `DELETE /admin/users/{username}/role` | `Authorized<Manage>` and [`crate::access::require_staff`] (admin) | `401` |
//!
//! `GET /{type}/{name}` and the release routes answer `410` (`451` for legal reasons) for what the
//! staff took down, except to the team and the staff ([`crate::access::sees_private`]).
//!
//! A token without the scope gets `403 missing-scope` from `Authorized`; `MaybeAuthorized` treats
//! it as anonymous, so it still sees what everyone sees.

mod admin;
pub mod auth;
pub mod docs;
mod downloads;
mod files;
pub mod health;
pub mod media;
mod resources;
mod teams;
mod users;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use axum::extract::rejection::JsonRejection;
use axum::extract::FromRequest;

use crate::error::{AppError, ErrorCode};
use crate::state::AppState;

/// A JSON request body whose rejections (bad JSON, wrong content type, missing fields) answer in
/// the API's error format.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct JsonBody<T>(pub T);

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        AppError::Invalid {
            code: ErrorCode::InvalidJson,
            field: None,
            message: format!(
                "The request body is not what this endpoint takes: {}",
                rejection.body_text()
            ),
        }
    }
}

/// The routes under `/store/v1` ([`docs::API_PREFIX`]), with `GET /openapi.json` serving their
/// OpenAPI document and a JSON `404` for any other path or method.
pub fn router() -> Router<AppState> {
    let (router, paths) = routes().split_for_parts();
    let document = Arc::new(docs::document(paths));
    router
        .route(
            "/openapi.json",
            get(move || std::future::ready(axum::Json(Arc::clone(&document)))),
        )
        .fallback(|| async {
            AppError::NotFound("No API endpoint at this path and method.".into())
        })
}

/// Every documented route: `routes!` takes each handler's path and method from its
/// `#[utoipa::path]`, so a route is in the document because it is in the router. Handlers that
/// share a path go in one `routes!`.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(users::me))
        .routes(routes!(teams::my_teams))
        .routes(routes!(teams::my_invitations))
        .routes(routes!(teams::accept_invitation))
        .routes(routes!(teams::decline_invitation))
        .routes(routes!(teams::create_team))
        .routes(routes!(
            teams::get_team,
            teams::update_team,
            teams::delete_team
        ))
        .routes(routes!(teams::add_member))
        .routes(routes!(teams::change_role, teams::remove_member))
        .routes(routes!(teams::audit_log))
        .routes(routes!(teams::team_invitations))
        .routes(routes!(teams::withdraw_invitation))
        .routes(routes!(
            resources::list_resources,
            resources::create_resource
        ))
        .routes(routes!(
            resources::get_resource,
            resources::update_resource,
            resources::delete_resource
        ))
        .routes(
            routes!(resources::list_releases, resources::upload_release)
                // Uploads count their own bytes against the configured limit.
                .layer(DefaultBodyLimit::disable()),
        )
        .routes(routes!(
            resources::get_release,
            resources::update_release,
            resources::delete_release
        ))
        .routes(routes!(resources::publish_release))
        .routes(routes!(downloads::download_release))
        .routes(routes!(downloads::download_latest))
        .routes(
            routes!(media::set_icon, media::remove_icon)
                .layer(DefaultBodyLimit::max(media::IMAGE_BODY_LIMIT)),
        )
        .routes(
            routes!(media::list_screenshots, media::add_screenshot)
                .layer(DefaultBodyLimit::max(media::IMAGE_BODY_LIMIT)),
        )
        .routes(routes!(media::remove_screenshot))
        .routes(routes!(resources::upload_limits))
        .routes(routes!(admin::yank_release, admin::unyank_release))
        .routes(routes!(admin::moderation_log))
        .routes(routes!(admin::team_moderation_log))
        .routes(routes!(admin::file_report))
        .routes(routes!(admin::my_reports))
        .routes(routes!(admin::report_queue))
        .routes(routes!(admin::change_report))
        .routes(routes!(admin::review_queue))
        .routes(routes!(admin::decide_review))
        .routes(routes!(admin::grant_role, admin::revoke_role))
        .routes(routes!(admin::suspend_user, admin::lift_suspension))
        .routes(routes!(admin::take_down_resource, admin::restore_resource))
        .routes(routes!(admin::take_down_release, admin::restore_release))
        .routes(routes!(admin::bulk_releases))
        .routes(routes!(admin::purge_resource))
        .routes(routes!(admin::purge_release))
        .routes(routes!(files::list_files))
        .merge(rest_of_path(routes!(files::get_file)))
        .routes(routes!(files::compare_releases))
}

/// A documented route whose last parameter, `{path}`, takes the rest of the path, `/` included
/// (`…/files/Server/Index.lua`): axum serves it as `{*path}`, and the document names it `{path}`
/// (OpenAPI has no such parameter).
fn rest_of_path(
    (schemas, paths, method_router): utoipa_axum::router::UtoipaMethodRouter<AppState>,
) -> OpenApiRouter<AppState> {
    let served: Vec<String> = paths
        .paths
        .keys()
        .map(|path| path.replace("{path}", "{*path}"))
        .collect();
    let (_, document) = OpenApiRouter::<AppState>::default()
        .routes((
            schemas,
            paths,
            axum::routing::MethodRouter::<AppState>::new(),
        ))
        .split_for_parts();
    served
        .iter()
        .fold(OpenApiRouter::with_openapi(document), |router, path| {
            router.route(path, method_router.clone())
        })
}
