//! Resource services: create, find, list and search, edit.

use std::collections::HashMap;

use super::{
    facts, images, FacetCount, Facets, Page, ResourceInfo, ResourceLinks, MAX_TAGS,
    SHORT_DESCRIPTION_MAX,
};
use crate::db::{conflict_on_unique, new_id, Pool, Text};
use crate::error::{AppError, ErrorCode};
use crate::markdown::{self, StoredColumn};
use crate::teams::service::{self as teams, Actor, Team};
use crate::teams::Role;
use crate::validate::manifest::is_resource_name;
use crate::validate::{Kind, PackageType};

/// A resource row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Resource {
    pub id: String,
    #[sqlx(try_from = "Text<Kind>")]
    pub kind: Kind,
    pub name: String,
    pub team_id: String,
    pub title: String,
    pub short_description: String,
    pub description: String,
    pub category: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub download_count: i64,
}

/// What a new resource needs.
#[derive(Debug, Clone)]
pub struct NewResource {
    pub name: String,
    pub team: String,
    pub title: String,
    pub short_description: String,
    pub description: String,
    pub category: String,
    pub tags: Vec<String>,
}

impl NewResource {
    /// The resource `name` with the details a page, an upload or the API sent for it.
    pub fn new(name: String, details: super::NewResourceDetails) -> NewResource {
        NewResource {
            name,
            team: details.team,
            title: details.title,
            short_description: details.short_description,
            description: details.description,
            category: details.category,
            tags: details.tags,
        }
    }
}

/// Changes to a resource; `None` keeps the current value. The name and team never change here.
#[derive(Debug, Clone, Default)]
pub struct ResourceUpdate {
    pub title: Option<String>,
    pub short_description: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
    pub tags: Option<Vec<String>>,
    /// An SPDX expression; blank removes it.
    pub license: Option<String>,
    /// Replaces all four links.
    pub links: Option<ResourceLinks>,
}

/// Search and filters for a listing; blank values count as absent. Also the query string of
/// `GET /store/v1/{type}`.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    pub q: Option<String>,
    pub category: Option<String>,
    pub tag: Option<String>,
    pub team: Option<String>,
    /// `relevance` (the default when searching: exact name, then name prefix, then title, then
    /// description and tags), `updated` (the default otherwise), `downloads` or `name`.
    pub sort: Option<String>,
    pub page: Option<i64>,
    pub page_size: Option<i64>,
}

fn check_fields(
    kind: Kind,
    title: &str,
    short_description: &str,
    category: &str,
    tags: &[String],
) -> Result<(), AppError> {
    let length = title.trim().chars().count();
    if length == 0 || length > 100 {
        return Err(AppError::field(
            ErrorCode::InvalidTitle,
            "title",
            "A title has 1 to 100 characters.",
        ));
    }
    let length = short_description.chars().count();
    if length > SHORT_DESCRIPTION_MAX {
        return Err(AppError::field(
            ErrorCode::InvalidShortDescription,
            "short_description",
            format!("A short description has at most {SHORT_DESCRIPTION_MAX} characters; this one has {length}."),
        ));
    }
    match kind {
        Kind::Package => {
            let types = PackageType::ALL.map(PackageType::as_str);
            if !types.contains(&category) {
                return Err(AppError::field(
                    ErrorCode::InvalidCategory,
                    "category",
                    format!(
                        "A package's category is its type: one of {}.",
                        types.join(", ")
                    ),
                ));
            }
        }
        Kind::AssetPack => {
            if !is_resource_name(category) || category.len() > 32 {
                return Err(AppError::field(
                    ErrorCode::InvalidCategory,
                    "category",
                    "An asset pack's category has 1 to 32 lowercase letters, digits and '-' (for example vehicles, buildings).",
                ));
            }
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(AppError::field(
            ErrorCode::InvalidTags,
            "tags",
            format!("At most {MAX_TAGS} tags."),
        ));
    }
    if let Some(bad) = tags.iter().find(|t| !is_resource_name(t) || t.len() > 32) {
        return Err(AppError::field(
            ErrorCode::InvalidTags,
            "tags",
            format!("The tag {bad:?} is not valid: use 1 to 32 lowercase letters, digits and '-'."),
        ));
    }
    Ok(())
}

/// A tag as the store keeps it: trimmed, lowercase, with spaces and underscores turned into '-'
/// and repeated or outer '-' removed, so that "Fun Stuff" becomes `fun-stuff`.
pub fn normalise_tag(tag: &str) -> String {
    let mut out = String::with_capacity(tag.len());
    for c in tag.trim().chars().flat_map(char::to_lowercase) {
        let c = if c.is_whitespace() || c == '_' {
            '-'
        } else {
            c
        };
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

fn normalise_tags(tags: Vec<String>) -> Vec<String> {
    let mut tags: Vec<String> = tags
        .iter()
        .map(|t| normalise_tag(t))
        .filter(|t| !t.is_empty())
        .collect();
    tags.sort();
    tags.dedup();
    tags
}

async fn replace_tags(
    executor: &mut sqlx::AnyConnection,
    resource_id: &str,
    tags: &[String],
) -> Result<(), AppError> {
    sqlx::query("DELETE FROM resource_tags WHERE resource_id = $1")
        .bind(resource_id)
        .execute(&mut *executor)
        .await?;
    for tag in tags {
        sqlx::query("INSERT INTO resource_tags (resource_id, tag) VALUES ($1, $2)")
            .bind(resource_id)
            .bind(tag)
            .execute(&mut *executor)
            .await?;
    }
    Ok(())
}

/// The team of a resource, checking that the actor is a developer or above in it.
pub async fn authorize(
    pool: &Pool,
    actor: Actor<'_>,
    team_id: &str,
    what: &str,
) -> Result<Team, AppError> {
    let team = teams::find_by_id(pool, team_id)
        .await?
        .ok_or_else(|| AppError::Internal("resource without team".into()))?;
    teams::authorize(pool, actor, &team, Role::Developer, what).await?;
    Ok(team)
}

fn name_taken(kind: Kind, name: &str) -> AppError {
    AppError::Conflict {
        code: ErrorCode::NameTaken,
        field: Some("name"),
        message: format!(
            "There is already {} named '{name}'. Pick another name.",
            if kind == Kind::Package {
                "a package"
            } else {
                "an asset pack"
            }
        ),
    }
}

/// A new resource whose details passed every check: ready to be inserted.
#[derive(Debug, Clone)]
pub struct CheckedResource {
    pub kind: Kind,
    pub name: String,
    pub team: Team,
    title: String,
    short_description: String,
    description: String,
    description_html: String,
    category: String,
    tags: Vec<String>,
}

/// Checks everything creating a resource needs, without creating anything: the name (valid and
/// free), the team (exists, and the actor may create resources in it: developer or above), and
/// the details. Errors name the field they concern.
pub async fn check_new(
    pool: &Pool,
    actor: Actor<'_>,
    kind: Kind,
    new: NewResource,
) -> Result<CheckedResource, AppError> {
    let name = new.name.trim().to_string();
    if !is_resource_name(&name) {
        return Err(AppError::field(
            ErrorCode::InvalidName,
            "name",
            "A name has 1 to 64 lowercase letters, digits and '-'. It is the folder name on game servers and cannot change later.",
        ));
    }
    if find(pool, kind, &name).await?.is_some() {
        return Err(name_taken(kind, &name));
    }
    let team_name = new.team.trim();
    if team_name.is_empty() {
        return Err(AppError::field(
            ErrorCode::MissingTeam,
            "team",
            "Choose the team the resource belongs to.",
        ));
    }
    let team = teams::find(pool, team_name).await?.ok_or_else(|| {
        AppError::field(
            ErrorCode::UnknownTeam,
            "team",
            format!("There is no team named '{team_name}'."),
        )
    })?;
    teams::authorize(pool, actor, &team, Role::Developer, "create resources").await?;
    let tags = normalise_tags(new.tags);
    check_fields(
        kind,
        &new.title,
        &new.short_description,
        &new.category,
        &tags,
    )?;
    let description_html = markdown::render_field(
        &new.description,
        ErrorCode::InvalidDescription,
        "description",
    )
    .await?;
    Ok(CheckedResource {
        kind,
        name,
        team,
        title: new.title.trim().to_string(),
        short_description: new.short_description.trim().to_string(),
        description: new.description,
        description_html,
        category: new.category,
        tags,
    })
}

/// Inserts a checked resource and its tags in the caller's transaction and returns its row. A
/// name taken since the check is a `409 name-taken`.
pub async fn insert(
    tx: &mut sqlx::AnyConnection,
    checked: &CheckedResource,
    now: i64,
) -> Result<Resource, AppError> {
    let resource = Resource {
        id: new_id(),
        kind: checked.kind,
        name: checked.name.clone(),
        team_id: checked.team.id.clone(),
        title: checked.title.clone(),
        short_description: checked.short_description.clone(),
        description: checked.description.clone(),
        category: checked.category.clone(),
        created_at: now,
        updated_at: now,
        download_count: 0,
    };
    sqlx::query(
        "INSERT INTO resources (id, kind, name, team_id, title, short_description, description, description_html, category, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(&resource.id)
    .bind(resource.kind.as_str())
    .bind(&resource.name)
    .bind(&resource.team_id)
    .bind(&resource.title)
    .bind(&resource.short_description)
    .bind(&resource.description)
    .bind(&checked.description_html)
    .bind(&resource.category)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(|e| conflict_on_unique(e, || name_taken(checked.kind, &checked.name)))?;
    replace_tags(tx, &resource.id, &checked.tags).await?;
    Ok(resource)
}

/// Creates a resource in a team (developer or above), without releases.
pub async fn create(
    pool: &Pool,
    actor: Actor<'_>,
    kind: Kind,
    new: NewResource,
    now: i64,
) -> Result<ResourceInfo, AppError> {
    let checked = check_new(pool, actor, kind, new).await?;
    let mut tx = pool.begin().await?;
    let resource = insert(&mut tx, &checked, now).await?;
    tx.commit().await?;
    info(pool, &resource).await
}

/// A resource by kind and name.
pub async fn find(pool: &Pool, kind: Kind, name: &str) -> Result<Option<Resource>, AppError> {
    Ok(sqlx::query_as::<_, Resource>(
        "SELECT id, kind, name, team_id, title, short_description, description, category, created_at, updated_at, download_count \
         FROM resources WHERE kind = $1 AND name = $2",
    )
    .bind(kind.as_str())
    .bind(name)
    .fetch_optional(pool)
    .await?)
}

/// A resource by kind and name, or `404`.
pub async fn find_or_404(pool: &Pool, kind: Kind, name: &str) -> Result<Resource, AppError> {
    find(pool, kind, name).await?.ok_or_else(|| {
        AppError::NotFound(format!(
            "There is no {} named '{name}'.",
            if kind == Kind::Package {
                "package"
            } else {
                "asset pack"
            }
        ))
    })
}

/// What a resource's row does not hold but the API shows: its team's name, its license and links,
/// its icon and its latest public version.
#[derive(Debug, sqlx::FromRow)]
struct Extras {
    id: String,
    team: String,
    license: Option<String>,
    source_url: Option<String>,
    issues_url: Option<String>,
    wiki_url: Option<String>,
    discord_url: Option<String>,
    icon_small: Option<String>,
    icon_large: Option<String>,
    latest_version: Option<String>,
}

/// One tag of a resource.
#[derive(Debug, sqlx::FromRow)]
struct Tag {
    resource_id: String,
    tag: String,
}

/// `$1, $2, ... $count`: the placeholders of an `IN (...)` list of `count` values.
fn placeholders(count: usize) -> String {
    (1..=count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The resource as the API shows it: with its team's name, tags and latest public version.
pub async fn info(pool: &Pool, resource: &Resource) -> Result<ResourceInfo, AppError> {
    infos(pool, std::slice::from_ref(resource))
        .await?
        .pop()
        .ok_or_else(|| AppError::Internal(format!("resource {} has no details", resource.id)))
}

/// Resources as the API shows them (see [`info`]), in the same order: two queries however many
/// there are, one for the details of each (team, links, icon, latest version) and one for their
/// tags.
pub async fn infos(pool: &Pool, resources: &[Resource]) -> Result<Vec<ResourceInfo>, AppError> {
    if resources.is_empty() {
        return Ok(Vec::new());
    }
    let ids = placeholders(resources.len());
    let sql = format!(
        "SELECT r.id, t.name AS team, r.license, r.source_url, r.issues_url, r.wiki_url, r.discord_url, {}, \
                (SELECT l.version FROM releases l \
                 WHERE l.resource_id = r.id AND l.state = 'published' AND l.channel <> 'private' \
                 ORDER BY l.version_major DESC, l.version_minor DESC, l.version_patch DESC LIMIT 1) AS latest_version \
         FROM resources r JOIN teams t ON t.id = r.team_id WHERE r.id IN ({ids})",
        images::ICON_COLUMNS
    );
    let mut extras = sqlx::query_as::<_, Extras>(&sql);
    for resource in resources {
        extras = extras.bind(&resource.id);
    }
    let extras: HashMap<String, Extras> = extras
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|e| (e.id.clone(), e))
        .collect();
    let sql = format!(
        "SELECT resource_id, tag FROM resource_tags WHERE resource_id IN ({ids}) ORDER BY tag"
    );
    let mut tags = sqlx::query_as::<_, Tag>(&sql);
    for resource in resources {
        tags = tags.bind(&resource.id);
    }
    let mut tags_of: HashMap<String, Vec<String>> = HashMap::new();
    for Tag { resource_id, tag } in tags.fetch_all(pool).await? {
        tags_of.entry(resource_id).or_default().push(tag);
    }
    resources
        .iter()
        .map(|resource| {
            let extras = extras.get(&resource.id).ok_or_else(|| {
                AppError::Internal(format!("resource {} has no details", resource.id))
            })?;
            Ok(ResourceInfo {
                kind: resource.kind,
                name: resource.name.clone(),
                team: extras.team.clone(),
                title: resource.title.clone(),
                short_description: resource.short_description.clone(),
                description: resource.description.clone(),
                category: resource.category.clone(),
                tags: tags_of.get(&resource.id).cloned().unwrap_or_default(),
                created_at: resource.created_at,
                updated_at: resource.updated_at,
                download_count: resource.download_count,
                latest_version: extras.latest_version.clone(),
                license: extras.license.clone(),
                links: ResourceLinks {
                    source: extras.source_url.clone(),
                    issues: extras.issues_url.clone(),
                    wiki: extras.wiki_url.clone(),
                    discord: extras.discord_url.clone(),
                },
                icon: images::icon(extras.icon_small.clone(), extras.icon_large.clone()),
            })
        })
        .collect()
}

/// A resource's description as safe HTML (rendered when it was saved).
pub async fn description_html(pool: &Pool, resource: &Resource) -> Result<String, AppError> {
    let stored: Option<String> =
        sqlx::query_scalar("SELECT description_html FROM resources WHERE id = $1")
            .bind(&resource.id)
            .fetch_one(pool)
            .await?;
    markdown::stored_html(
        pool,
        StoredColumn::ResourceDescription,
        &resource.id,
        &resource.description,
        stored,
    )
    .await
}

/// The search text of a query, lowercased, without LIKE's wildcards; `None` when blank.
fn search_term(query: &ListQuery) -> Option<String> {
    query
        .q
        .as_deref()
        .map(|q| q.trim().to_lowercase().replace(['%', '_'], ""))
        .filter(|q| !q.is_empty())
}

/// A filter value, `None` when blank.
fn present(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// The conditions of a listing, on `resources r` joined with `teams t`: `$1` kind, `$2` search
/// pattern, `$3` category, `$4` tag, `$5` team.
const FILTERS: &str = "FROM resources r JOIN teams t ON t.id = r.team_id WHERE r.kind = $1 \
     AND ($2 IS NULL OR LOWER(r.name) LIKE $2 OR LOWER(r.title) LIKE $2 OR LOWER(r.short_description) LIKE $2 \
          OR EXISTS (SELECT 1 FROM resource_tags g WHERE g.resource_id = r.id AND g.tag LIKE $2)) \
     AND ($3 IS NULL OR r.category = $3) \
     AND ($4 IS NULL OR EXISTS (SELECT 1 FROM resource_tags g WHERE g.resource_id = r.id AND g.tag = $4)) \
     AND ($5 IS NULL OR t.name = $5)";

/// Lists and searches resources of a kind.
pub async fn list(
    pool: &Pool,
    kind: Kind,
    query: ListQuery,
) -> Result<Page<ResourceInfo>, AppError> {
    let page = query.page.unwrap_or(1).max(1);
    let page_size = query.page_size.unwrap_or(20).clamp(1, 100);
    let term = search_term(&query);
    let sort = match query.sort.as_deref().map(str::trim) {
        None | Some("") if term.is_some() => "relevance",
        None | Some("") => "updated",
        Some(sort) => sort,
    };
    let order = match sort {
        // Exact name, then name prefix, then name or title, then the rest ($8, $9: the term and
        // the term followed by `%`).
        "relevance" if term.is_some() => {
            "CASE WHEN LOWER(r.name) = $8 THEN 0 WHEN LOWER(r.name) LIKE $9 THEN 1 \
             WHEN LOWER(r.name) LIKE $2 OR LOWER(r.title) LIKE $2 THEN 2 ELSE 3 END, \
             r.download_count DESC, r.name"
        }
        "relevance" | "updated" => "r.updated_at DESC, r.name",
        "downloads" => "r.download_count DESC, r.name",
        "name" => "r.name",
        other => {
            return Err(AppError::Invalid {
                code: ErrorCode::InvalidSort,
                field: Some("sort"),
                message: format!(
                    "Unknown sort {other:?}: use relevance, updated, downloads or name."
                ),
            })
        }
    };
    let pattern = term.as_ref().map(|t| format!("%{t}%"));
    let (category, tag, team) = (
        present(&query.category),
        present(&query.tag),
        present(&query.team),
    );
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {FILTERS}"))
        .bind(kind.as_str())
        .bind(&pattern)
        .bind(&category)
        .bind(&tag)
        .bind(&team)
        .fetch_one(pool)
        .await?;
    let select = format!(
        "SELECT r.id, r.kind, r.name, r.team_id, r.title, r.short_description, r.description, r.category, \
                r.created_at, r.updated_at, r.download_count {FILTERS} ORDER BY {order} LIMIT $6 OFFSET $7"
    );
    let mut rows = sqlx::query_as::<_, Resource>(&select)
        .bind(kind.as_str())
        .bind(&pattern)
        .bind(&category)
        .bind(&tag)
        .bind(&team)
        .bind(page_size)
        .bind((page - 1) * page_size);
    if order.contains("$8") {
        rows = rows
            .bind(term.clone())
            .bind(term.as_ref().map(|t| format!("{t}%")));
    }
    let rows = rows.fetch_all(pool).await?;
    Ok(Page {
        items: infos(pool, &rows).await?,
        page,
        page_size,
        total,
    })
}

/// Most tags a listing offers as filters.
pub const FACET_TAGS_MAX: i64 = 20;

/// The categories and tags of the resources a listing could show, with how many each: categories
/// under the query's other filters (not its category), tags under its other filters (not its tag),
/// the most used tags first.
pub async fn facets(pool: &Pool, kind: Kind, query: &ListQuery) -> Result<Facets, AppError> {
    let pattern = search_term(query).map(|t| format!("%{t}%"));
    let (category, tag, team) = (
        present(&query.category),
        present(&query.tag),
        present(&query.team),
    );
    let categories: Vec<FacetCount> = sqlx::query_as(&format!(
        "SELECT r.category AS value, COUNT(*) AS count {FILTERS} GROUP BY r.category ORDER BY COUNT(*) DESC, r.category"
    ))
    .bind(kind.as_str())
    .bind(&pattern)
    .bind(None::<String>)
    .bind(&tag)
    .bind(&team)
    .fetch_all(pool)
    .await?;
    let tags: Vec<FacetCount> = sqlx::query_as(&format!(
        "SELECT s.tag AS value, COUNT(*) AS count FROM resource_tags s JOIN resources r ON r.id = s.resource_id \
         WHERE r.id IN (SELECT r.id {FILTERS}) GROUP BY s.tag ORDER BY COUNT(*) DESC, s.tag LIMIT $6"
    ))
    .bind(kind.as_str())
    .bind(&pattern)
    .bind(&category)
    .bind(None::<String>)
    .bind(&team)
    .bind(FACET_TAGS_MAX)
    .fetch_all(pool)
    .await?;
    Ok(Facets { categories, tags })
}

/// Edits a resource's information and tags (developer or above).
pub async fn update(
    pool: &Pool,
    actor: Actor<'_>,
    kind: Kind,
    name: &str,
    changes: ResourceUpdate,
    now: i64,
) -> Result<ResourceInfo, AppError> {
    let resource = find_or_404(pool, kind, name).await?;
    authorize(pool, actor, &resource.team_id, "edit resources").await?;
    let current = info(pool, &resource).await?;
    let title = changes.title.unwrap_or(current.title);
    let short_description = changes
        .short_description
        .unwrap_or(current.short_description);
    let description = changes.description.unwrap_or(current.description);
    let category = changes.category.unwrap_or(current.category);
    let tags = normalise_tags(changes.tags.unwrap_or(current.tags));
    check_fields(kind, &title, &short_description, &category, &tags)?;
    let license = match changes.license {
        Some(text) => facts::check_license(&text)?,
        None => current.license,
    };
    let links = facts::check_links(&changes.links.unwrap_or(current.links))?;
    let description_html =
        markdown::render_field(&description, ErrorCode::InvalidDescription, "description").await?;
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE resources SET title = $1, short_description = $2, description = $3, description_html = $4, category = $5, updated_at = $6, \
         license = $8, source_url = $9, issues_url = $10, wiki_url = $11, discord_url = $12 WHERE id = $7",
    )
    .bind(title.trim())
    .bind(short_description.trim())
    .bind(&description)
    .bind(&description_html)
    .bind(&category)
    .bind(now)
    .bind(&resource.id)
    .bind(&license)
    .bind(&links.source)
    .bind(&links.issues)
    .bind(&links.wiki)
    .bind(&links.discord)
    .execute(&mut *tx)
    .await?;
    replace_tags(&mut tx, &resource.id, &tags).await?;
    tx.commit().await?;
    info(pool, &find_or_404(pool, kind, name).await?).await
}

/// A team's packages and asset packs as the public sees them, by name.
pub async fn public_resources(pool: &Pool, team_name: &str) -> Result<Vec<ResourceInfo>, AppError> {
    let mut resources = Vec::new();
    for kind in [
        crate::validate::Kind::Package,
        crate::validate::Kind::AssetPack,
    ] {
        let query = ListQuery {
            team: Some(team_name.to_string()),
            sort: Some("name".into()),
            page_size: Some(100),
            ..Default::default()
        };
        resources.extend(list(pool, kind, query).await?.items);
    }
    Ok(resources)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_normalised() {
        assert_eq!(normalise_tag("Fun Stuff"), "fun-stuff");
        assert_eq!(normalise_tag("  Fun   Stuff  "), "fun-stuff");
        assert_eq!(normalise_tag("snake_case__tag"), "snake-case-tag");
        assert_eq!(normalise_tag("a - b"), "a-b");
        assert_eq!(normalise_tag("-edge-"), "edge");
        assert_eq!(normalise_tag("   "), "");
        assert_eq!(
            normalise_tags(vec![
                "Fun Stuff".into(),
                "fun_stuff".into(),
                "".into(),
                "Cars".into()
            ]),
            ["cars", "fun-stuff"]
        );
        // What stays invalid after normalising is still refused by the checks.
        assert!(!is_resource_name(&normalise_tag("café")));
    }
}
