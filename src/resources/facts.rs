//! The facts a resource page shows beside its description: license and links (checked when they
//! are saved), requirements with what the store knows of them, and what requires a resource.

use std::collections::HashMap;

use super::images;
use super::{Related, ResourceLinks};
use crate::db::{Pool, Text};
use crate::error::{AppError, ErrorCode};
use crate::validate::{Kind, ManifestSummary};

/// Longest link, in bytes.
pub const LINK_MAX: usize = 512;
/// Longest license expression, in bytes.
pub const LICENSE_MAX: usize = 128;
/// Most resources listed as requiring one resource.
pub const REQUIRED_BY_MAX: i64 = 50;

/// A license as stored: `None` when blank, else a valid SPDX expression (`MIT`,
/// `Apache-2.0 OR MIT`, `LicenseRef-Proprietary`), case as the SPDX list writes it.
pub fn check_license(text: &str) -> Result<Option<String>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let invalid = |why: &str| {
        AppError::field(
            ErrorCode::InvalidLicense,
            "license",
            format!("{why} Use an SPDX identifier such as MIT, Apache-2.0, GPL-3.0-only or CC-BY-4.0, or an expression such as \"MIT OR Apache-2.0\" (see spdx.org/licenses)."),
        )
    };
    if text.len() > LICENSE_MAX {
        return Err(invalid("This license is too long."));
    }
    // Identifiers and operators in any case ("mit or apache-2.0"), written as the list spells
    // them, then checked strictly.
    let canonical = spaced_parentheses(text)
        .split_whitespace()
        .map(canonical_term)
        .collect::<Vec<_>>()
        .join(" ")
        .replace("( ", "(")
        .replace(" )", ")");
    spdx::Expression::parse(&canonical)
        .map_err(|_| invalid(&format!("{text:?} is not an SPDX license.")))?;
    Ok(Some(canonical))
}

/// `text` with spaces around its parentheses, so that they split as words.
fn spaced_parentheses(text: &str) -> String {
    text.replace('(', " ( ").replace(')', " ) ")
}

/// One word of a license expression as the SPDX list writes it: an operator in capitals, a
/// license or exception identifier in the list's case (keeping a trailing `+`), anything else as
/// it is.
fn canonical_term(word: &str) -> String {
    if ["and", "or", "with"].contains(&word.to_lowercase().as_str()) {
        return word.to_uppercase();
    }
    let (base, plus) = match word.strip_suffix('+') {
        Some(base) => (base, "+"),
        None => (word, ""),
    };
    let listed = spdx::identifiers::LICENSES
        .iter()
        .map(|(id, ..)| *id)
        .chain(spdx::identifiers::EXCEPTIONS.iter().map(|(id, _)| *id))
        .find(|id| id.eq_ignore_ascii_case(base));
    match listed {
        Some(id) => format!("{id}{plus}"),
        None => word.to_string(),
    }
}

/// A link as stored: `None` when blank, else an absolute `http` or `https` address with a host.
pub fn check_link(field: &'static str, text: Option<&str>) -> Result<Option<String>, AppError> {
    let text = text.unwrap_or_default().trim();
    if text.is_empty() {
        return Ok(None);
    }
    let invalid = || {
        AppError::field(
            ErrorCode::InvalidLink,
            field,
            format!("A link is a full web address starting with https:// or http://, at most {LINK_MAX} characters."),
        )
    };
    if text.len() > LINK_MAX || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let url = url::Url::parse(text).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(invalid());
    }
    Ok(Some(url.to_string()))
}

/// Checks each link (see [`check_link`]); the fields are `source_url`, `issues_url`, `wiki_url`
/// and `discord_url`, as in the edit form.
pub fn check_links(links: &ResourceLinks) -> Result<ResourceLinks, AppError> {
    Ok(ResourceLinks {
        source: check_link("source_url", links.source.as_deref())?,
        issues: check_link("issues_url", links.issues.as_deref())?,
        wiki: check_link("wiki_url", links.wiki.as_deref())?,
        discord: check_link("discord_url", links.discord.as_deref())?,
    })
}

/// Records a new release's requirements (in the transaction that creates it).
pub async fn record_requirements(
    executor: &mut sqlx::AnyConnection,
    release_id: &str,
    manifest: &ManifestSummary,
) -> Result<(), AppError> {
    let named = manifest
        .packages_requirements
        .iter()
        .map(|name| (Kind::Package, name))
        .chain(
            manifest
                .assets_requirements
                .iter()
                .map(|name| (Kind::AssetPack, name)),
        );
    for (kind, name) in named {
        sqlx::query(
            "INSERT INTO release_requirements (release_id, kind, name) VALUES ($1, $2, $3) \
             ON CONFLICT (release_id, kind, name) DO NOTHING",
        )
        .bind(release_id)
        .bind(kind.as_str())
        .bind(name)
        .execute(&mut *executor)
        .await?;
    }
    Ok(())
}

/// A resource named in requirements, as the store has it.
#[derive(Debug, sqlx::FromRow)]
struct RelatedRow {
    #[sqlx(try_from = "Text<Kind>")]
    kind: Kind,
    name: String,
    title: String,
    icon_small: Option<String>,
    icon_large: Option<String>,
}

impl RelatedRow {
    fn related(self) -> Related {
        Related {
            kind: self.kind,
            name: self.name,
            title: Some(self.title),
            icon: images::icon(self.icon_small, self.icon_large),
        }
    }
}

/// The requirements of a manifest, each with its title and icon when the store has it (one
/// query for all of them).
pub async fn requirements(
    pool: &Pool,
    manifest: &ManifestSummary,
) -> Result<Vec<Related>, AppError> {
    let named: Vec<(Kind, &String)> = manifest
        .packages_requirements
        .iter()
        .map(|name| (Kind::Package, name))
        .chain(
            manifest
                .assets_requirements
                .iter()
                .map(|name| (Kind::AssetPack, name)),
        )
        .collect();
    if named.is_empty() {
        return Ok(Vec::new());
    }
    let conditions = (0..named.len())
        .map(|i| format!("(r.kind = ${} AND r.name = ${})", 2 * i + 1, 2 * i + 2))
        .collect::<Vec<_>>()
        .join(" OR ");
    let sql = format!(
        "SELECT r.kind, r.name, r.title, {} FROM resources r WHERE r.takedown IS NULL AND ({conditions})",
        images::ICON_COLUMNS
    );
    let mut query = sqlx::query_as::<_, RelatedRow>(&sql);
    for (kind, name) in &named {
        query = query.bind(kind.as_str()).bind(name.as_str());
    }
    let found: HashMap<(Kind, String), Related> = query
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|row| ((row.kind, row.name.clone()), row.related()))
        .collect();
    Ok(named
        .into_iter()
        .map(|(kind, name)| {
            found
                .get(&(kind, name.clone()))
                .cloned()
                .unwrap_or_else(|| Related {
                    kind,
                    name: name.clone(),
                    title: None,
                    icon: None,
                })
        })
        .collect())
}

/// The resources with a public release that requires this one, by name.
pub async fn required_by(pool: &Pool, kind: Kind, name: &str) -> Result<Vec<Related>, AppError> {
    let rows: Vec<RelatedRow> = sqlx::query_as(&format!(
        "SELECT r.kind, r.name, r.title, {} FROM resources r \
         WHERE r.takedown IS NULL AND r.id IN (SELECT l.resource_id FROM release_requirements q \
                        JOIN releases l ON l.id = q.release_id WHERE q.kind = $1 AND q.name = $2 \
                        AND l.state = 'published' AND l.channel <> 'private' AND l.takedown IS NULL) \
         ORDER BY r.name, r.kind LIMIT $3",
        images::ICON_COLUMNS
    ))
    .bind(kind.as_str())
    .bind(name)
    .bind(REQUIRED_BY_MAX)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(RelatedRow::related).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licenses() {
        assert_eq!(check_license("").unwrap(), None);
        assert_eq!(check_license(" MIT ").unwrap().as_deref(), Some("MIT"));
        assert_eq!(check_license("mit").unwrap().as_deref(), Some("MIT"));
        assert_eq!(
            check_license("Apache-2.0 OR MIT").unwrap().as_deref(),
            Some("Apache-2.0 OR MIT")
        );
        assert!(check_license("LicenseRef-Proprietary").is_ok());
        let refused = check_license("Do what you want").unwrap_err();
        assert_eq!(refused.body().field.as_deref(), Some("license"));
        assert!(check_license("<script>").is_err());
        assert_eq!(
            check_license("(mit or apache-2.0) and gpl-2.0-or-later with classpath-exception-2.0")
                .unwrap()
                .as_deref(),
            Some("(MIT OR Apache-2.0) AND GPL-2.0-or-later WITH Classpath-exception-2.0")
        );
    }

    #[test]
    fn links() {
        assert_eq!(check_link("source_url", Some(" ")).unwrap(), None);
        assert_eq!(
            check_link("source_url", Some("https://github.com/a/b"))
                .unwrap()
                .as_deref(),
            Some("https://github.com/a/b")
        );
        for bad in [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "data:text/html,x",
            "ftp://example.com",
            "//example.com",
            "github.com/a/b",
            "https://",
            "https://exa mple.com",
            "http:/\texample.com",
        ] {
            let refused = check_link("wiki_url", Some(bad)).unwrap_err();
            assert_eq!(refused.body().field.as_deref(), Some("wiki_url"), "{bad}");
        }
    }
}
