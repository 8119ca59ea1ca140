//! The OpenAPI document of `/store/v1`, generated from the handlers, and Swagger UI.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{media, resources, teams, users};

/// The API description served at `/store/v1/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "nanos store API",
        description = "Packages and asset packs for nanos world. Authenticate with `Authorization: Token <token>` (or `Bearer`); create tokens in Settings → Tokens. Errors are `{\"error\": code, \"message\": ...}`."
    ),
    paths(
        users::me,
        teams::my_teams,
        teams::create_team,
        teams::get_team,
        teams::update_team,
        teams::delete_team,
        teams::add_member,
        teams::change_role,
        teams::remove_member,
        teams::audit_log,
        teams::team_invitations,
        teams::withdraw_invitation,
        teams::my_invitations,
        teams::accept_invitation,
        teams::decline_invitation,
        resources::create_resource,
        resources::list_resources,
        resources::get_resource,
        resources::update_resource,
        resources::delete_resource,
        resources::upload_release,
        resources::list_releases,
        resources::get_release,
        resources::update_release,
        resources::publish_release,
        resources::delete_release,
        resources::download_release,
        resources::download_latest,
        media::set_icon,
        media::remove_icon,
        media::list_screenshots,
        media::add_screenshot,
        media::remove_screenshot,
    ),
    components(schemas(crate::resources::NewResourceDetails)),
    modifiers(&Security),
    tags(
        (name = "users", description = "The authenticated user"),
        (name = "teams", description = "Teams, members and roles"),
        (name = "resources", description = "Packages and asset packs"),
        (name = "releases", description = "Uploads, publishing and downloads"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A store token (nwst_...), sent as `Authorization: Token <token>` or `Bearer <token>`."))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("nanos_session"))),
        );
    }
}
