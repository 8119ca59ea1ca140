//! Accounts: registration, log-in and log-out, sessions, profiles.
//!
//! The rules for names and passwords live here once and are used by the pages (for instant
//! feedback), the server functions and the admin command alike.

pub mod api;
pub mod auth;
#[cfg(feature = "ssr")]
pub mod client_address;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod throttle;
#[cfg(feature = "ssr")]
pub mod user;

use serde::{Deserialize, Serialize};

/// Shortest allowed username.
pub const USERNAME_MIN: usize = 2;
/// Longest allowed username.
pub const USERNAME_MAX: usize = 39;
/// Shortest allowed password, in characters.
pub const PASSWORD_MIN: usize = 10;
/// Longest accepted password, in bytes (argon2 hashes anything, but a cap stops abuse).
pub const PASSWORD_MAX: usize = 1024;
/// Longest display name, in characters.
pub const DISPLAY_NAME_MAX: usize = 64;

/// The logged-in user as the pages see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInUser {
    pub username: String,
    pub display_name: String,
    /// The store's staff (moderators and admins) get the moderation pages.
    #[serde(default)]
    pub site_role: Option<crate::moderation::SiteRole>,
}

/// A user's public profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub username: String,
    pub display_name: String,
    /// Unix seconds.
    pub joined_at: i64,
    /// The store's staff: moderator or admin.
    #[serde(default)]
    pub site_role: Option<crate::moderation::SiteRole>,
    /// The teams the user belongs to, with their role.
    pub teams: Vec<crate::teams::MyTeam>,
    /// The packages and asset packs of those teams.
    pub resources: Vec<crate::resources::ResourceInfo>,
}

/// What deleting an account would do, shown before the person confirms.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionPlan {
    /// Teams the account is the only owner of that hold resources or have other members: the
    /// account cannot be deleted until someone else owns them (or they are emptied).
    pub blocking: Vec<BlockingTeam>,
    /// Teams with no one else in them and no resources: deleted with the account.
    pub deleted_teams: Vec<String>,
    /// Teams the account leaves; they go on without it.
    pub left_teams: Vec<String>,
}

/// A team that keeps an account from being deleted, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockingTeam {
    pub name: String,
    pub title: String,
    /// The team's resources (their names).
    pub resources: Vec<String>,
    /// How many other members the team has.
    pub other_members: i64,
}

/// Longest address accepted as the page to return to after logging in.
pub const RETURN_PATH_MAX: usize = 2000;

/// The page to return to after logging in or registering, if `next` is a path on this site: it
/// starts with a single `/` (not `//` or `/\`, which browsers read as another host), has no
/// scheme, spaces, control characters or backslashes, and is not the log-in or registration page.
pub fn safe_return_path(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= RETURN_PATH_MAX
        && !next
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control())
        && !["/login", "/register"]
            .iter()
            .any(|page| next == *page || next.starts_with(&format!("{page}?")));
    ok.then_some(next)
}

/// The log-in page's address that returns to `here` (a path with its query) afterwards.
pub fn login_address(here: &str) -> String {
    format!("/login?next={}", encode_component(here))
}

/// `text` encoded for a query value as JavaScript's `encodeURIComponent` does, the same on the
/// server and in the browser (so that hydration finds the same links).
fn encode_component(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'~'
            | b'*'
            | b'\''
            | b'('
            | b')' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `base` with `?next=` when there is a page to return to.
pub fn with_next(base: &str, next: Option<&str>) -> String {
    match next {
        Some(next) => format!("{base}?next={}", encode_component(next)),
        None => base.to_string(),
    }
}

/// Checks a username: lowercase letters, digits and `-`, 2 to 39 characters.
pub fn check_username(name: &str) -> Result<(), String> {
    let length = name.chars().count();
    if !(USERNAME_MIN..=USERNAME_MAX).contains(&length) {
        return Err(format!(
            "A username has {USERNAME_MIN} to {USERNAME_MAX} characters; this one has {length}."
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!(
            "A username may only use lowercase letters, digits and '-'; {bad:?} is not allowed."
        ));
    }
    Ok(())
}

/// Checks a display name: 1 to 64 characters once trimmed, no control characters.
pub fn check_display_name(name: &str) -> Result<(), String> {
    let trimmed = name.trim();
    let length = trimmed.chars().count();
    if length == 0 {
        return Err("Enter the name other people will see.".into());
    }
    if length > DISPLAY_NAME_MAX {
        return Err(format!(
            "A display name has at most {DISPLAY_NAME_MAX} characters; this one has {length}."
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err("A display name cannot contain control characters.".into());
    }
    Ok(())
}

/// Checks a new password: at least 10 characters.
pub fn check_password(password: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < PASSWORD_MIN {
        return Err(format!(
            "Use at least {PASSWORD_MIN} characters; this password has {length}."
        ));
    }
    if password.len() > PASSWORD_MAX {
        return Err(format!("Use at most {PASSWORD_MAX} bytes."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_addresses_are_encoded_like_encode_uri_component() {
        assert_eq!(
            super::login_address("/upload?kind=packages&name=my-mod"),
            "/login?next=%2Fupload%3Fkind%3Dpackages%26name%3Dmy-mod"
        );
        assert_eq!(super::encode_component("é x"), "%C3%A9%20x");
    }

    #[test]
    fn usernames() {
        for good in ["ab", "nanos-fan", "a1", &"x".repeat(39)] {
            assert!(check_username(good).is_ok(), "{good}");
        }
        for bad in ["a", &"x".repeat(40), "Upper", "under_score", "sp ace", "é"] {
            assert!(check_username(bad).is_err(), "{bad}");
        }
        assert!(check_username("Bob").unwrap_err().contains("'B'"));
    }

    #[test]
    fn display_names() {
        assert!(check_display_name("Ana Lúcia").is_ok());
        assert!(check_display_name("   ").is_err());
        assert!(check_display_name(&"x".repeat(65)).is_err());
        assert!(check_display_name("a\u{7}b").is_err());
    }

    #[test]
    fn return_paths_stay_on_this_site() {
        for good in [
            "/",
            "/upload",
            "/upload?kind=packages&name=x",
            "/teams/a/settings#m",
        ] {
            assert_eq!(safe_return_path(good), Some(good), "{good}");
        }
        for hostile in [
            "",
            "upload",
            "//evil.example",
            "//evil.example/upload",
            "/\\evil.example",
            "/\\/evil.example",
            "\\\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            " /upload",
            "/up load",
            "/\tevil",
            "/login",
            "/login?next=/upload",
            "/register",
            &format!("/{}", "x".repeat(RETURN_PATH_MAX)),
        ] {
            assert_eq!(safe_return_path(hostile), None, "{hostile:?}");
        }
    }

    #[test]
    fn passwords() {
        assert!(check_password("0123456789").is_ok());
        assert!(
            check_password("áéíóúáéíóú").is_ok(),
            "counts characters, not bytes"
        );
        assert!(check_password("012345678")
            .unwrap_err()
            .contains("at least 10"));
        assert!(check_password(&"x".repeat(1025)).is_err());
    }
}
