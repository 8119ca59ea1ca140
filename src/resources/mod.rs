//! Resources (packages and asset packs) and their releases.

pub mod api;
#[cfg(feature = "ssr")]
pub mod facts;
#[cfg(feature = "ssr")]
pub mod images;
pub mod manage;
#[cfg(feature = "ssr")]
pub mod media;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod releases;
#[cfg(feature = "ssr")]
pub mod search;
#[cfg(feature = "ssr")]
pub mod service;
pub mod wizard;

use serde::{Deserialize, Serialize};

use crate::validate::{Kind, Limits, ManifestSummary};

/// Longest short description, in characters.
pub const SHORT_DESCRIPTION_MAX: usize = 256;
/// Most tags per resource.
pub const MAX_TAGS: usize = 10;

/// The `{type}` path segment of the API: `packages` or `assets`.
pub fn kind_from_path(segment: &str) -> Option<Kind> {
    match segment {
        "packages" => Some(Kind::Package),
        "assets" => Some(Kind::AssetPack),
        _ => None,
    }
}

/// The `{type}` path segment, or `404` when it names no resource type: the one parser of the
/// resource type for the API, the server functions and the pages' forms.
#[cfg(feature = "ssr")]
pub fn parse_kind(segment: &str) -> Result<Kind, crate::error::AppError> {
    kind_from_path(segment).ok_or_else(|| {
        crate::error::AppError::NotFound(format!(
            "Unknown resource type {segment:?}: the resource type is packages or assets."
        ))
    })
}

/// A channel name from a request (a form field, an upload part, a query), or `422
/// invalid-channel` naming the field `channel`.
#[cfg(feature = "ssr")]
pub fn parse_channel(name: &str) -> Result<Channel, crate::error::AppError> {
    Channel::parse(name).map_err(|message| {
        crate::error::AppError::field(crate::error::ErrorCode::InvalidChannel, "channel", message)
    })
}

/// The path segment for a kind (`packages`, `assets`).
pub fn path_of_kind(kind: Kind) -> &'static str {
    match kind {
        Kind::Package => "packages",
        Kind::AssetPack => "assets",
    }
}

/// Where a release is offered, from least to most stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Channel {
    /// Only the team's members see it.
    Private,
    Alpha,
    Beta,
    Stable,
}

// Least stable first.
crate::validate::enum_names!(Channel, "channel", {
    Private => "private",
    Alpha => "alpha",
    Beta => "beta",
    Stable => "stable",
});

/// Whether a release is visible beyond its team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ReleaseState {
    Draft,
    Published,
}

crate::validate::enum_names!(ReleaseState, "release state", {
    Draft => "draft",
    Published => "published",
});

/// A resource as the API and pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ResourceInfo {
    pub kind: Kind,
    pub name: String,
    pub team: String,
    pub title: String,
    pub short_description: String,
    /// Markdown.
    pub description: String,
    pub category: String,
    pub tags: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub download_count: i64,
    /// The newest published release on a public channel.
    pub latest_version: Option<String>,
    /// An SPDX license expression, such as `MIT` or `Apache-2.0 OR MIT`.
    pub license: Option<String>,
    /// Where to find more (http or https addresses).
    pub links: ResourceLinks,
    /// The icon's addresses, when the resource has one.
    pub icon: Option<Icon>,
    /// Set while the store's staff have it taken down (only its team and the staff see it then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub takedown: Option<crate::moderation::Takedown>,
}

/// A resource's links. In an update, the object replaces all four: a missing or blank one is
/// removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ResourceLinks {
    /// The source code.
    #[serde(default)]
    pub source: Option<String>,
    /// The issue tracker.
    #[serde(default)]
    pub issues: Option<String>,
    /// The documentation or wiki.
    #[serde(default)]
    pub wiki: Option<String>,
    /// A Discord invitation.
    #[serde(default)]
    pub discord: Option<String>,
}

impl ResourceLinks {
    /// The links that are set, with their labels, in the order pages show them.
    pub fn labelled(&self) -> Vec<(&'static str, String)> {
        [
            ("Source", &self.source),
            ("Issues", &self.issues),
            ("Wiki", &self.wiki),
            ("Discord", &self.discord),
        ]
        .into_iter()
        .filter_map(|(label, url)| url.clone().map(|url| (label, url)))
        .collect()
    }
}

/// A resource's icon at the sizes the pages use (square PNGs, stored by content hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Icon {
    /// 64 px: cards and lists.
    pub small: String,
    /// 128 px: the resource page.
    pub large: String,
}

/// A screenshot of a resource's gallery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Screenshot {
    pub id: String,
    pub caption: String,
    /// At most 1280 px wide.
    pub url: String,
    /// At most 400 px wide.
    pub thumbnail_url: String,
    pub width: i64,
    pub height: i64,
}

/// Another resource named in requirements, with what the store knows of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Related {
    pub kind: Kind,
    pub name: String,
    /// `None` when the store has no such resource (it may ship with the game server).
    pub title: Option<String>,
    pub icon: Option<Icon>,
}

/// A release as the API and pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReleaseInfo {
    pub version: String,
    pub channel: Channel,
    pub state: ReleaseState,
    /// Markdown.
    pub changelog: String,
    pub sha256: String,
    pub size: i64,
    pub unpacked_size: i64,
    pub file_count: i64,
    pub manifest: Option<ManifestSummary>,
    pub uploaded_by: String,
    pub created_at: i64,
    pub published_at: Option<i64>,
    pub download_count: i64,
    /// Set when the release is yanked: downloadable by its version, never the latest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yanked: Option<crate::moderation::Yank>,
    /// Set while the store's staff have it taken down (only its team and the staff see it then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub takedown: Option<crate::moderation::Takedown>,
    /// Set while publishing it waits for the staff's review, or after they declined it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<crate::moderation::Review>,
}

impl ReleaseInfo {
    /// Whether anyone may see it: published on a public channel, and not taken down.
    pub fn is_public(&self) -> bool {
        self.state == ReleaseState::Published
            && self.channel != Channel::Private
            && self.takedown.is_none()
    }
}

/// What a bulk action of the release management page does to each release chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum BulkAction {
    /// Yank published releases (installs no longer choose them).
    Yank,
    /// Take their yanks back.
    Unyank,
    /// Delete drafts, with each file no other release shares.
    Delete,
}

crate::validate::enum_names!(BulkAction, "bulk action", {
    Yank => "yank",
    Unyank => "unyank",
    Delete => "delete",
});

/// Most releases one bulk action takes.
pub const BULK_MAX: usize = 100;

/// What a bulk action did to one release: `error` says why it was refused (the others go on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BulkOutcome {
    pub version: String,
    pub error: Option<crate::error::ErrorBody>,
}

/// A release waiting for review, in the staff's queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReviewItem {
    /// `packages` or `assets`.
    pub kind: String,
    pub resource: String,
    pub team: String,
    pub version: String,
    pub channel: Channel,
    pub uploaded_by: String,
    pub created_at: i64,
}

/// The details of a new resource: the `resource` part of an upload that creates its resource
/// (`POST /store/v1/{type}/{name}/releases`, the name being the path's), and what the wizard's
/// Details step checks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewResourceDetails {
    /// The team's name; the caller must be a developer or above in it.
    pub team: String,
    pub title: String,
    #[serde(default)]
    pub short_description: String,
    /// Markdown.
    #[serde(default)]
    pub description: String,
    /// A package's type (`game-mode`, `script`, ...) or an asset pack's category.
    pub category: String,
    /// Normalised by the store: "Fun Stuff" is kept as `fun-stuff`.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// The store's upload limits, as the wizard and the clients need them before anything is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UploadLimits {
    /// Largest upload the store accepts, in bytes (`NANOS_STORE_MAX_UPLOAD_SIZE`).
    pub max_upload_size: u64,
    /// The validator's limits that size gives, the same as the server's full check uses.
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub validator: Limits,
}

impl UploadLimits {
    /// The limits of a store that accepts uploads of up to `max_upload_size` bytes (its
    /// `max_upload_size` setting): the validator's archive limit is that size, so that what the
    /// store accepts over HTTP is never refused as `too-large` by the validator, and a zip the
    /// validator passes is never refused by HTTP. The unpacked limit grows with it (to at least 8
    /// times the archive limit) so that a large archive of stored, uncompressed files is not refused
    /// for its unpacked size; the other limits stay as they are.
    pub fn new(max_upload_size: u64) -> UploadLimits {
        let default = Limits::default();
        UploadLimits {
            max_upload_size,
            validator: Limits {
                max_archive_size: max_upload_size,
                max_unpacked_size: default
                    .max_unpacked_size
                    .max(max_upload_size.saturating_mul(8)),
                ..default
            },
        }
    }
}

/// A filter value and how many resources it would show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FacetCount {
    pub value: String,
    pub count: i64,
}

/// The filters a listing offers, with counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Facets {
    pub categories: Vec<FacetCount>,
    pub tags: Vec<FacetCount>,
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub page_size: i64,
    /// How many items the listing has, counted exactly up to a limit (1,000 for resources);
    /// above it, the limit itself, with `total_exact` false.
    pub total: i64,
    /// Whether `total` is the exact count (false: there are more than `total`).
    pub total_exact: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_are_ordered_by_stability() {
        assert!(Channel::Stable > Channel::Beta);
        assert!(Channel::Beta > Channel::Alpha);
        assert!(Channel::Alpha > Channel::Private);
        assert_eq!(Channel::parse("beta").unwrap(), Channel::Beta);
        assert!(Channel::parse("nightly").is_err());
    }

    #[test]
    fn names_are_the_serde_names() {
        for channel in Channel::ALL {
            let json = serde_json::to_string(&channel).unwrap();
            assert_eq!(json, format!("\"{}\"", channel.as_str()));
        }
        for state in ReleaseState::ALL {
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(json, format!("\"{}\"", state.as_str()));
        }
        assert_eq!(
            Channel::parse("nightly").unwrap_err(),
            "unknown channel \"nightly\": expected private, alpha, beta or stable"
        );
    }

    #[test]
    fn kinds_in_paths() {
        assert_eq!(kind_from_path("packages"), Some(Kind::Package));
        assert_eq!(kind_from_path("assets"), Some(Kind::AssetPack));
        assert_eq!(kind_from_path("maps"), None);
        assert_eq!(path_of_kind(Kind::AssetPack), "assets");
    }

    #[test]
    fn the_archive_limit_follows_the_upload_size() {
        use crate::validate::limits::GIB;
        let small = UploadLimits::new(100).validator;
        assert_eq!(small.max_archive_size, 100);
        assert_eq!(small.max_unpacked_size, Limits::default().max_unpacked_size);
        // Raised above the built-in 1 GiB: the validator's limit follows.
        let large = UploadLimits::new(5 * GIB).validator;
        assert_eq!(large.max_archive_size, 5 * GIB);
        assert!(large.max_archive_size > Limits::default().max_archive_size);
        assert_eq!(large.max_unpacked_size, 40 * GIB);
        assert_eq!(large.max_entries, Limits::default().max_entries);
    }
}
