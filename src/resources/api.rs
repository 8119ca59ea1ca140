//! Server functions behind the resource pages and the upload wizard, under `/api/resources/`.
//! Uploads themselves go to the HTTP API (`POST /store/v1/{type}/{name}/releases`), which reports
//! progress to the browser.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{NewResourceDetails, Page, ReleaseInfo, ResourceInfo, UploadLimits};
use crate::error::ErrorBody;
use crate::teams::Role;

/// A release with its changelog rendered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseView {
    pub info: ReleaseInfo,
    pub changelog_html: String,
}

/// Everything a resource page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourcePageData {
    pub resource: ResourceInfo,
    pub description_html: String,
    /// The releases the viewer may see, newest first.
    pub releases: Vec<ReleaseView>,
    /// The viewer's role in the resource's team.
    pub viewer_role: Option<Role>,
}

#[cfg(feature = "ssr")]
mod server {
    pub use crate::accounts::session::{current_user, require_user};
    pub use crate::db;
    pub use crate::error::AppError;
    pub use crate::resources::{kind_from_path, releases, service};
    pub use crate::server::state;
    pub use crate::teams::service::{self as teams, Actor};
    pub use crate::validate::Kind;

    pub fn parse_kind(segment: &str) -> Result<Kind, AppError> {
        kind_from_path(segment).ok_or_else(|| AppError::NotFound("Unknown resource type.".into()))
    }

    pub fn split_tags(text: &str) -> Vec<String> {
        text.split(',')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect()
    }
}

/// One page of resources of a kind (`packages` or `assets`), searched and filtered.
#[server(prefix = "/api/resources", endpoint = "browse")]
pub async fn browse(
    kind: String,
    #[server(default)] q: Option<String>,
    #[server(default)] category: Option<String>,
    #[server(default)] tag: Option<String>,
    #[server(default)] team: Option<String>,
    #[server(default)] sort: Option<String>,
    #[server(default)] page: Option<i64>,
) -> Result<Page<ResourceInfo>, ErrorBody> {
    use server::*;
    let state = state()?;
    let query = service::ListQuery {
        q,
        category,
        tag,
        team,
        sort,
        page,
        page_size: Some(12),
    };
    Ok(service::list(&state.pool, parse_kind(&kind)?, query).await?)
}

/// A resource page's data, or `None` when there is no such resource.
#[server(prefix = "/api/resources", endpoint = "page")]
pub async fn resource_page(
    kind: String,
    name: String,
) -> Result<Option<ResourcePageData>, ErrorBody> {
    use server::*;
    let state = state()?;
    let Some(resource) = service::find(&state.pool, parse_kind(&kind)?, &name).await? else {
        return Ok(None);
    };
    let viewer = current_user(&state).await?;
    let viewer_role = match &viewer {
        Some(user) => teams::role_of(&state.pool, &resource.team_id, &user.id).await?,
        None => None,
    };
    let visible = releases::list(&state.pool, &resource, viewer_role.is_some()).await?;
    let releases = releases::changelogs_html(&state.pool, &visible)
        .await?
        .into_iter()
        .zip(&visible)
        .map(|(changelog_html, r)| ReleaseView {
            changelog_html,
            info: r.info(),
        })
        .collect();
    let info = service::info(&state.pool, &resource).await?;
    Ok(Some(ResourcePageData {
        description_html: service::description_html(&state.pool, &resource).await?,
        resource: info,
        releases,
        viewer_role,
    }))
}

/// Whether a name is free for a new resource of this kind (and valid).
#[server(prefix = "/api/resources", endpoint = "name-available")]
pub async fn name_available(kind: String, name: String) -> Result<bool, ErrorBody> {
    use server::*;
    let state = state()?;
    let kind = parse_kind(&kind)?;
    Ok(crate::validate::manifest::is_resource_name(&name)
        && service::find(&state.pool, kind, &name).await?.is_none())
}

/// Markdown rendered as the pages will show it (for previews). Open to everyone, like the pages
/// that show Markdown; bounded like every render: text over the limits is refused before
/// rendering, with a `markdown-*` error code, and previews never wait for or take the renderers
/// that saves use (`429` while the preview renderer is busy).
#[server(prefix = "/api/resources", endpoint = "preview")]
pub async fn markdown_preview(text: String) -> Result<String, ErrorBody> {
    use server::*;
    let state = state()?;
    Ok(
        crate::markdown::preview_off_thread(text, state.previewer.clone())
            .await
            .map_err(AppError::from)?,
    )
}

/// Checks a new resource's name and details without creating anything (the wizard's Details
/// step): the same checks as creating it, including whether the name is free and whether the
/// user may create resources in the team. The resource is created with its first release, by the
/// upload (`POST /store/v1/{type}/{name}/releases` with a `resource` part).
#[server(prefix = "/api/resources", endpoint = "check-new")]
pub async fn check_new_resource(
    kind: String,
    name: String,
    details: NewResourceDetails,
) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let user = require_user(&state).await?;
    let new = service::NewResource {
        name,
        team: details.team,
        title: details.title,
        short_description: details.short_description,
        description: details.description,
        category: details.category,
        tags: details.tags,
    };
    service::check_new(&state.pool, Actor::user(&user), parse_kind(&kind)?, new).await?;
    Ok(())
}

/// Whether the resource already has release `version`, as far as the viewer may see (team
/// members see drafts and private releases); `false` when there is no such resource.
#[server(prefix = "/api/resources", endpoint = "version-exists")]
pub async fn version_exists(
    kind: String,
    name: String,
    version: String,
) -> Result<bool, ErrorBody> {
    use server::*;
    let state = state()?;
    let Some(resource) = service::find(&state.pool, parse_kind(&kind)?, &name).await? else {
        return Ok(false);
    };
    let member = match current_user(&state).await? {
        Some(user) => teams::role_of(&state.pool, &resource.team_id, &user.id)
            .await?
            .is_some(),
        None => false,
    };
    Ok(releases::exists(&state.pool, &resource, &version, member).await?)
}

/// The store's upload limits (`NANOS_STORE_MAX_UPLOAD_SIZE` and the validator's limits it gives).
#[server(prefix = "/api/resources", endpoint = "upload-limits")]
pub async fn get_upload_limits() -> Result<UploadLimits, ErrorBody> {
    use server::*;
    let state = state()?;
    Ok(UploadLimits::new(state.settings.max_upload_size))
}

/// Deletes a resource with all its releases (team admins and owners); `confirm` must repeat its
/// name. Then goes to the team's page.
#[server(prefix = "/api/resources", endpoint = "delete")]
pub async fn delete_resource(kind: String, name: String, confirm: String) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let user = require_user(&state).await?;
    if confirm.trim() != name {
        return Err(AppError::field(
            "confirmation-mismatch",
            "confirm",
            format!("Type the resource's name, {name}, to confirm."),
        )
        .into());
    }
    let kind = parse_kind(&kind)?;
    let team = service::info(
        &state.pool,
        &service::find_or_404(&state.pool, kind, &name).await?,
    )
    .await?
    .team;
    releases::delete_resource(
        &state.pool,
        &state.blobs,
        Actor::user(&user),
        kind,
        &name,
        db::now(),
    )
    .await?;
    leptos_axum::redirect(&format!("/teams/{team}"));
    Ok(())
}

/// Edits a resource's information (developers of its team).
#[server(prefix = "/api/resources", endpoint = "update")]
pub async fn update_resource(
    kind: String,
    name: String,
    title: String,
    short_description: String,
    description: String,
    category: String,
    tags: String,
) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let user = require_user(&state).await?;
    let changes = service::ResourceUpdate {
        title: Some(title),
        short_description: Some(short_description),
        description: Some(description),
        category: Some(category),
        tags: Some(split_tags(&tags)),
    };
    service::update(
        &state.pool,
        Actor::user(&user),
        parse_kind(&kind)?,
        &name,
        changes,
        db::now(),
    )
    .await?;
    Ok(())
}

/// Edits a release's changelog and channel.
#[server(prefix = "/api/resources", endpoint = "update-release")]
pub async fn update_release(
    kind: String,
    name: String,
    version: String,
    changelog: String,
    channel: String,
) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let user = require_user(&state).await?;
    let channel = crate::resources::Channel::parse(&channel)
        .map_err(|m| AppError::field("invalid-channel", "channel", m))?;
    let resource = service::find_or_404(&state.pool, parse_kind(&kind)?, &name).await?;
    releases::update(
        &state.pool,
        Actor::user(&user),
        &resource,
        &version,
        Some(changelog),
        Some(channel),
    )
    .await?;
    Ok(())
}

/// Publishes a draft.
#[server(prefix = "/api/resources", endpoint = "publish")]
pub async fn publish_release(kind: String, name: String, version: String) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let user = require_user(&state).await?;
    let resource = service::find_or_404(&state.pool, parse_kind(&kind)?, &name).await?;
    releases::publish(
        &state.pool,
        Actor::user(&user),
        &resource,
        &version,
        db::now(),
    )
    .await?;
    Ok(())
}

/// Deletes a draft.
#[server(prefix = "/api/resources", endpoint = "delete-release")]
pub async fn delete_release(kind: String, name: String, version: String) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let user = require_user(&state).await?;
    let resource = service::find_or_404(&state.pool, parse_kind(&kind)?, &name).await?;
    releases::delete_draft(
        &state.pool,
        &state.blobs,
        Actor::user(&user),
        &resource,
        &version,
    )
    .await?;
    Ok(())
}
