//! The OpenAPI document of `/store/v1`: what the API says about itself (title, security schemes,
//! tags); its paths come from the router ([`super::router`]), which registers each route with the
//! handler's `#[utoipa::path]` description.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Where the API's routes are served; the document's paths start with it.
pub const API_PREFIX: &str = "/store/v1";

/// The document served at `/store/v1/openapi.json`: [`ApiDoc`] with `routes` (the router's
/// paths, relative to [`API_PREFIX`]) under [`API_PREFIX`].
pub fn document(routes: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    ApiDoc::openapi().nest(API_PREFIX, routes)
}

/// The API description without its paths, which [`document`] adds.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "nanos store API",
        description = "Packages and asset packs for nanos world. Authenticate with `Authorization: Token <token>` (or `Bearer`); create tokens in Settings → Tokens. Errors are `{\"error\": code, \"message\": ...}`."
    ),
    components(schemas(crate::resources::NewResourceDetails)),
    modifiers(&Security),
    tags(
        (name = "users", description = "The authenticated user"),
        (name = "teams", description = "Teams, members and roles"),
        (name = "resources", description = "Packages and asset packs"),
        (name = "releases", description = "Uploads, publishing and downloads"),
        (name = "moderation", description = "The store's staff: the moderation log, site roles, suspensions and takedowns"),
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
