//! Moderation: the store's staff (site roles), what they do and why (the moderation log),
//! suspended accounts, yanked releases and takedowns. The types here are shared by the server and
//! the browser; the rules are in [`service`], who may act in [`crate::access`].

use serde::{Deserialize, Serialize};

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod reports;
#[cfg(feature = "ssr")]
pub mod service;

/// A site-wide role, above any team role: staff see and act on every team's resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum SiteRole {
    /// Answers reports, reviews releases, takes down resources and releases, suspends users.
    Moderator,
    /// Everything a moderator does, and also grants and revokes site roles and purges files.
    Admin,
}

crate::validate::enum_names!(SiteRole, "site role", {
    Admin => "admin",
    Moderator => "moderator",
});

/// Why a taken-down resource or release is gone, which sets the status its pages and downloads
/// answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum TakedownKind {
    /// Removed by the staff: `410 Gone`.
    Gone,
    /// Removed for legal reasons: `451 Unavailable For Legal Reasons`.
    Legal,
}

crate::validate::enum_names!(TakedownKind, "takedown kind", {
    Gone => "gone",
    Legal => "legal",
});

/// A takedown as the team and the staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Takedown {
    pub kind: TakedownKind,
    /// Shown to everyone who reaches the resource or release.
    pub reason: String,
}

impl Takedown {
    /// What everyone but the team and the staff are told about `what` (a resource's name, or a
    /// name and version): `taken-down`, or `unavailable-for-legal-reasons`, with the reason.
    pub fn notice(&self, what: &str) -> crate::error::ErrorBody {
        let (code, message) = match self.kind {
            TakedownKind::Gone => (
                crate::error::ErrorCode::TakenDown,
                format!(
                    "{what} was taken down by the store's staff: {}",
                    self.reason
                ),
            ),
            TakedownKind::Legal => (
                crate::error::ErrorCode::UnavailableForLegalReasons,
                format!("{what} is unavailable for legal reasons: {}", self.reason),
            ),
        };
        crate::error::ErrorBody::new(code, message)
    }

    /// The same as an error of the server: `410`, or `451` for legal reasons.
    #[cfg(feature = "ssr")]
    pub fn refusal(&self, what: &str) -> crate::error::AppError {
        crate::error::AppError::TakenDown {
            legal: self.kind == TakedownKind::Legal,
            message: self.notice(what).message,
        }
    }
}

/// Where a release's review stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ReviewState {
    /// Waiting for the staff: published once a moderator approves it.
    Pending,
    /// Declined, with a reason; publishing it again asks for another review.
    Declined,
}

crate::validate::enum_names!(ReviewState, "review state", {
    Pending => "pending",
    Declined => "declined",
});

/// A release's review, under the store's review policy (its team and the staff see it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Review {
    pub state: ReviewState,
    /// Why the staff declined it.
    pub reason: Option<String>,
}

/// A yanked release: still downloadable by its exact version, never chosen as the latest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Yank {
    pub yanked_at: i64,
    /// Why, in the author's or the staff's words (may be empty).
    pub reason: String,
}

/// One line of the moderation log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LogEntry {
    /// Who acted (a username, as it was).
    pub actor: String,
    /// What they did, such as `takedown` or `suspend`.
    pub action: String,
    /// What it was done to, such as `packages/drift 1.2.0` or `user alice`.
    pub subject: String,
    /// Why.
    pub reason: String,
    pub created_at: i64,
}

/// An account's suspension, as the account and the staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Suspension {
    pub reason: String,
    /// When it ends; `None` for good.
    pub ends_at: Option<i64>,
}

/// Longest reason given for a staff action or a yank, in characters.
pub const REASON_MAX: usize = 2_000;

/// Why a user reports a resource or a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ReportReason {
    /// Code that harms the players' or the servers' machines.
    Malware,
    /// Someone else's work, uploaded without their leave.
    StolenContent,
    /// It does not work.
    Broken,
    /// Advertising, or uploads with no purpose.
    Spam,
    /// Anything else (say what in the details).
    Other,
}

crate::validate::enum_names!(ReportReason, "report reason", {
    Malware => "malware",
    StolenContent => "stolen-content",
    Broken => "broken",
    Spam => "spam",
    Other => "other",
});

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ReportStatus {
    /// Waiting for the staff.
    Open,
    /// Looked at; nothing to do.
    Dismissed,
    /// Looked at, and acted on (a takedown, a suspension, a word with the team).
    ActedOn,
}

crate::validate::enum_names!(ReportStatus, "report status", {
    Open => "open",
    Dismissed => "dismissed",
    ActedOn => "acted-on",
});

/// A report, as its reporter and the staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Report {
    pub id: String,
    /// `packages` or `assets`.
    pub kind: String,
    /// The resource's name.
    pub resource: String,
    /// The release reported; `None` for the whole resource.
    pub version: Option<String>,
    pub reason: ReportReason,
    pub details: String,
    pub status: ReportStatus,
    /// Who reported it; `None` once their account is deleted.
    pub reporter: Option<String>,
    /// The staff member handling it.
    pub assignee: Option<String>,
    /// The staff's note on the outcome, which the reporter reads.
    pub resolution_note: Option<String>,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
}

/// Longest details of a report, in characters.
pub const REPORT_DETAILS_MAX: usize = 5_000;

/// A release as the staff's list of recent uploads shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentUpload {
    /// `packages` or `assets`.
    pub kind: String,
    pub resource: String,
    pub team: String,
    pub version: String,
    /// `draft` or `published`.
    pub state: String,
    pub uploaded_by: String,
    pub created_at: i64,
    /// Whether the release or its resource is taken down.
    pub taken_down: bool,
}

/// What a staff search of users, teams and resources found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffSearch {
    pub users: Vec<FoundUser>,
    pub teams: Vec<FoundTeam>,
    pub resources: Vec<FoundResource>,
}

/// A user found by a staff search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundUser {
    pub username: String,
    pub display_name: String,
    pub site_role: Option<SiteRole>,
    /// Whether a suspension is in force.
    pub suspended: bool,
}

/// A team found by a staff search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundTeam {
    pub name: String,
    pub title: String,
}

/// A resource found by a staff search, taken down or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundResource {
    /// `packages` or `assets`.
    pub kind: String,
    pub name: String,
    pub title: String,
    pub team: String,
    pub taken_down: bool,
}

/// What the staff see of an account on its profile page: its suspension, if one is in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountStanding {
    /// The viewer's own site role (what they may do here).
    pub viewer_role: SiteRole,
    pub suspension: Option<Suspension>,
}
