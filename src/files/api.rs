//! Server functions behind the file browser and the comparison pages, under `/api/files/`, and
//! the wizard's list of the latest release's files. Each is a thin call of [`super::service`]
//! with the visibility rules of releases.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Changes, FileDiffView, FileEntry, FileView, TreeEntry};
use crate::error::ErrorBody;

/// A release's file browser page: a folder's entries, or one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilesPageData {
    pub kind: String,
    pub name: String,
    pub title: String,
    pub version: String,
    /// The path shown (`""` for the zip's root).
    pub path: String,
    /// The folder's entries, folders first (for a folder), at most
    /// [`service::MAX_FOLDER_ENTRIES`](crate::files::service::MAX_FOLDER_ENTRIES).
    pub entries: Vec<TreeEntry>,
    /// How many entries the folder has in all.
    pub total_entries: usize,
    /// The file (for a file), with how it is shown.
    pub file: Option<(FileEntry, FileView)>,
    /// How many files the release has, and their unpacked size.
    pub file_count: u64,
    pub unpacked_size: u64,
}

/// The comparison page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparePageData {
    pub kind: String,
    pub name: String,
    pub title: String,
    pub from: String,
    pub to: String,
    pub summary: String,
    pub changes: Changes,
    pub diffs: Vec<FileDiffView>,
}

/// The latest release's files, for the upload wizard's "changes since the latest release".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatestReleaseFiles {
    pub version: String,
    pub files: Vec<FileEntry>,
}

#[cfg(feature = "ssr")]
mod server {
    pub use crate::access;
    pub use crate::accounts::session;
    pub use crate::error::AppError;
    pub use crate::files::service;
    pub use crate::resources::{parse_kind, releases, service as resources};
    pub use crate::state::{state, AppState};

    /// The resource, and whether the viewer sees its private releases; `404`, `410` and `451` as
    /// for its pages.
    pub async fn visible(
        state: &AppState,
        kind: &str,
        name: &str,
    ) -> Result<(resources::Resource, bool), AppError> {
        let resource = resources::find_or_404(&state.pool, parse_kind(kind)?, name).await?;
        let viewer = session::caller(state).await?;
        let private = access::sees_private(&state.pool, viewer.as_ref(), &resource.team_id).await?;
        resource.refuse_if_taken_down(private)?;
        Ok((resource, private))
    }
}

/// Largest text file shown in the page (plain past the highlighting limit); larger ones are
/// offered as downloads only.
pub const MAX_SHOWN_BYTES: u64 = 2 * 1024 * 1024;

/// The file browser's data for `path` (a folder, `""` for the root, or a file) of a release.
#[server(prefix = "/api/files", endpoint = "browse")]
pub async fn files_page(
    kind: String,
    name: String,
    version: String,
    #[server(default)] path: String,
) -> Result<FilesPageData, ErrorBody> {
    use server::*;
    let state = state()?;
    let (resource, private) = visible(&state, &kind, &name).await?;
    let release = releases::find(&state.pool, &resource, &version, private).await?;
    let zip = release.zip();
    let browsed = service::browse(&state.pool, &state.blobs, &zip, &path).await?;
    let mut data = FilesPageData {
        kind,
        name: resource.name.clone(),
        title: resource.title.clone(),
        version: release.version.clone(),
        path: path.trim_matches('/').to_string(),
        entries: Vec::new(),
        total_entries: 0,
        file: None,
        file_count: release.file_count as u64,
        unpacked_size: release.unpacked_size as u64,
    };
    match browsed {
        service::Browsed::File(file) => {
            let view = service::view(&state.blobs, &zip, &file, MAX_SHOWN_BYTES).await?;
            data.file = Some((file.info(), view));
        }
        service::Browsed::Folder { entries, total } => {
            data.entries = entries;
            data.total_entries = total;
        }
    }
    Ok(data)
}

/// The comparison page's data: release `range`'s two versions (`{a}...{b}`) of a resource.
#[server(prefix = "/api/files", endpoint = "compare")]
pub async fn compare_page(
    kind: String,
    name: String,
    range: String,
) -> Result<ComparePageData, ErrorBody> {
    use server::*;
    let state = state()?;
    let (from, to) = service::parse_comparison(&range)?;
    let (resource, private) = visible(&state, &kind, &name).await?;
    let old = releases::find(&state.pool, &resource, from, private).await?;
    let new = releases::find(&state.pool, &resource, to, private).await?;
    let (changes, diffs) = service::compare(
        &state.pool,
        &state.blobs,
        &old.zip(),
        &new.zip(),
        service::LineDiffs::Show,
    )
    .await?;
    Ok(ComparePageData {
        kind,
        name: resource.name.clone(),
        title: resource.title.clone(),
        from: old.version,
        to: new.version,
        summary: changes.summary(),
        changes,
        diffs: diffs.into_iter().map(service::FileDiff::view).collect(),
    })
}

/// The files of the resource's latest release the viewer may see (any channel, drafts included
/// for its team), for the upload wizard; `None` for a resource without releases.
#[server(prefix = "/api/files", endpoint = "latest")]
pub async fn latest_files(
    kind: String,
    name: String,
) -> Result<Option<LatestReleaseFiles>, ErrorBody> {
    use server::*;
    let state = state()?;
    let (resource, private) = visible(&state, &kind, &name).await?;
    let Some(latest) = releases::newest_visible(&state.pool, &resource, private).await? else {
        return Ok(None);
    };
    let files = service::list(&state.pool, &state.blobs, &latest.zip()).await?;
    Ok(Some(LatestReleaseFiles {
        version: latest.version,
        files: files.iter().map(service::StoredFile::info).collect(),
    }))
}
