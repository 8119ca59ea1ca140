//! Server functions behind the resource pages and the upload wizard, under `/api/resources/`.
//! Uploads themselves go to the HTTP API (`POST /store/v1/{type}/{name}/releases`), which reports
//! progress to the browser.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{
    BulkOutcome, Facets, NewResourceDetails, Page, Related, ReleaseInfo, ResourceInfo, Screenshot,
    UploadLimits,
};
use crate::error::ErrorBody;
use crate::teams::{Member, Role};

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
    /// The description, or the README of the latest release while the description is empty.
    pub description_html: String,
    /// Whether `description_html` is the README.
    pub description_from_readme: bool,
    pub screenshots: Vec<Screenshot>,
    /// What the latest release requires.
    pub requirements: Vec<Related>,
    /// The resources whose public releases require this one.
    pub required_by: Vec<Related>,
    /// The team's members.
    pub members: Vec<Member>,
    /// The server's time (Unix seconds), for "3 days ago".
    pub now: i64,
    /// The releases the viewer may see, newest first.
    pub releases: Vec<ReleaseView>,
    /// The viewer's role in the resource's team.
    pub viewer_role: Option<Role>,
    /// The viewer's site role: the store's staff get the moderation panel.
    pub viewer_staff: Option<crate::moderation::SiteRole>,
    /// Whether the viewer is signed in (and may report the resource).
    pub signed_in: bool,
    /// The public releases the staff took down, with why: left out of `releases` for everyone
    /// but the team and the staff, whose release pages then say so.
    pub taken_down: Vec<(String, crate::moderation::Takedown)>,
}

#[cfg(feature = "ssr")]
mod server {
    pub use crate::access::{self, Need};
    pub use crate::accounts::session;
    pub use crate::db;
    pub use crate::error::{AppError, ErrorCode};
    pub use crate::resources::{facts, media, parse_channel, parse_kind, releases, service};
    pub use crate::state::state;
    pub use crate::teams::service as teams;

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
    let viewer = session::caller(&state).await?;
    let viewer_role = match &viewer {
        Some(viewer) => teams::role_of(&state.pool, &resource.team_id, &viewer.user().id).await?,
        None => None,
    };
    let private = access::sees_private(&state.pool, viewer.as_ref(), &resource.team_id).await?;
    resource.refuse_if_taken_down(private)?;
    let viewer_staff = access::staff_role(&state.pool, viewer.as_ref()).await?;
    let all = releases::list(&state.pool, &resource, true).await?;
    let taken_down = all
        .iter()
        .filter(|r| !private && r.state == super::ReleaseState::Published)
        .filter(|r| r.channel != super::Channel::Private)
        .filter_map(|r| Some((r.version.clone(), r.takedown()?)))
        .collect();
    let visible: Vec<_> = all
        .into_iter()
        .filter(|r| private || r.is_public())
        .collect();
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
    let latest = visible
        .iter()
        .find(|r| r.state == super::ReleaseState::Published)
        .or(visible.first())
        .and_then(|r| r.info().manifest);
    let requirements = match &latest {
        Some(manifest) => facts::requirements(&state.pool, manifest).await?,
        None => Vec::new(),
    };
    let readme = if resource.description.trim().is_empty() {
        media::readme_html(&state.pool, &resource).await?
    } else {
        None
    };
    Ok(Some(ResourcePageData {
        description_from_readme: readme.is_some(),
        description_html: match readme {
            Some(html) => html,
            None => service::description_html(&state.pool, &resource).await?,
        },
        screenshots: media::screenshots(&state.pool, &resource).await?,
        requirements,
        required_by: facts::required_by(&state.pool, info.kind, &info.name).await?,
        members: teams::details(&state.pool, &info.team).await?.members,
        now: db::now(),
        resource: info,
        releases,
        viewer_role,
        viewer_staff,
        signed_in: viewer.is_some(),
        taken_down,
    }))
}

/// The categories and tags a listing offers, with counts (see `service::facets`).
#[server(prefix = "/api/resources", endpoint = "facets")]
pub async fn browse_facets(
    kind: String,
    #[server(default)] q: Option<String>,
    #[server(default)] category: Option<String>,
    #[server(default)] tag: Option<String>,
    #[server(default)] team: Option<String>,
) -> Result<Facets, ErrorBody> {
    use server::*;
    let state = state()?;
    let query = service::ListQuery {
        q,
        category,
        tag,
        team,
        ..Default::default()
    };
    Ok(service::facets(&state.pool, parse_kind(&kind)?, &query).await?)
}

/// Removes a resource's icon (developers of its team).
#[server(prefix = "/api/resources", endpoint = "remove-icon")]
pub async fn remove_icon(kind: String, name: String) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let caller = session::authorize(&state, Need::Manage).await?;
    let resource = service::find_or_404(&state.pool, parse_kind(&kind)?, &name).await?;
    Ok(media::remove_icon(&state.pool, caller.actor(), &resource).await?)
}

/// Removes a screenshot (developers of the resource's team).
#[server(prefix = "/api/resources", endpoint = "remove-screenshot")]
pub async fn remove_screenshot(kind: String, name: String, id: String) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let caller = session::authorize(&state, Need::Manage).await?;
    let resource = service::find_or_404(&state.pool, parse_kind(&kind)?, &name).await?;
    Ok(media::remove_screenshot(&state.pool, caller.actor(), &resource, &id).await?)
}

/// Moves a screenshot one place `earlier` or `later` in the gallery (developers of its team).
#[server(prefix = "/api/resources", endpoint = "move-screenshot")]
pub async fn move_screenshot(
    kind: String,
    name: String,
    id: String,
    direction: String,
) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let caller = session::authorize(&state, Need::Manage).await?;
    let resource = service::find_or_404(&state.pool, parse_kind(&kind)?, &name).await?;
    let earlier = match direction.as_str() {
        "earlier" => true,
        "later" => false,
        _ => {
            return Err(AppError::field(
                ErrorCode::InvalidDirection,
                "direction",
                "Move a screenshot earlier or later.",
            )
            .into())
        }
    };
    Ok(media::move_screenshot(&state.pool, caller.actor(), &resource, &id, earlier).await?)
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
    let caller = session::authorize(&state, Need::Publish).await?;
    let new = service::NewResource::new(name, details);
    service::check_new(&state.pool, caller.actor(), parse_kind(&kind)?, new).await?;
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
    let viewer = session::caller(&state).await?;
    let private = access::sees_private(&state.pool, viewer.as_ref(), &resource.team_id).await?;
    resource.refuse_if_taken_down(private)?;
    Ok(releases::exists(&state.pool, &resource, &version, private).await?)
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
    let caller = session::authorize(&state, Need::Manage).await?;
    if confirm.trim() != name {
        return Err(AppError::field(
            ErrorCode::ConfirmationMismatch,
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
        caller.actor(),
        kind,
        &name,
        db::now(),
    )
    .await?;
    leptos_axum::redirect(&format!("/teams/{team}"));
    Ok(())
}

/// The fields of a resource's edit form. `tags` is comma-separated; blank links and license are
/// removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceEdit {
    pub title: String,
    #[serde(default)]
    pub short_description: String,
    #[serde(default)]
    pub description: String,
    pub category: String,
    #[serde(default)]
    pub tags: String,
    #[serde(default)]
    pub license: String,
    #[serde(default)]
    pub source_url: String,
    #[serde(default)]
    pub issues_url: String,
    #[serde(default)]
    pub wiki_url: String,
    #[serde(default)]
    pub discord_url: String,
}

/// Edits a resource's information (developers of its team). The form's fields come flat, beside
/// `kind` and `name`.
#[server(prefix = "/api/resources", endpoint = "update")]
pub async fn update_resource(
    kind: String,
    name: String,
    #[server(flatten)] edit: ResourceEdit,
) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let caller = session::authorize(&state, Need::Manage).await?;
    let changes = service::ResourceUpdate {
        title: Some(edit.title),
        short_description: Some(edit.short_description),
        description: Some(edit.description),
        category: Some(edit.category),
        tags: Some(split_tags(&edit.tags)),
        license: Some(edit.license),
        links: Some(crate::resources::ResourceLinks {
            source: Some(edit.source_url),
            issues: Some(edit.issues_url),
            wiki: Some(edit.wiki_url),
            discord: Some(edit.discord_url),
        }),
    };
    service::update(
        &state.pool,
        caller.actor(),
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
    let caller = session::authorize(&state, Need::Manage).await?;
    let channel = parse_channel(&channel)?;
    let resource = service::find_or_404(&state.pool, parse_kind(&kind)?, &name).await?;
    releases::update(
        &state.pool,
        caller.actor(),
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
    let caller = session::authorize(&state, Need::Manage).await?;
    let resource = service::find_or_404(&state.pool, parse_kind(&kind)?, &name).await?;
    let policy = state.settings.review_policy;
    releases::publish(
        &state.pool,
        caller.actor(),
        &resource,
        &version,
        policy,
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
    let caller = session::authorize(&state, Need::Manage).await?;
    let resource = service::find_or_404(&state.pool, parse_kind(&kind)?, &name).await?;
    releases::delete_draft(
        &state.pool,
        &state.blobs,
        caller.actor(),
        &resource,
        &version,
    )
    .await?;
    Ok(())
}

/// Yanks, takes back the yanks of, or deletes (drafts) the releases chosen on the resource page
/// (`action`: `yank`, `unyank` or `delete`); says what happened to each.
#[server(prefix = "/api/resources", endpoint = "bulk-releases")]
pub async fn bulk_releases(
    kind: String,
    name: String,
    action: String,
    #[server(default)] versions: Vec<String>,
    #[server(default)] reason: String,
) -> Result<Vec<BulkOutcome>, ErrorBody> {
    use server::*;
    let state = state()?;
    let caller = session::authorize(&state, Need::Manage).await?;
    let action = super::BulkAction::parse(action.trim())
        .map_err(|e| AppError::field(ErrorCode::InvalidBulk, "action", e))?;
    let resource = service::find_or_404(&state.pool, parse_kind(&kind)?, &name).await?;
    Ok(releases::bulk(
        &state.pool,
        &state.blobs,
        caller.actor(),
        None,
        &resource,
        action,
        &versions,
        &reason,
        db::now(),
    )
    .await?)
}
