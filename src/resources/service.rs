//! Resource services: create, find, list and search, edit.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use super::search::{Columns, Terms};
use super::{
    facts, images, FacetCount, Facets, Page, ResourceInfo, ResourceLinks, MAX_TAGS,
    SHORT_DESCRIPTION_MAX,
};
use crate::db::{conflict_on_unique, new_id, Backend, Pool, Sql, Text};
use crate::error::{AppError, ErrorCode};
use crate::markdown::{self, StoredColumn};
use crate::moderation::{Takedown, TakedownKind};
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
    /// Set while the store's staff have it taken down.
    pub takedown: Option<TakedownKind>,
    pub takedown_reason: Option<String>,
}

impl Resource {
    /// The takedown in force, if the staff took the resource down.
    pub fn takedown(&self) -> Option<Takedown> {
        self.takedown.map(|kind| Takedown {
            kind,
            reason: self.takedown_reason.clone().unwrap_or_default(),
        })
    }

    /// `410` or `451` with the reason when the resource is taken down and the viewer is neither
    /// in its team nor staff (`sees_private`, from [`crate::access::sees_private`]).
    pub fn refuse_if_taken_down(&self, sees_private: bool) -> Result<(), AppError> {
        match self.takedown() {
            Some(takedown) if !sees_private => Err(takedown.refusal(&self.name)),
            _ => Ok(()),
        }
    }
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
    /// Words to find in names, titles, tags and descriptions (every word must be found); the
    /// last word also matches as a prefix, as the user types.
    pub q: Option<String>,
    pub category: Option<String>,
    pub tag: Option<String>,
    pub team: Option<String>,
    /// `relevance` (the default when searching: exact name, then name prefix, then title, then
    /// tags, then description; ties by downloads, then name), `updated` (the default otherwise),
    /// `downloads` or `name`.
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
    // The copy the search index and the listing cards read (tags never hold a space).
    sqlx::query("UPDATE resources SET search_tags = $1 WHERE id = $2")
        .bind(tags.join(" "))
        .bind(resource_id)
        .execute(&mut *executor)
        .await?;
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
        takedown: None,
        takedown_reason: None,
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
        "SELECT id, kind, name, team_id, title, short_description, description, category, created_at, updated_at, download_count, \
         takedown, takedown_reason FROM resources WHERE kind = $1 AND name = $2",
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

/// The columns of a resource `r` (joined with its team `t`) that a [`ResourceInfo`] shows.
fn card_columns() -> String {
    format!(
        "r.id, r.kind, r.name, r.team_id, r.title, r.short_description, r.description, r.category, \
         r.created_at, r.updated_at, r.download_count, r.takedown, r.takedown_reason, t.name AS team, \
         r.license, r.source_url, r.issues_url, r.wiki_url, r.discord_url, {}, \
         (SELECT l.version FROM releases l \
          WHERE l.resource_id = r.id AND l.state = 'published' AND l.channel <> 'private' \
          AND l.yanked_at IS NULL AND l.takedown IS NULL \
          ORDER BY l.version_major DESC, l.version_minor DESC, l.version_patch DESC LIMIT 1) AS latest_version, \
         r.search_tags",
        images::ICON_COLUMNS
    )
}

/// A resource row with everything the API shows of it (see [`card_columns`]).
#[derive(Debug, sqlx::FromRow)]
struct Card {
    #[sqlx(flatten)]
    resource: Resource,
    team: String,
    license: Option<String>,
    source_url: Option<String>,
    issues_url: Option<String>,
    wiki_url: Option<String>,
    discord_url: Option<String>,
    icon_small: Option<String>,
    icon_large: Option<String>,
    latest_version: Option<String>,
    /// The tags, sorted, separated by spaces.
    search_tags: String,
}

impl From<Card> for ResourceInfo {
    fn from(card: Card) -> ResourceInfo {
        let resource = card.resource;
        let takedown = resource.takedown();
        ResourceInfo {
            kind: resource.kind,
            name: resource.name,
            team: card.team,
            title: resource.title,
            short_description: resource.short_description,
            description: resource.description,
            category: resource.category,
            tags: card
                .search_tags
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            created_at: resource.created_at,
            updated_at: resource.updated_at,
            download_count: resource.download_count,
            latest_version: card.latest_version,
            license: card.license,
            links: ResourceLinks {
                source: card.source_url,
                issues: card.issues_url,
                wiki: card.wiki_url,
                discord: card.discord_url,
            },
            icon: images::icon(card.icon_small, card.icon_large),
            takedown,
        }
    }
}

/// The resource as the API shows it: with its team's name, tags, links, icon and latest public
/// version, in one query.
pub async fn info(pool: &Pool, resource: &Resource) -> Result<ResourceInfo, AppError> {
    let card: Card = sqlx::query_as(&format!(
        "SELECT {} FROM resources r JOIN teams t ON t.id = r.team_id WHERE r.id = $1",
        card_columns()
    ))
    .bind(&resource.id)
    .fetch_one(pool)
    .await?;
    Ok(card.into())
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

/// A filter value, `None` when blank.
fn present(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// Up to how many matches a listing's total is counted exactly. Above it the total is given as
/// this number with `total_exact: false`, so that counting never reads more than this many index
/// entries, however large the catalogue.
pub const EXACT_TOTAL_MAX: i64 = 1_000;

/// How a listing is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sort {
    /// By the ranking tiers of a search, then downloads and name.
    Relevance,
    Updated,
    Downloads,
    Name,
}

impl Sort {
    /// The sort a query asks for: `relevance` when searching and none is given (and `updated`
    /// when not searching), or `422 invalid-sort`.
    fn of(query: &ListQuery, searching: bool) -> Result<Sort, AppError> {
        Ok(match query.sort.as_deref().map(str::trim) {
            None | Some("") | Some("relevance") if searching => Sort::Relevance,
            None | Some("") | Some("relevance") | Some("updated") => Sort::Updated,
            Some("downloads") => Sort::Downloads,
            Some("name") => Sort::Name,
            Some(other) => {
                return Err(AppError::Invalid {
                    code: ErrorCode::InvalidSort,
                    field: Some("sort"),
                    message: format!(
                        "Unknown sort {other:?}: use relevance, updated, downloads or name."
                    ),
                })
            }
        })
    }

    /// The `ORDER BY` of resources `r` (with `tier` the relevance tier); each ends in the name,
    /// unique within a kind, so that pages never overlap.
    fn order_by(self, tier: &str) -> String {
        match self {
            Sort::Relevance => format!("{tier}, r.download_count DESC, r.name"),
            Sort::Updated => "r.updated_at DESC, r.name".into(),
            Sort::Downloads => "r.download_count DESC, r.name".into(),
            Sort::Name => "r.name".into(),
        }
    }
}

/// The filters of a listing, each `None` when absent or blank.
#[derive(Debug, Clone)]
struct Filters {
    backend: Backend,
    kind: Kind,
    terms: Option<Terms>,
    category: Option<String>,
    tag: Option<String>,
    team: Option<String>,
    /// Whether the listing is known to match more than [`EXACT_TOTAL_MAX`] resources (from its
    /// count), so that walking an index in the listing's order finds a page soon.
    large: bool,
}

/// A filter a facet leaves out, to count what choosing another value would show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Without {
    Nothing,
    Category,
    Tag,
}

impl Filters {
    fn of(pool: &Pool, kind: Kind, query: &ListQuery) -> Filters {
        Filters {
            backend: Backend::of_pool(pool),
            kind,
            terms: query.q.as_deref().and_then(Terms::parse),
            category: present(&query.category),
            tag: present(&query.tag),
            team: present(&query.team),
            large: false,
        }
    }

    /// What the listing reads, as `r`: on SQLite a search reads the search keys, which carry the
    /// columns it filters and sorts by (migrations/sqlite/20261126000012); otherwise `resources`.
    fn source(&self) -> &'static str {
        match (self.backend, &self.terms) {
            (Backend::Sqlite, Some(_)) => " FROM resource_search_keys r",
            _ => " FROM resources r",
        }
    }

    /// The resource id of `r` in [`source`](Self::source).
    fn id(&self) -> &'static str {
        match (self.backend, &self.terms) {
            (Backend::Sqlite, Some(_)) => "r.resource_id",
            _ => "r.id",
        }
    }

    /// Appends the `WHERE` clause of resources `r` under these filters (but `without`), each
    /// written so that its index answers it: the kind and category by the listing indexes, the tag
    /// by `(tag, resource_id)`, the team by `(team_id, kind, name)`, the text by the search index.
    ///
    /// On SQLite, the tag of a large listing is checked row by row instead (`+` keeps SQLite from
    /// using an index for it), so that SQLite walks the index of the listing's order and stops at
    /// the page's last row, rather than reading and sorting every resource with the tag. A small
    /// listing is read through the tag index as usual.
    fn push_where(&self, sql: &mut Sql, without: Without) {
        self.push_where_reaching(sql, without, Reach::All);
    }

    /// [`push_where`](Self::push_where), with the text matched as far as `reach` says.
    fn push_where_reaching(&self, sql: &mut Sql, without: Without, reach: Reach) {
        // What the staff took down is in no listing and no search.
        sql.push(" WHERE r.takedown IS NULL AND r.kind = ")
            .bind(self.kind.as_str());
        if let (Some(category), false) = (&self.category, without == Without::Category) {
            sql.push(" AND r.category = ").bind(category.as_str());
        }
        if let (Some(tag), false) = (&self.tag, without == Without::Tag) {
            let by_row = self.large && self.backend == Backend::Sqlite && self.terms.is_none();
            sql.push(&format!(
                " AND {}{} IN (SELECT g.resource_id FROM resource_tags g WHERE g.tag = ",
                if by_row { "+" } else { "" },
                self.id()
            ))
            .bind(tag.as_str())
            .push(")");
        }
        if let Some(team) = &self.team {
            sql.push(" AND r.team_id = (SELECT tm.id FROM teams tm WHERE tm.name = ")
                .bind(team.as_str())
                .push(")");
        }
        if let Some(terms) = &self.terms {
            let columns = match reach {
                Reach::Head => Columns::NameTitle,
                Reach::All => Columns::All,
            };
            sql.push(" AND (");
            self.push_match(sql, terms, columns);
            sql.push(" OR ");
            self.push_name_contains(sql, terms);
            sql.push(")");
        }
    }

    /// Appends the condition that resource `r` has every term in `columns`.
    fn push_match(&self, sql: &mut Sql, terms: &Terms, columns: Columns) {
        match self.backend {
            Backend::Sqlite => sql
                .push("r.key IN (SELECT rowid FROM resource_search WHERE resource_search MATCH ")
                .bind(terms.fts5(columns))
                .push(")"),
            // The name and title have a small index of their own (migrations/postgres/
            // 20261126000013), so that finding them neither reads nor rechecks the descriptions.
            Backend::Postgres if columns == Columns::NameTitle => sql
                .push("r.search_head @@ to_tsquery('simple', ")
                .bind(terms.tsquery(Columns::All))
                .push(")"),
            Backend::Postgres => sql
                .push("r.search @@ to_tsquery('simple', ")
                .bind(terms.tsquery(columns))
                .push(")"),
        };
    }

    /// Appends the condition that the name of resource `r` contains the query (`car` in
    /// `racecar`), which word and prefix search do not find, answered by a trigram index of the
    /// names (SQLite FTS5 `trigram`, Postgres `pg_trgm`). Trigrams cannot find a query under 3
    /// characters inside a name, so such a query (the first letters typed) finds the names that
    /// start with it, from the name index.
    fn push_name_contains(&self, sql: &mut Sql, terms: &Terms) {
        let name = terms.exact_name();
        let short = name.chars().count() < 3;
        match self.backend {
            Backend::Sqlite if short => {
                // The names from `name` up to the next string of its length: a range of the index.
                let mut after: Vec<char> = name.chars().collect();
                if let Some(last) = after.last_mut() {
                    *last = char::from_u32(u32::from(*last) + 1).unwrap_or(char::MAX);
                }
                sql.push("(r.name >= ")
                    .bind(name.as_str())
                    .push(" AND r.name < ")
                    .bind(after.into_iter().collect::<String>())
                    .push(")")
            }
            Backend::Sqlite => sql
                .push("r.key IN (SELECT rowid FROM resource_names WHERE resource_names MATCH ")
                .bind(format!("\"{name}\""))
                .push(")"),
            Backend::Postgres if short => sql.push("r.name LIKE ").bind(format!("{name}%")),
            Backend::Postgres => sql.push("r.name LIKE ").bind(format!("%{name}%")),
        };
    }

    /// Appends the relevance tier of resource `r` for `terms`, the same on both backends: 0 the
    /// exact name, 1 a name starting with the query, 2 a name containing it or every term in the
    /// name or title, 3 every term in the name, title or tags, 4 the rest (found in the
    /// descriptions).
    ///
    /// Within [`Reach::Head`] every match is of tier 2 at most, so only the first two are told
    /// apart.
    fn push_tier(&self, sql: &mut Sql, terms: &Terms, reach: Reach) {
        let name = terms.exact_name();
        sql.push("CASE WHEN r.name = ")
            .bind(name.as_str())
            .push(" THEN 0 WHEN r.name LIKE ")
            .bind(format!("{name}%"))
            .push(" THEN 1 ");
        if reach == Reach::Head {
            sql.push("ELSE 2 END");
            return;
        }
        sql.push("WHEN ");
        self.push_match(sql, terms, Columns::NameTitle);
        sql.push(" OR ");
        self.push_name_contains(sql, terms);
        sql.push(" THEN 2 WHEN ");
        self.push_match(sql, terms, Columns::NameTitleTags);
        sql.push(" THEN 3 ELSE 4 END");
    }

    /// The capped count of matching resources: `(total, exact)`.
    async fn count(&self, pool: &Pool) -> Result<(i64, bool), AppError> {
        let mut sql = Sql::new("SELECT COUNT(*) FROM (SELECT 1 AS one");
        sql.push(self.source());
        self.push_where(&mut sql, Without::Nothing);
        sql.push(" LIMIT ").bind(EXACT_TOTAL_MAX + 1).push(") c");
        let count: i64 = sql.query_scalar().fetch_one(pool).await?;
        Ok((count.min(EXACT_TOTAL_MAX), count <= EXACT_TOTAL_MAX))
    }
}

/// How far a search's page query looks for matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// The names and titles only: the matches of relevance tiers 0 to 2 (see
    /// [`Filters::push_tier`]).
    Head,
    /// Everything, descriptions and tags included.
    All,
}

/// Lists and searches resources of a kind, in two queries whatever the page size: the capped
/// count, and the page (its ids found from the indexes, then its rows with everything a card
/// shows).
///
/// A search ranked by relevance first asks for its page among the names and titles only (tiers 0
/// to 2), which every match of a later tier follows: when that fills the page, it is the page, and
/// the thousands of resources that merely mention a common word in their descriptions are never
/// ranked. Otherwise the page is asked for again among all matches (a third query).
pub async fn list(
    pool: &Pool,
    kind: Kind,
    query: ListQuery,
) -> Result<Page<ResourceInfo>, AppError> {
    let page = query.page.unwrap_or(1).max(1);
    let page_size = query.page_size.unwrap_or(20).clamp(1, 100);
    let mut filters = Filters::of(pool, kind, &query);
    let sort = Sort::of(&query, filters.terms.is_some())?;
    let (total, total_exact) = filters.count(pool).await?;
    filters.large = !total_exact;

    let offset = (page - 1).saturating_mul(page_size);
    let mut cards: Vec<Card> = Vec::new();
    if filters.terms.is_some() && sort == Sort::Relevance {
        cards = page_query(&filters, sort, Reach::Head, page_size, offset)
            .query_as()
            .fetch_all(pool)
            .await?;
    }
    if i64::try_from(cards.len()).unwrap_or(i64::MAX) < page_size {
        cards = page_query(&filters, sort, Reach::All, page_size, offset)
            .query_as()
            .fetch_all(pool)
            .await?;
    }
    Ok(Page {
        items: cards.into_iter().map(ResourceInfo::from).collect(),
        page,
        page_size,
        total,
        total_exact,
    })
}

/// The query for a page of cards under `filters`, in `sort` order, with the text matched as far
/// as `reach` says: the page's ids found from the indexes, then their rows with everything a card
/// shows.
fn page_query(filters: &Filters, sort: Sort, reach: Reach, page_size: i64, offset: i64) -> Sql {
    let mut sql = Sql::new(&format!(
        "SELECT {} FROM (SELECT {} AS id",
        card_columns(),
        filters.id()
    ));
    let order = match (&filters.terms, sort) {
        (Some(terms), Sort::Relevance) => {
            sql.push(", ");
            filters.push_tier(&mut sql, terms, reach);
            sql.push(" AS tier");
            sort.order_by("tier")
        }
        _ => sort.order_by(""),
    };
    sql.push(filters.source());
    filters.push_where_reaching(&mut sql, Without::Nothing, reach);
    sql.push(&format!(" ORDER BY {order} LIMIT "))
        .bind(page_size)
        .push(" OFFSET ")
        .bind(offset)
        .push(") p JOIN resources r ON r.id = p.id JOIN teams t ON t.id = r.team_id ORDER BY ")
        .push(&sort.order_by("p.tier"));
    sql
}

/// Most tags a listing offers as filters.
pub const FACET_TAGS_MAX: i64 = 20;

/// The categories and tags of the resources a listing could show, with how many each: categories
/// under the query's other filters (not its category), tags under its other filters (not its tag),
/// the most used tags first.
///
/// When the listing has more than [`EXACT_TOTAL_MAX`] matches (its total is not exact), the facets
/// come from a per-process cache renewed after [`FACETS_CACHED_FOR`]: counting every tag of
/// thousands of resources on each visit would cost more than the rest of the page. A small listing
/// is counted every time, so it follows every change at once.
pub async fn facets(pool: &Pool, kind: Kind, query: &ListQuery) -> Result<Facets, AppError> {
    let filters = Filters::of(pool, kind, query);
    if filters.count(pool).await?.1 {
        return count_facets(pool, &filters).await;
    }
    let key = (
        pool.connect_options().database_url.to_string(),
        format!("{filters:?}"),
    );
    let cached = lock_facets_cache()?
        .get(&key)
        .filter(|(at, _)| at.elapsed() < FACETS_CACHED_FOR)
        .map(|(_, facets)| facets.clone());
    if let Some(facets) = cached {
        return Ok(facets);
    }
    let facets = count_facets(pool, &filters).await?;
    let mut cache = lock_facets_cache()?;
    if cache.len() >= FACETS_CACHE_ENTRIES {
        cache.retain(|_, (at, _)| at.elapsed() < FACETS_CACHED_FOR);
    }
    // Full of fresh entries: those stay (a burst of distinct searches does not push out the
    // listings everyone visits), and this one is counted again next time.
    if cache.len() < FACETS_CACHE_ENTRIES {
        cache.insert(key, (std::time::Instant::now(), facets.clone()));
    }
    Ok(facets)
}

/// How long the facets of a large listing are reused (see [`facets`]).
pub const FACETS_CACHED_FOR: std::time::Duration = std::time::Duration::from_secs(60);
/// Most listings whose facets are kept at once.
const FACETS_CACHE_ENTRIES: usize = 1_000;

/// The facets of large listings, by database and filters, with when they were counted.
type FacetsCache = HashMap<(String, String), (std::time::Instant, Facets)>;
static FACETS_CACHE: LazyLock<Mutex<FacetsCache>> = LazyLock::new(Default::default);

fn lock_facets_cache() -> Result<std::sync::MutexGuard<'static, FacetsCache>, AppError> {
    FACETS_CACHE
        .lock()
        .map_err(|_| AppError::Internal("the facets cache is poisoned".into()))
}

/// The facets under `filters`, counted (see [`facets`]).
async fn count_facets(pool: &Pool, filters: &Filters) -> Result<Facets, AppError> {
    let mut sql = Sql::new("SELECT r.category AS value, COUNT(*) AS count");
    sql.push(filters.source());
    filters.push_where(&mut sql, Without::Category);
    sql.push(" GROUP BY r.category ORDER BY COUNT(*) DESC, r.category");
    let categories: Vec<FacetCount> = sql.query_as().fetch_all(pool).await?;
    let mut sql = Sql::new(&format!(
        "SELECT s.tag AS value, COUNT(*) AS count FROM resource_tags s \
         WHERE s.resource_id IN (SELECT {}",
        filters.id()
    ));
    sql.push(filters.source());
    filters.push_where(&mut sql, Without::Tag);
    sql.push(") GROUP BY s.tag ORDER BY COUNT(*) DESC, s.tag LIMIT ")
        .bind(FACET_TAGS_MAX);
    let tags: Vec<FacetCount> = sql.query_as().fetch_all(pool).await?;
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
