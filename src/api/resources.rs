//! `/store/v1/{type}/...` with `{type}` `packages` or `assets`: resources, releases, uploads and
//! downloads.

use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use super::auth::{Authorized, Download, Manage, MaybeAuthorized, Publish};
use super::JsonBody;
use crate::access;
use crate::db;
use crate::error::{AppError, ErrorCode};
use crate::resources::releases::{self, NewRelease, Release, UploadTarget, UploadedZip};
use crate::resources::service::{self, ListQuery, NewResource, Resource, ResourceUpdate};
use crate::resources::{
    parse_channel, parse_kind, Channel, NewResourceDetails, Page, ReleaseInfo, ResourceInfo,
    ResourceLinks, UploadLimits,
};
use crate::state::AppState;
use crate::validate::Kind;

pub(super) async fn resource(
    state: &AppState,
    kind_segment: &str,
    name: &str,
) -> Result<Resource, AppError> {
    service::find_or_404(&state.pool, parse_kind(kind_segment)?, name).await
}

/// The resource `{type}/{name}` as `caller` may see it, and whether they see what only its team
/// sees (drafts, private releases, takedowns: [`access::sees_private`]). `404` when there is no
/// such resource; `410` (`451`) with the reason when it is taken down and they may not see that.
pub(super) async fn visible_resource(
    state: &AppState,
    caller: Option<&access::Caller>,
    kind_segment: &str,
    name: &str,
) -> Result<(Resource, bool), AppError> {
    let resource = resource(state, kind_segment, name).await?;
    let private = access::sees_private(&state.pool, caller, &resource.team_id).await?;
    resource.refuse_if_taken_down(private)?;
    Ok((resource, private))
}

#[utoipa::path(get, path = "/upload-limits", tag = "releases",
    responses((status = 200, body = UploadLimits)))]
/// `GET /store/v1/upload-limits`: the largest upload this store takes, and the validator's limits
/// it checks a zip against; clients check a zip before sending it.
pub async fn upload_limits(State(state): State<AppState>) -> Json<UploadLimits> {
    Json(UploadLimits::new(state.settings.max_upload_size))
}

/// Body of `POST /store/v1/{type}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateResource {
    pub name: String,
    #[serde(flatten)]
    pub details: NewResourceDetails,
}

#[utoipa::path(post, path = "/{kind}", tag = "resources", security(("token" = ["manage"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets")), request_body = CreateResource,
    responses((status = 201, body = ResourceInfo), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
/// `POST /store/v1/{type}`: create a resource in a team (developer or above, `manage` scope).
pub async fn create_resource(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path(kind_segment): Path<String>,
    JsonBody(body): JsonBody<CreateResource>,
) -> Result<(StatusCode, Json<ResourceInfo>), AppError> {
    let new = NewResource::new(body.name, body.details);
    let info = service::create(
        &state.pool,
        caller.actor(),
        parse_kind(&kind_segment)?,
        new,
        db::now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(info)))
}

#[utoipa::path(get, path = "/{kind}", tag = "resources", params(("kind" = String, Path, description = "packages or assets"), ListQuery),
    responses((status = 200, body = Page<ResourceInfo>), (status = 422, body = crate::error::ErrorBody)))]
/// `GET /store/v1/{type}`: list and search.
pub async fn list_resources(
    State(state): State<AppState>,
    Path(kind_segment): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Json<Page<ResourceInfo>>, AppError> {
    Ok(Json(
        service::list(&state.pool, parse_kind(&kind_segment)?, query).await?,
    ))
}

#[utoipa::path(get, path = "/{kind}/{name}", tag = "resources", security((), ("token" = ["download"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path, description = "the resource name")),
    responses((status = 200, body = ResourceInfo), (status = 404, body = crate::error::ErrorBody), (status = 410, description = "Taken down by the store's staff (the message says why); its team and the staff still see it", body = crate::error::ErrorBody), (status = 451, description = "Taken down for legal reasons", body = crate::error::ErrorBody)))]
/// `GET /store/v1/{type}/{name}`
pub async fn get_resource(
    State(state): State<AppState>,
    caller: MaybeAuthorized<Download>,
    Path((kind_segment, name)): Path<(String, String)>,
) -> Result<Json<ResourceInfo>, AppError> {
    let (resource, _) = visible_resource(&state, caller.caller(), &kind_segment, &name).await?;
    Ok(Json(service::info(&state.pool, &resource).await?))
}

/// Body of `PATCH /store/v1/{type}/{name}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UpdateResource {
    pub title: Option<String>,
    pub short_description: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
    pub tags: Option<Vec<String>>,
    /// An SPDX license expression (`MIT`, `Apache-2.0 OR MIT`); blank removes it.
    pub license: Option<String>,
    /// Replaces all four links (http or https addresses); a missing or blank one is removed.
    pub links: Option<ResourceLinks>,
}

#[utoipa::path(patch, path = "/{kind}/{name}", tag = "resources", security(("token" = ["manage"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path, description = "the resource name")), request_body = UpdateResource,
    responses((status = 200, body = ResourceInfo), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
/// `PATCH /store/v1/{type}/{name}`: edit information and tags (developer or above, `manage`).
pub async fn update_resource(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path((kind_segment, name)): Path<(String, String)>,
    JsonBody(body): JsonBody<UpdateResource>,
) -> Result<Json<ResourceInfo>, AppError> {
    let changes = ResourceUpdate {
        title: body.title,
        short_description: body.short_description,
        description: body.description,
        category: body.category,
        tags: body.tags,
        license: body.license,
        links: body.links,
    };
    Ok(Json(
        service::update(
            &state.pool,
            caller.actor(),
            parse_kind(&kind_segment)?,
            &name,
            changes,
            db::now(),
        )
        .await?,
    ))
}

#[utoipa::path(delete, path = "/{kind}/{name}", tag = "resources", security(("token" = ["manage"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path, description = "the resource name")),
    responses((status = 204, description = "The resource, its releases and tags are gone, with every release file no other release shares; the team's audit log records it."), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
/// `DELETE /store/v1/{type}/{name}`: delete a resource with all its releases, published ones
/// included (team admins and owners, `manage` scope).
pub async fn delete_resource(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path((kind_segment, name)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    releases::delete_resource(
        &state.pool,
        &state.blobs,
        caller.actor(),
        parse_kind(&kind_segment)?,
        &name,
        db::now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn bad_multipart(error: MultipartError) -> AppError {
    AppError::Invalid {
        code: ErrorCode::BadUpload,
        field: None,
        message: format!("The upload could not be read ({}). Send multipart/form-data with the zip in a part named file.", error.body_text()),
    }
}

/// Lowest average rate, in bytes per second, an upload must keep once it has run for the stall
/// timeout (`store.upload-stall-timeout-secs`); a trickle below it is aborted like a stall.
pub const MIN_UPLOAD_BYTES_PER_SEC: u64 = 1024;

/// Watches an upload's pace: every read from the body must bring bytes within the stall timeout,
/// and after that timeout the average rate must stay at or above [`MIN_UPLOAD_BYTES_PER_SEC`].
struct UploadPace {
    started: tokio::time::Instant,
    received: u64,
    stall_timeout: std::time::Duration,
}

impl UploadPace {
    fn new(stall_timeout: std::time::Duration) -> UploadPace {
        UploadPace {
            started: tokio::time::Instant::now(),
            received: 0,
            stall_timeout,
        }
    }

    /// Waits for `read` (a read from the body that yields `bytes` bytes) within the stall timeout.
    async fn read<T>(
        &mut self,
        read: impl std::future::Future<Output = Result<T, MultipartError>>,
        bytes: impl Fn(&T) -> usize,
    ) -> Result<T, AppError> {
        let value = tokio::time::timeout(self.stall_timeout, read)
            .await
            .map_err(|_| self.stalled("sent nothing"))?
            .map_err(bad_multipart)?;
        self.received += bytes(&value) as u64;
        if too_slow(self.received, self.started.elapsed(), self.stall_timeout) {
            return Err(self.stalled("is too slow"));
        }
        Ok(value)
    }

    async fn next_field<'a>(
        &mut self,
        multipart: &'a mut Multipart,
    ) -> Result<Option<Field<'a>>, AppError> {
        self.read(multipart.next_field(), |_| 0).await
    }

    async fn chunk(
        &mut self,
        field: &mut Field<'_>,
    ) -> Result<Option<axum::body::Bytes>, AppError> {
        self.read(field.chunk(), |chunk| chunk.as_ref().map_or(0, |c| c.len()))
            .await
    }

    fn stalled(&self, what: &str) -> AppError {
        AppError::RequestTimeout {
            code: ErrorCode::UploadStalled,
            message: format!(
                "The upload {what}: after {} s it must keep sending at least {} KiB/s on average. Check your connection and upload again.",
                self.stall_timeout.as_secs(),
                MIN_UPLOAD_BYTES_PER_SEC / 1024
            ),
        }
    }
}

/// Whether an upload that has received `received` bytes in `elapsed` is below the minimum rate,
/// which counts once the upload has run for `grace`.
fn too_slow(received: u64, elapsed: std::time::Duration, grace: std::time::Duration) -> bool {
    elapsed >= grace && (received as f64) < elapsed.as_secs_f64() * MIN_UPLOAD_BYTES_PER_SEC as f64
}

/// A small text part, at most `limit` bytes.
async fn read_text(
    mut field: Field<'_>,
    pace: &mut UploadPace,
    name: &'static str,
    limit: usize,
) -> Result<String, AppError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = pace.chunk(&mut field).await? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > limit {
            return Err(AppError::field(
                ErrorCode::PartTooLarge,
                name,
                format!("The {name} part is larger than {limit} bytes."),
            ));
        }
    }
    String::from_utf8(bytes).map_err(|_| {
        AppError::field(
            ErrorCode::NotUtf8,
            name,
            format!("The {name} part is not UTF-8 text."),
        )
    })
}

#[utoipa::path(post, path = "/{kind}/{name}/releases", tag = "releases", security(("token" = ["publish"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path, description = "the resource name")),
    request_body(content_type = "multipart/form-data", description = "Parts: file (the zip), and optional changelog, channel (private, alpha, beta, stable), publish (true for a published release; otherwise a draft).\n\n\
To create the resource together with its first release, send a text part `resource` BEFORE the `file` part: JSON `{\"team\", \"title\", \"short_description\", \"description\", \"category\", \"tags\": [..]}` (NewResourceDetails). The name is the one in the path. The caller's rights in that team (developer or above) and the details are checked before any byte of the file is read; the resource, its tags and the release are then created in one transaction once the zip is valid, so a refused upload leaves nothing. A name that is taken (already, or by another upload meanwhile) is `409 name-taken`. Without a `resource` part the resource must exist (`404` otherwise)."),
    responses((status = 201, body = ReleaseInfo), (status = 401, body = crate::error::ErrorBody), (status = 403, description = "No right to upload to this resource, or to create resources in the team.", body = crate::error::ErrorBody), (status = 404, description = "No such resource, and no resource part before the file to create it.", body = crate::error::ErrorBody), (status = 409, description = "version-exists: the resource has this version; name-taken: the resource part asks for a name that is taken.", body = crate::error::ErrorBody), (status = 408, description = "The upload stalled or was too slow.", body = crate::error::ErrorBody), (status = 413, body = crate::error::ErrorBody), (status = 422, description = "The zip was refused (diagnostics lists why), or the resource part is invalid (field names the detail).", body = crate::error::ErrorBody)))]
/// `POST /store/v1/{type}/{name}/releases`: upload a release zip (multipart: `file`, and optional
/// `changelog`, `channel`, `publish`). Without `publish=true` the release is a draft. With a
/// `resource` part before the file, the resource is created with this first release.
pub async fn upload_release(
    State(state): State<AppState>,
    caller: Authorized<Publish>,
    Path((kind_segment, name)): Path<(String, String)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<ReleaseInfo>), AppError> {
    let kind = parse_kind(&kind_segment)?;
    let existing = service::find(&state.pool, kind, &name).await?;
    // Check rights before reading a byte of the body.
    if let Some(resource) = &existing {
        service::authorize(
            &state.pool,
            caller.actor(),
            &resource.team_id,
            "upload releases",
        )
        .await?;
    }
    let mut multipart = multipart.map_err(|e| AppError::Invalid {
        code: ErrorCode::BadUpload,
        field: None,
        message: format!(
            "{} Send multipart/form-data with the zip in a part named file.",
            e.body_text()
        ),
    })?;

    let limit = state.settings.max_upload_size;
    let mut target = existing.as_ref().map(UploadTarget::Existing);
    let mut file = None;
    let mut new = NewRelease {
        changelog: String::new(),
        channel: Channel::Stable,
        publish: false,
        review_policy: state.settings.review_policy,
    };
    let mut pace = UploadPace::new(state.settings.upload_stall_timeout);
    while let Some(mut field) = pace.next_field(&mut multipart).await? {
        match field.name().unwrap_or_default() {
            "resource" => {
                if file.is_some() || matches!(target, Some(UploadTarget::New(_))) {
                    return Err(AppError::field(
                        ErrorCode::MisplacedResource,
                        "resource",
                        "Send one resource part, before the file part.",
                    ));
                }
                let text = read_text(field, &mut pace, "resource", 256 * 1024).await?;
                let details: NewResourceDetails = serde_json::from_str(&text).map_err(|e| {
                    AppError::field(
                        ErrorCode::InvalidResource,
                        "resource",
                        format!("The resource part is not the JSON this endpoint takes: {e}"),
                    )
                })?;
                // The name is free (a taken one, existing included, is `409 name-taken`), the
                // caller may create resources in the team, and the details are valid: all before
                // the file is read.
                let new_resource = NewResource::new(name.clone(), details);
                target = Some(UploadTarget::New(Box::new(
                    service::check_new(&state.pool, caller.actor(), kind, new_resource).await?,
                )));
            }
            "file" => {
                if target.is_none() {
                    return Err(no_such_resource(kind, &name));
                }
                let mut temp = state
                    .blobs
                    .create_temp()
                    .await
                    .map_err(|e| AppError::Internal(e.to_string()))?;
                while let Some(chunk) = pace.chunk(&mut field).await? {
                    if temp.size() + chunk.len() as u64 > limit {
                        return Err(AppError::TooLarge(format!(
                            "The upload is larger than this store's limit of {}.",
                            crate::validate::human_size(limit)
                        )));
                    }
                    temp.write(&chunk)
                        .await
                        .map_err(|e| AppError::Internal(e.to_string()))?;
                }
                file = Some(
                    temp.finish()
                        .await
                        .map_err(|e| AppError::Internal(e.to_string()))?,
                );
            }
            "changelog" => {
                new.changelog = read_text(field, &mut pace, "changelog", 256 * 1024).await?
            }
            "channel" => {
                let text = read_text(field, &mut pace, "channel", 64).await?;
                new.channel = parse_channel(text.trim())?;
            }
            "publish" => {
                let text = read_text(field, &mut pace, "publish", 64).await?;
                new.publish = matches!(text.trim(), "true" | "1" | "on" | "yes");
            }
            _ => while pace.chunk(&mut field).await?.is_some() {},
        }
    }
    let target = target.ok_or_else(|| no_such_resource(kind, &name))?;
    let blob = file.ok_or_else(|| {
        AppError::field(
            ErrorCode::MissingFile,
            "file",
            "No zip in the upload: send it in a part named file.",
        )
    })?;
    let info = releases::create(
        &state.pool,
        &state.blobs,
        caller.actor(),
        target,
        UploadedZip {
            blob,
            max_upload_size: limit,
        },
        new,
        db::now(),
    )
    .await?;
    // The resource row as stored (for a new resource, the one this upload created).
    let resource = service::find_or_404(&state.pool, kind, &name).await?;
    crate::resources::media::take_from_release(
        &state.pool,
        &state.blobs,
        &crate::resources::media::MediaStore::new(&state.blobs),
        &resource,
        &info,
    )
    .await;
    Ok((StatusCode::CREATED, Json(info)))
}

/// The `404` of an upload to a resource that does not exist, saying how to create it.
fn no_such_resource(kind: Kind, name: &str) -> AppError {
    AppError::NotFound(format!(
        "There is no {} named '{name}'. To create it with this upload, send a resource part before the file part.",
        if kind == Kind::Package {
            "package"
        } else {
            "asset pack"
        }
    ))
}

#[utoipa::path(get, path = "/{kind}/{name}/releases", tag = "releases", security((), ("token" = ["download"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path, description = "the resource name")),
    responses((status = 200, body = Vec<ReleaseInfo>), (status = 404, body = crate::error::ErrorBody)))]
/// `GET /store/v1/{type}/{name}/releases`: the releases the caller may see, newest first.
pub async fn list_releases(
    State(state): State<AppState>,
    caller: MaybeAuthorized<Download>,
    Path((kind_segment, name)): Path<(String, String)>,
) -> Result<Json<Vec<ReleaseInfo>>, AppError> {
    let (resource, private) =
        visible_resource(&state, caller.caller(), &kind_segment, &name).await?;
    let list = releases::list(&state.pool, &resource, private).await?;
    Ok(Json(list.iter().map(Release::info).collect()))
}

#[utoipa::path(get, path = "/{kind}/{name}/releases/{version}", tag = "releases", security((), ("token" = ["download"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path, description = "the resource name"), ("version" = String, Path, description = "X.Y.Z")),
    responses((status = 200, body = ReleaseInfo), (status = 404, body = crate::error::ErrorBody)))]
/// `GET /store/v1/{type}/{name}/releases/{version}`
pub async fn get_release(
    State(state): State<AppState>,
    caller: MaybeAuthorized<Download>,
    Path((kind_segment, name, version)): Path<(String, String, String)>,
) -> Result<Json<ReleaseInfo>, AppError> {
    let (resource, private) =
        visible_resource(&state, caller.caller(), &kind_segment, &name).await?;
    Ok(Json(
        releases::find(&state.pool, &resource, &version, private)
            .await?
            .info(),
    ))
}

/// Body of `PATCH .../releases/{version}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UpdateRelease {
    pub changelog: Option<String>,
    pub channel: Option<Channel>,
}

#[utoipa::path(patch, path = "/{kind}/{name}/releases/{version}", tag = "releases", security(("token" = ["manage"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path, description = "the resource name"), ("version" = String, Path, description = "X.Y.Z")), request_body = UpdateRelease,
    responses((status = 200, body = ReleaseInfo), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
/// `PATCH /store/v1/{type}/{name}/releases/{version}`: edit changelog or channel.
pub async fn update_release(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path((kind_segment, name, version)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<UpdateRelease>,
) -> Result<Json<ReleaseInfo>, AppError> {
    let resource = resource(&state, &kind_segment, &name).await?;
    Ok(Json(
        releases::update(
            &state.pool,
            caller.actor(),
            &resource,
            &version,
            body.changelog,
            body.channel,
        )
        .await?,
    ))
}

#[utoipa::path(post, path = "/{kind}/{name}/releases/{version}/publish", tag = "releases", security(("token" = ["manage"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path, description = "the resource name"), ("version" = String, Path, description = "X.Y.Z")),
    responses((status = 200, body = ReleaseInfo), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
/// `POST /store/v1/{type}/{name}/releases/{version}/publish`
pub async fn publish_release(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path((kind_segment, name, version)): Path<(String, String, String)>,
) -> Result<Json<ReleaseInfo>, AppError> {
    let resource = resource(&state, &kind_segment, &name).await?;
    Ok(Json(
        releases::publish(
            &state.pool,
            caller.actor(),
            &resource,
            &version,
            state.settings.review_policy,
            db::now(),
        )
        .await?,
    ))
}

#[utoipa::path(delete, path = "/{kind}/{name}/releases/{version}", tag = "releases", security(("token" = ["manage"]), ("session" = [])), params(("kind" = String, Path, description = "packages or assets"), ("name" = String, Path, description = "the resource name"), ("version" = String, Path, description = "X.Y.Z")),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
/// `DELETE /store/v1/{type}/{name}/releases/{version}`: drafts only.
pub async fn delete_release(
    State(state): State<AppState>,
    caller: Authorized<Manage>,
    Path((kind_segment, name, version)): Path<(String, String, String)>,
) -> Result<StatusCode, AppError> {
    let resource = resource(&state, &kind_segment, &name).await?;
    releases::delete_draft(
        &state.pool,
        &state.blobs,
        caller.actor(),
        &resource,
        &version,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_trickle_is_too_slow_only_after_the_grace_period() {
        use std::time::Duration;
        let grace = Duration::from_secs(30);
        // 1 byte every 5 s: fine at first, refused once the grace period is over.
        assert!(!super::too_slow(6, Duration::from_secs(29), grace));
        assert!(super::too_slow(7, Duration::from_secs(35), grace));
        // 1 KiB/s on average is enough.
        assert!(!super::too_slow(40 * 1024, Duration::from_secs(40), grace));
        assert!(super::too_slow(
            40 * 1024 - 1,
            Duration::from_secs(40),
            grace
        ));
    }
}
