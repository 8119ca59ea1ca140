//! API tokens: what game servers, the command line and CI authenticate with.
//!
//! A token looks like `nwst_` + 32 random characters + a 6-character checksum, so secret scanners
//! can recognise leaked tokens and the server can reject a mistyped one without a database lookup.

pub mod api;
pub mod format;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;

use serde::{Deserialize, Serialize};

/// Longest label, in characters.
pub const LABEL_MAX: usize = 64;
/// Longest lifetime a token may have, in days (two years).
pub const MAX_LIFETIME_DAYS: i64 = 730;
/// Most active (unexpired, unrevoked) tokens per user.
pub const MAX_ACTIVE_TOKENS: i64 = 100;
/// The lifetimes offered on the settings page, in days, with their labels.
pub const EXPIRY_PRESETS: [(i64, &str); 5] = [
    (7, "7 days"),
    (30, "30 days"),
    (90, "90 days"),
    (365, "1 year"),
    (730, "2 years"),
];

/// What a token may do beyond reading public data and the user's own account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Download private releases and drafts of the user's teams.
    Download,
    /// Upload releases.
    Publish,
    /// Edit resources and releases, publish drafts, manage teams.
    Manage,
}

// In display order.
crate::validate::enum_names!(Scope, "scope", {
    Download => "download",
    Publish => "publish",
    Manage => "manage",
});

impl Scope {
    /// What the scope allows, for the settings page.
    pub fn description(self) -> &'static str {
        match self {
            Scope::Download => "download private releases and drafts",
            Scope::Publish => "upload releases",
            Scope::Manage => "edit resources and releases, publish drafts, manage teams",
        }
    }

    /// Parses a comma-separated list such as `download,publish`.
    pub fn parse_list(text: &str) -> Result<Vec<Scope>, String> {
        let mut scopes = Vec::new();
        for name in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let scope = Scope::parse(name)?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        Ok(scopes)
    }

    /// Writes scopes as a comma-separated list.
    pub fn join(scopes: &[Scope]) -> String {
        scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A token as its owner sees it in the list (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: String,
    pub label: String,
    pub scopes: Vec<Scope>,
    /// The team the token is restricted to, if any.
    pub team: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: Option<i64>,
}

/// A token just created: the secret, shown once, and its details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub token: String,
    pub info: TokenInfo,
}

/// Checks a label: 1 to 64 characters once trimmed.
pub fn check_label(label: &str) -> Result<(), String> {
    let length = label.trim().chars().count();
    if length == 0 {
        return Err(
            "Give the token a label, such as the server or CI job that will use it.".into(),
        );
    }
    if length > LABEL_MAX {
        return Err(format!(
            "A label has at most {LABEL_MAX} characters; this one has {length}."
        ));
    }
    Ok(())
}

/// Checks a lifetime in days: 1 day to 2 years.
pub fn check_lifetime_days(days: i64) -> Result<(), String> {
    if days < 1 {
        return Err("A token must last at least one day.".into());
    }
    if days > MAX_LIFETIME_DAYS {
        return Err(format!(
            "A token can last at most 2 years ({MAX_LIFETIME_DAYS} days); pick an earlier expiry."
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_and_join() {
        assert_eq!(
            Scope::parse_list("download, publish,download").unwrap(),
            [Scope::Download, Scope::Publish]
        );
        assert_eq!(Scope::join(&Scope::ALL), "download,publish,manage");
        assert!(Scope::parse_list("admin").unwrap_err().contains("admin"));
        assert_eq!(Scope::parse_list("").unwrap(), []);
        assert_eq!(
            Scope::parse_list("admin").unwrap_err(),
            "unknown scope \"admin\": expected download, publish or manage"
        );
        for scope in Scope::ALL {
            let json = serde_json::to_string(&scope).unwrap();
            assert_eq!(json, format!("\"{}\"", scope.as_str()));
        }
    }

    #[test]
    fn labels_and_lifetimes() {
        assert!(check_label("CI").is_ok());
        assert!(check_label("  ").is_err());
        assert!(check_label(&"x".repeat(65)).is_err());
        assert!(check_lifetime_days(1).is_ok());
        assert!(check_lifetime_days(730).is_ok());
        assert!(check_lifetime_days(731).unwrap_err().contains("2 years"));
        assert!(check_lifetime_days(0).is_err());
    }
}
