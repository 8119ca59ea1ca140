//! Teams: the holders of resources, with members and roles.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;

use serde::{Deserialize, Serialize};

/// Longest team title, in characters.
pub const TITLE_MAX: usize = 100;
/// Longest description, in characters.
pub const DESCRIPTION_MAX: usize = 10_000;

/// A member's role, from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Role {
    /// Sees and downloads private releases and drafts (testers).
    Member,
    /// Creates and edits the team's resources, uploads and publishes releases.
    Developer,
    /// Edits the team's information, manages members below admin.
    Admin,
    /// Everything, including owners and deleting the team.
    Owner,
}

// Most powerful first.
crate::validate::enum_names!(Role, "role", {
    Owner => "owner",
    Admin => "admin",
    Developer => "developer",
    Member => "member",
});

impl Role {
    /// What the role may do, for the pages where people choose a role.
    pub fn description(self) -> &'static str {
        match self {
            Role::Owner => "Everything an admin can do, and also: invite, promote and remove admins and owners, and delete the team.",
            Role::Admin => "Everything a developer can do, and also: edit the team's title and description, invite and remove developers and members, change their roles, and read the audit log.",
            Role::Developer => "Everything a member can do, and also: create and edit the team's packages and asset packs, upload releases and publish drafts.",
            Role::Member => "Sees and downloads the team's private releases and drafts (for testers). Cannot change anything.",
        }
    }
}

/// A team as listed: name, title and the viewer's role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MyTeam {
    pub name: String,
    pub title: String,
    pub role: Role,
}

/// A team member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Member {
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

/// An invitation to join a team, waiting for the invited user to accept or decline it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Invitation {
    /// The team's name.
    pub team: String,
    /// The team's title.
    pub team_title: String,
    /// The invited user.
    pub username: String,
    /// The role the user gets on accepting.
    pub role: Role,
    /// Who sent the invitation.
    pub invited_by: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// A team with its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TeamDetails {
    pub name: String,
    pub title: String,
    /// Markdown source.
    pub description: String,
    pub created_at: i64,
    pub members: Vec<Member>,
}

/// A team's public page: its details, the description as safe HTML, and the viewer's role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamPage {
    pub team: TeamDetails,
    pub description_html: String,
    pub viewer_role: Option<Role>,
    /// The team's packages and asset packs.
    pub resources: Vec<crate::resources::ResourceInfo>,
}

/// One line of a team's audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    pub detail: Option<String>,
    pub created_at: i64,
}

/// Checks a team name: the resource-name pattern `^[a-z0-9-]{1,64}$`.
pub fn check_name(name: &str) -> Result<(), String> {
    if crate::validate::manifest::is_resource_name(name) {
        Ok(())
    } else {
        Err("A team name has 1 to 64 lowercase letters, digits and '-'. It is the team's address: /teams/name.".into())
    }
}

/// Checks a title: 1 to 100 characters once trimmed.
pub fn check_title(title: &str) -> Result<(), String> {
    let length = title.trim().chars().count();
    if length == 0 {
        return Err("Give the team a title.".into());
    }
    if length > TITLE_MAX {
        return Err(format!(
            "A title has at most {TITLE_MAX} characters; this one has {length}."
        ));
    }
    Ok(())
}

/// Checks a description: at most 10,000 characters.
pub fn check_description(description: &str) -> Result<(), String> {
    let length = description.chars().count();
    if length > DESCRIPTION_MAX {
        return Err(format!(
            "A description has at most {DESCRIPTION_MAX} characters; this one has {length}."
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Owner > Role::Admin);
        assert!(Role::Admin > Role::Developer);
        assert!(Role::Developer > Role::Member);
        assert_eq!(Role::parse("developer").unwrap(), Role::Developer);
        assert!(Role::parse("god").is_err());
        assert_eq!(
            Role::ALL,
            [Role::Owner, Role::Admin, Role::Developer, Role::Member]
        );
        for role in Role::ALL {
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
    }

    #[test]
    fn names_titles_descriptions() {
        assert!(check_name("my-team-1").is_ok());
        assert!(check_name("My Team").is_err());
        assert!(check_name("").is_err());
        assert!(check_name(&"a".repeat(65)).is_err());
        assert!(check_title(" ").is_err());
        assert!(check_title("Studio").is_ok());
        assert!(check_description(&"x".repeat(10_001)).is_err());
    }
}
