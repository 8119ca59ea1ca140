//! Resource pages: browse and search, a resource, a release, and release management.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use leptos_router::params::ParamsMap;

use super::api::{
    browse, browse_facets, resource_page, BulkReleases, DeleteRelease, MoveScreenshot,
    PublishRelease, ReleaseView, RemoveIcon, RemoveScreenshot, ResourcePageData, UpdateRelease,
    UpdateResource,
};
use super::manage::DeleteResourceSection;
use super::{path_of_kind, Channel, Icon, Related, ReleaseState, ResourceInfo, Screenshot};
use crate::dates::format_date;
use crate::error::{ErrorBody, ErrorCode};
use crate::moderation::pages::{ReportForm, StaffActions, StaffPanel};
use crate::teams::Role;
use crate::ui::{action_error, field_error, route_param, FormAlert, NotFound, PageError, TextArea};
use crate::validate::{human_size, Kind};

/// Which kinds a browse page lists.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Listing {
    All,
    Only(Kind),
}

/// `/`: packages and asset packs.
#[component]
pub fn HomeBrowsePage() -> impl IntoView {
    view! { <Browse listing=Listing::All /> }
}

/// `/packages`
#[component]
pub fn PackagesPage() -> impl IntoView {
    view! { <Browse listing=Listing::Only(Kind::Package) /> }
}

/// `/assets`
#[component]
pub fn AssetsPage() -> impl IntoView {
    view! { <Browse listing=Listing::Only(Kind::AssetPack) /> }
}

/// How many a listing found: `12 found`, or `10,000+ found` when there are more than it counted.
fn found(total: i64, exact: bool) -> String {
    let digits = total.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{grouped}{} found", if exact { "" } else { "+" })
}

fn kind_title(kind: Kind) -> &'static str {
    match kind {
        Kind::Package => "Packages",
        Kind::AssetPack => "Asset packs",
    }
}

/// The query-string keys that filter a listing, with the label of their chip.
const FILTER_KEYS: [(&str, &str); 4] = [
    ("q", "Search"),
    ("category", "Category"),
    ("tag", "Tag"),
    ("team", "Team"),
];

/// The current query with `key` set to `value` (or removed when `None`), back on the first page.
fn query_with(path: &str, query: &ParamsMap, key: &str, value: Option<&str>) -> String {
    let blank: Vec<String> = query
        .clone()
        .into_iter()
        .filter(|(key, value)| key == "page" || value.is_empty())
        .map(|(key, _)| key.into_owned())
        .collect();
    let mut query = query.clone();
    for key in blank {
        query.remove(&key);
    }
    match value {
        Some(value) => query.replace(key.to_string(), value.to_string()),
        None => {
            query.remove(key);
        }
    }
    format!("{path}{}", query.to_query_string())
}

#[component]
fn Browse(listing: Listing) -> impl IntoView {
    let query = use_query_map();
    let get = move |key: &str| query.read().get(key).filter(|v| !v.is_empty());
    let title = match listing {
        Listing::All => "Browse",
        Listing::Only(kind) => kind_title(kind),
    };
    let action = match listing {
        Listing::All => "/".to_string(),
        Listing::Only(kind) => format!("/{}", path_of_kind(kind)),
    };
    let chips_path = action.clone();
    // Blank is the default: relevance when searching, else recently updated.
    let sort = move || get("sort").filter(|s| s != "relevance").unwrap_or_default();
    view! {
        <Title text=title />
        <section class="stack-lg browse">
            <h1>{title}</h1>
            <form method="get" action=action class="filters" role="search">
                <div class="field grow">
                    <label for="q">"Search"</label>
                    <input id="q" name="q" type="search" placeholder="Name, title, description or tag" value=move || get("q").unwrap_or_default() />
                </div>
                {move || ["category", "tag", "team"].into_iter().filter_map(|key| get(key).map(|value| view! { <input type="hidden" name=key value=value /> })).collect_view()}
                <div class="field">
                    <label for="sort">"Sort by"</label>
                    <select id="sort" name="sort">
                        {[("", "Best match"), ("updated", "Recently updated"), ("downloads", "Most downloaded"), ("name", "Name")]
                            .into_iter()
                            .map(|(value, label)| view! { <option value=value selected=move || sort() == value>{label}</option> })
                            .collect_view()}
                    </select>
                </div>
                <button type="submit" class="button">"Search"</button>
            </form>
            <ul class="chips" aria-label="Filters in use">
                {move || {
                    let current = query.get();
                    FILTER_KEYS
                        .into_iter()
                        .filter_map(|(key, label)| {
                            let value = current.get(key).filter(|v| !v.is_empty())?;
                            let href = query_with(&chips_path, &current, key, None);
                            Some(view! {
                                <li>
                                    <a class="chip" href=href data-testid=format!("chip-{key}") aria-label=format!("Remove the filter {label}: {value}")>
                                        {format!("{label}: {value}")} <span aria-hidden="true">" ×"</span>
                                    </a>
                                </li>
                            })
                        })
                        .collect_view()
                }}
            </ul>
            {match listing {
                Listing::All => view! {
                    <Welcome />
                    <ResultList kind=Kind::Package listing />
                    <ResultList kind=Kind::AssetPack listing />
                }.into_any(),
                Listing::Only(kind) => view! {
                    <div class="browse-layout">
                        <FacetPanel kind />
                        <ResultList kind listing />
                    </div>
                }.into_any(),
            }}
        </section>
    }
}

/// The home page's introduction, shown while the store holds nothing yet.
#[component]
fn Welcome() -> impl IntoView {
    let query = use_query_map();
    let empty = Resource::new(
        || (),
        |_| async move {
            let none = || (None, None, None, None);
            let (q, c, t, m) = none();
            let packages = browse_facets("packages".into(), q, c, t, m).await?;
            let (q, c, t, m) = none();
            let assets = browse_facets("assets".into(), q, c, t, m).await?;
            Ok::<_, ErrorBody>(packages.categories.is_empty() && assets.categories.is_empty())
        },
    );
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let filtered = FILTER_KEYS.iter().any(|(key, _)| query.read().get(key).is_some_and(|v| !v.is_empty()));
                (matches!(empty.await, Ok(true)) && !filtered).then(|| view! {
                    <section class="welcome panel" data-testid="welcome">
                        <h2>"Welcome to the nanos store"</h2>
                        <p>"This store shares packages (scripts, game modes, maps, loading screens) and asset packs for nanos world game servers. Server owners download them by name; authors publish new versions from the web or from CI."</p>
                        <p>"Nothing has been published here yet. To publish the first resource:"</p>
                        <ol>
                            <li><a href="/register">"Create an account"</a>" (or " <a href="/login">"log in"</a>")."</li>
                            <li><a href="/teams">"Create a team"</a>": teams hold resources and share the work."</li>
                            <li><a href="/upload">"Upload a release"</a>": a zip with "<code>"Package.toml"</code>" or "<code>"Assets.toml"</code>" at its root."</li>
                        </ol>
                        <p class="muted">"Publishing from a program or CI? See the " <a href="/store/docs/" rel="external">"API"</a> " and create a token in " <a href="/settings/tokens">"Settings → Tokens"</a> "."</p>
                    </section>
                })
            })}
        </Suspense>
    }
}

/// Category and tag filters with counts, for a kind's listing.
#[component]
fn FacetPanel(kind: Kind) -> impl IntoView {
    let query = use_query_map();
    let facets = Resource::new(
        move || query.get(),
        move |q| {
            let get = |key: &str| q.get(key).filter(|v| !v.is_empty());
            browse_facets(
                path_of_kind(kind).to_string(),
                get("q"),
                get("category"),
                get("tag"),
                get("team"),
            )
        },
    );
    let path = format!("/{}", path_of_kind(kind));
    view! {
        <aside class="facets" aria-label="Filter by">
            <Suspense fallback=|| ()>
                {move || {
                    let path = path.clone();
                    Suspend::new(async move {
                        let current = query.get_untracked();
                        match facets.await {
                            Ok(facets) => {
                                let group = |key: &'static str, heading: &'static str, counts: Vec<super::FacetCount>| {
                                    let selected = current.get(key).filter(|v| !v.is_empty());
                                    (!counts.is_empty()).then(|| view! {
                                        <section class="facet" data-testid=format!("facet-{key}")>
                                            <h2>{heading}</h2>
                                            <ul>
                                                {counts.into_iter().map(|c| {
                                                    let on = selected.as_deref() == Some(c.value.as_str());
                                                    let href = query_with(&path, &current, key, (!on).then_some(c.value.as_str()));
                                                    let label = if key == "tag" { format!("#{}", c.value) } else { c.value.clone() };
                                                    view! {
                                                        <li>
                                                            <a href=href class:selected=on aria-current=on.then_some("true")>
                                                                <span>{label}</span>
                                                                <span class="count">{c.count}<span class="visually-hidden">{if c.count == 1 { " resource" } else { " resources" }}</span></span>
                                                            </a>
                                                        </li>
                                                    }
                                                }).collect_view()}
                                            </ul>
                                        </section>
                                    })
                                };
                                view! {
                                    {group("category", "Category", facets.categories)}
                                    {group("tag", "Tags", facets.tags)}
                                }.into_any()
                            }
                            Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </aside>
    }
}

#[component]
fn ResultList(kind: Kind, listing: Listing) -> impl IntoView {
    let query = use_query_map();
    let results = Resource::new(
        move || query.get(),
        move |q| {
            let get = |key: &str| q.get(key).filter(|v| !v.is_empty());
            browse(
                path_of_kind(kind).to_string(),
                get("q"),
                get("category"),
                get("tag"),
                get("team"),
                get("sort"),
                if listing == Listing::All {
                    None
                } else {
                    get("page").and_then(|p| p.parse().ok())
                },
            )
        },
    );
    view! {
        <section aria-label=kind_title(kind) class="results">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let filtered = FILTER_KEYS.iter().any(|(key, _)| query.read().get(key).is_some_and(|v| !v.is_empty()));
                    // On the home page each kind's heading leads to its own page, with the same
                    // search and with the filters (facets) of that kind.
                    let heading = (listing == Listing::All).then(|| {
                        let href = query_with(&format!("/{}", path_of_kind(kind)), &query.get_untracked(), "page", None);
                        view! { <h2><a href=href>{kind_title(kind)}</a></h2> }
                    });
                    match results.await {
                        Ok(page) if page.items.is_empty() && listing == Listing::All && !filtered => ().into_any(),
                        Ok(page) if page.items.is_empty() => view! { {heading} <p class="muted">"Nothing found."</p> }.into_any(),
                        Ok(page) => {
                            let current = page.page;
                            let exact = page.total_exact;
                            // Past an inexact total, a full page may have a next one.
                            let more = !exact && page.items.len() as i64 == page.page_size;
                            let pages = ((page.total + page.page_size - 1) / page.page_size)
                                .max(current + i64::from(more));
                            let link = move |to: i64| {
                                let mut q = query.get_untracked();
                                q.replace("page", to.to_string());
                                format!("/{}{}", path_of_kind(kind), q.to_query_string())
                            };
                            view! {
                                {heading}
                                <p class="muted result-count">{found(page.total, page.total_exact)}</p>
                                <ul class="cards">
                                    {page.items.into_iter().map(|r| view! { <ResourceCard resource=r /> }).collect_view()}
                                </ul>
                                {(listing == Listing::All && pages > 1).then(|| view! {
                                    <p><a href=link(1)>{format!("All {} →", kind_title(kind).to_lowercase())}</a></p>
                                })}
                                {(listing != Listing::All && pages > 1).then(|| view! {
                                    <nav class="pagination" aria-label="Pages">
                                        {(current > 1).then(|| view! { <a href=link(current - 1) rel="prev">"← Previous"</a> })}
                                        <span>{format!("Page {current} of {pages}{}", if exact { "" } else { "+" })}</span>
                                        {(current < pages).then(|| view! { <a href=link(current + 1) rel="next">"Next →"</a> })}
                                    </nav>
                                })}
                            }.into_any()
                        }
                        Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// A resource's icon, or a letter on a coloured square when it has none. Decorative: the
/// resource's name is always written beside it.
#[component]
pub fn ResourceIcon(
    icon: Option<Icon>,
    /// The title, whose first letter stands in for a missing icon.
    #[prop(into)]
    title: String,
    /// Shown at 128 px (resource page) instead of 64 px.
    #[prop(optional)]
    large: bool,
) -> impl IntoView {
    let size = if large { 128 } else { 64 };
    match icon {
        Some(icon) => {
            let src = if large { icon.large } else { icon.small };
            // The resource page's own icon is at the top: loaded at once. (Lazily, a phone
            // scrolled down to the upload form never loaded the new icon.) Cards load lazily.
            let loading = if large { "eager" } else { "lazy" };
            view! { <img class="resource-icon" class:large=large src=src width=size height=size alt="" loading=loading /> }
                .into_any()
        }
        None => {
            let letter = title
                .chars()
                .find(|c| c.is_alphanumeric())
                .map(|c| c.to_uppercase().to_string())
                .unwrap_or_else(|| "?".into());
            view! { <span class="resource-icon default" class:large=large aria-hidden="true">{letter}</span> }.into_any()
        }
    }
}

#[component]
fn ResourceCard(resource: ResourceInfo) -> impl IntoView {
    let href = format!("/{}/{}", path_of_kind(resource.kind), resource.name);
    view! {
        <li class="card" data-testid=format!("card-{}", resource.name)>
            <div class="card-head">
                <ResourceIcon icon=resource.icon.clone() title=resource.title.clone() />
                <div class="card-title">
                    <h3><a href=href>{resource.title.clone()}</a></h3>
                    <p class="muted mono">{resource.name.clone()}</p>
                </div>
            </div>
            <p class="card-description">{resource.short_description.clone()}</p>
            <p class="meta">
                <a class="badge" href=format!("/{}?category={}", path_of_kind(resource.kind), resource.category)>{resource.category.clone()}</a>
                {resource.tags.iter().map(|t| view! { " " <a class="tag" href=format!("/{}?tag={t}", path_of_kind(resource.kind))>{format!("#{t}")}</a> }).collect_view()}
            </p>
            <p class="meta muted">
                "by " <a href=format!("/teams/{}", resource.team)>{resource.team.clone()}</a>
                {resource.latest_version.clone().map(|v| format!(" · v{v}"))}
                {format!(" · {} downloads", resource.download_count)}
            </p>
        </li>
    }
}

/// `/packages/{name}` and `/assets/{name}`.
#[component]
pub fn ResourcePage(kind: Kind) -> impl IntoView {
    let name = route_param("name");
    let update = ServerAction::<UpdateResource>::new();
    let update_release = ServerAction::<UpdateRelease>::new();
    let publish = ServerAction::<PublishRelease>::new();
    let delete = ServerAction::<DeleteRelease>::new();
    let bulk = ServerAction::<BulkReleases>::new();
    let media = MediaActions {
        remove_icon: ServerAction::<RemoveIcon>::new(),
        remove_screenshot: ServerAction::<RemoveScreenshot>::new(),
        move_screenshot: ServerAction::<MoveScreenshot>::new(),
    };
    let staff = StaffActions::new();
    let data = Resource::new(
        move || {
            (
                name(),
                staff.versions(),
                update.version().get(),
                update_release.version().get(),
                publish.version().get(),
                delete.version().get(),
                bulk.version().get(),
                media.remove_icon.version().get(),
                media.remove_screenshot.version().get(),
                media.move_screenshot.version().get(),
            )
        },
        move |(name, ..)| resource_page(path_of_kind(kind).to_string(), name),
    );
    let actions = ReleaseActions {
        update: update_release,
        publish,
        delete,
        bulk,
    };
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Some(page)) => view! { <ResourceView page update actions media staff /> }.into_any(),
                    Ok(None) => view! { <NotFound /> }.into_any(),
                    Err(error) => view! { <PageError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The release management actions of a resource page.
#[derive(Clone, Copy)]
struct ReleaseActions {
    update: ServerAction<UpdateRelease>,
    publish: ServerAction<PublishRelease>,
    delete: ServerAction<DeleteRelease>,
    bulk: ServerAction<BulkReleases>,
}

/// The icon and gallery actions of a resource page (uploads are plain form posts).
#[derive(Clone, Copy)]
struct MediaActions {
    remove_icon: ServerAction<RemoveIcon>,
    remove_screenshot: ServerAction<RemoveScreenshot>,
    move_screenshot: ServerAction<MoveScreenshot>,
}

fn install_hint(resource: &ResourceInfo) -> String {
    match resource.kind {
        Kind::AssetPack => format!("[game]\n    assets = [\"{}\"]", resource.name),
        Kind::Package => match resource.category.as_str() {
            "game-mode" => format!("[game]\n    game_mode = \"{}\"", resource.name),
            "loading-screen" => format!("[game]\n    loading_screen = \"{}\"", resource.name),
            "map" => format!("[game]\n    map = \"{}\"", resource.name),
            _ => format!("[game]\n    packages = [\"{}\"]", resource.name),
        },
    }
}

#[component]
fn ResourceView(
    page: ResourcePageData,
    update: ServerAction<UpdateResource>,
    actions: ReleaseActions,
    media: MediaActions,
    staff: StaffActions,
) -> impl IntoView {
    let r = page.resource.clone();
    let reportable: Vec<String> = page
        .releases
        .iter()
        .filter(|release| release.info.is_public())
        .map(|release| release.info.version.clone())
        .collect();
    let developer = page.viewer_role.is_some_and(|role| role >= Role::Developer);
    let base = format!("/{}/{}", path_of_kind(r.kind), r.name);
    let folder = match r.kind {
        Kind::Package => format!("Packages/{}/", r.name),
        Kind::AssetPack => format!("Assets/{}/", r.name),
    };
    let download_all = format!(
        "/store/v1/{}/{}/download?channel=stable",
        path_of_kind(r.kind),
        r.name
    );
    let screenshots = page.screenshots.clone();
    view! {
        <Title text=r.title.clone() />
        <article class="stack-lg resource-page">
            <header class="resource-header">
                <ResourceIcon icon=r.icon.clone() title=r.title.clone() large=true />
                <div class="resource-heading">
                    <h1>{r.title.clone()}</h1>
                    <ModerationNotes yanked=None takedown=r.takedown.clone() />
                    <p class="muted"><span class="mono">{r.name.clone()}</span> " · by " <a href=format!("/teams/{}", r.team)>{r.team.clone()}</a></p>
                    <p>{r.short_description.clone()}</p>
                    <p class="meta">
                        <a class="badge" href=format!("/{}?category={}", path_of_kind(r.kind), r.category)>{r.category.clone()}</a>
                        {r.tags.iter().map(|t| view! { " " <a class="tag" href=format!("/{}?tag={t}", path_of_kind(r.kind))>{format!("#{t}")}</a> }).collect_view()}
                    </p>
                    <p class="actions">
                        {r.latest_version.clone().map(|v| view! { <a class="button" href=download_all.clone() rel="external" download="">{format!("Download v{v}")}</a> })}
                        {developer.then(|| view! { " " <a class="button" href=format!("/upload?kind={}&name={}", path_of_kind(r.kind), r.name)>"New release"</a> })}
                    </p>
                </div>
            </header>
            <div class="resource-layout">
                <div class="resource-main stack-lg">
                    {(!screenshots.is_empty()).then(|| view! { <Gallery screenshots=screenshots.clone() /> })}
                    {page.description_from_readme.then(|| view! { <p class="muted readme-note">"From the README.md of the latest release."</p> })}
                    <div class="markdown" data-testid="description" inner_html=page.description_html.clone()></div>
                    <section class="panel">
                        <h2>"Install on a game server"</h2>
                        <p>"With a store token in the server's " <code>"Config.toml"</code> " (" <code>"[general] token"</code> "), the server downloads it by name. Or unzip a release into " <code>{folder}</code> " and enable it:"</p>
                        <pre><code>{install_hint(&r)}</code></pre>
                    </section>
                    <section class="stack">
                        <h2>"Releases"</h2>
                        {if page.releases.is_empty() {
                            view! { <p class="muted">"No releases yet."</p> }.into_any()
                        } else {
                            view! {
                                {developer.then(|| view! { <BulkReleasesForm kind=r.kind name=r.name.clone() action=actions.bulk /> })}
                                {page.releases.clone().into_iter().enumerate().map(|(index, release)| view! {
                                    <ReleaseCard base=base.clone() release developer index kind=r.kind name=r.name.clone() actions />
                                }.into_any()).collect_view()}
                            }.into_any()
                        }}
                    </section>
                    {developer.then(|| view! { <ManageMedia resource=page.resource.clone() screenshots=page.screenshots.clone() media /> }.into_any())}
                    {developer.then(|| view! { <EditResource resource=page.resource.clone() update /> }.into_any())}
                    {page.viewer_role.is_some_and(|role| role >= Role::Admin).then(|| view! { <DeleteResourceSection kind=r.kind name=r.name.clone() /> })}
                    {page.viewer_staff.map(|role| view! {
                        <StaffPanel kind=path_of_kind(r.kind) name=r.name.clone() version=None takedown=r.takedown.clone() review_pending=false purgeable=r.takedown.is_some() role actions=staff />
                    })}
                    <ReportForm kind=path_of_kind(r.kind) name=r.name.clone() versions=reportable signed_in=page.signed_in />
                </div>
                <Sidebar page=page.clone() />
            </div>
        </article>
    }
}

/// A time as "3 days ago", relative to `now`.
fn time_ago(now: i64, then: i64) -> String {
    let seconds = (now - then).max(0);
    let (count, unit) = match seconds {
        0..60 => return "just now".into(),
        60..3_600 => (seconds / 60, "minute"),
        3_600..86_400 => (seconds / 3_600, "hour"),
        86_400..2_592_000 => (seconds / 86_400, "day"),
        2_592_000..31_536_000 => (seconds / 2_592_000, "month"),
        _ => (seconds / 31_536_000, "year"),
    };
    format!("{count} {unit}{} ago", if count == 1 { "" } else { "s" })
}

/// A time as `<time>`: relative, with the exact UTC time in `datetime` and on hover.
#[component]
fn TimeAgo(now: i64, at: i64) -> impl IntoView {
    let moment = time::OffsetDateTime::from_unix_timestamp(at).ok();
    let machine = moment
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
            ))
            .ok()
        })
        .unwrap_or_default();
    let exact = moment
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_default();
    view! { <time datetime=machine title=exact>{time_ago(now, at)}</time> }
}

/// A requirement or a resource that requires this one: its icon, and a link when the store has it.
#[component]
fn RelatedItem(related: Related) -> impl IntoView {
    let kind_label = match related.kind {
        Kind::Package => "package",
        Kind::AssetPack => "asset pack",
    };
    match related.title {
        Some(title) => view! {
            <li class="related">
                <ResourceIcon icon=related.icon title=title.clone() />
                <span><a href=format!("/{}/{}", path_of_kind(related.kind), related.name)>{title}</a>
                <span class="muted">{format!(" {kind_label}")}</span></span>
            </li>
        }
        .into_any(),
        None => view! {
            <li class="related">
                <ResourceIcon icon=None title=related.name.clone() />
                <span><span class="mono">{related.name.clone()}</span>
                <span class="muted">{format!(" {kind_label}, not in this store")}</span></span>
            </li>
        }
        .into_any(),
    }
}

/// The facts beside a resource's description.
#[component]
fn Sidebar(page: ResourcePageData) -> impl IntoView {
    let r = page.resource;
    let base = format!("/{}/{}", path_of_kind(r.kind), r.name);
    let mut channels: Vec<(Channel, String)> = Vec::new();
    for channel in Channel::ALL.into_iter().rev() {
        if let Some(release) = page
            .releases
            .iter()
            .find(|rel| rel.info.state == ReleaseState::Published && rel.info.channel == channel)
        {
            channels.push((channel, release.info.version.clone()));
        }
    }
    let links = r.links.labelled();
    view! {
        <aside class="resource-sidebar" aria-label="About this resource" data-testid="sidebar">
            <dl class="facts">
                {channels.into_iter().map(|(channel, version)| view! {
                    <dt>{format!("Latest {}", channel.as_str())}</dt>
                    <dd><a href=format!("{base}/releases/{version}")>{format!("v{version}")}</a></dd>
                }).collect_view()}
                <dt>"Updated"</dt>
                <dd><TimeAgo now=page.now at=r.updated_at /></dd>
                <dt>"Created"</dt>
                <dd><TimeAgo now=page.now at=r.created_at /></dd>
                <dt>"Downloads"</dt>
                <dd>{r.download_count}</dd>
                <dt>"License"</dt>
                <dd data-testid="license">{r.license.clone().unwrap_or_else(|| "Not given".into())}</dd>
            </dl>
            {(!links.is_empty()).then(|| view! {
                <section>
                    <h2>"Links"</h2>
                    <ul class="plain" data-testid="links">
                        {links.into_iter().map(|(label, url)| view! {
                            <li><a href=url rel="nofollow ugc noopener external" target="_blank">{label}</a></li>
                        }).collect_view()}
                    </ul>
                </section>
            })}
            <section>
                <h2>"Team"</h2>
                <p><a href=format!("/teams/{}", r.team)>{r.team.clone()}</a></p>
                <ul class="plain">
                    {page.members.into_iter().map(|m| view! {
                        <li><a href=format!("/u/{}", m.username)>{m.display_name.clone()}</a> <span class="muted">{format!(" {}", m.role.as_str())}</span></li>
                    }).collect_view()}
                </ul>
            </section>
            <section data-testid="requirements">
                <h2>"Requirements"</h2>
                {if page.requirements.is_empty() {
                    view! { <p class="muted">"None"</p> }.into_any()
                } else {
                    view! { <ul class="plain">{page.requirements.into_iter().map(|related| view! { <RelatedItem related /> }).collect_view()}</ul> }.into_any()
                }}
            </section>
            <section data-testid="required-by">
                <h2>"Required by"</h2>
                {if page.required_by.is_empty() {
                    view! { <p class="muted">"Nothing in this store yet"</p> }.into_any()
                } else {
                    view! { <ul class="plain">{page.required_by.into_iter().map(|related| view! { <RelatedItem related /> }).collect_view()}</ul> }.into_any()
                }}
            </section>
        </aside>
    }
}

/// The screenshot gallery: thumbnails that open the full image.
#[component]
fn Gallery(screenshots: Vec<Screenshot>) -> impl IntoView {
    view! {
        <section class="gallery" aria-label="Screenshots">
            <ul>
                {screenshots.into_iter().enumerate().map(|(index, shot)| {
                    let alt = if shot.caption.is_empty() { format!("Screenshot {}", index + 1) } else { shot.caption.clone() };
                    let width = shot.width.min(400);
                    let height = shot.height * width / shot.width.max(1);
                    view! {
                        <li>
                            <a href=shot.url.clone() rel="external" target="_blank">
                                <img src=shot.thumbnail_url.clone() alt=alt width=width height=height loading="lazy" />
                            </a>
                            {(!shot.caption.is_empty()).then(|| view! { <p class="caption">{shot.caption.clone()}</p> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// What a redirect back from an image upload says (`media=saved` or `media-error=<code>`).
fn media_outcome(saved: bool, error: Option<&str>) -> Option<(bool, &'static str)> {
    if let Some(code) = error {
        return Some((
            false,
            match code.parse::<ErrorCode>() {
                Ok(ErrorCode::NotAnImage) => {
                    "That file is not an image the store takes: use a JPEG, PNG or WebP image."
                }
                Ok(ErrorCode::ImageTooLarge | ErrorCode::TooLarge) => {
                    "That image is too large: at most 8 MiB and 8192 pixels a side."
                }
                Ok(ErrorCode::TooManyScreenshots) => {
                    "The gallery is full (8 screenshots): remove one first."
                }
                Ok(ErrorCode::InvalidCaption) => "A caption has at most 200 characters.",
                Ok(ErrorCode::MissingFile) => "Choose an image file first.",
                _ => "The image was not saved. Try again.",
            },
        ));
    }
    saved.then_some((true, "Saved."))
}

/// The hidden fields naming a screenshot, for its forms.
fn screenshot_fields(kind: &'static str, name: String, id: String) -> impl IntoView {
    view! {
        <input type="hidden" name="kind" value=kind />
        <input type="hidden" name="name" value=name />
        <input type="hidden" name="id" value=id />
    }
}

/// Icon and gallery management, for the team's developers.
#[component]
fn ManageMedia(
    resource: ResourceInfo,
    screenshots: Vec<Screenshot>,
    media: MediaActions,
) -> impl IntoView {
    let query = use_query_map();
    let outcome = move || {
        let q = query.read();
        media_outcome(
            q.get("media").as_deref() == Some("saved"),
            q.get("media-error").as_deref(),
        )
    };
    let kind = path_of_kind(resource.kind);
    let name = resource.name.clone();
    let base = format!("/store/v1/{kind}/{name}");
    let remove_error = action_error(media.remove_screenshot);
    let full = screenshots.len() >= 8;
    let count = screenshots.len();
    view! {
        <details class="panel" id="media" open=move || outcome().is_some()>
            <summary>"Icon and screenshots"</summary>
            {move || outcome().map(|(ok, message)| {
                let (class, role) = if ok { ("alert success", "status") } else { ("alert error", "alert") };
                view! { <p class=class role=role data-testid="media-outcome">{message}</p> }
            })}
            <FormAlert error=remove_error />
            <h3>"Icon"</h3>
            <p class="hint">"A JPEG, PNG or WebP image, shown as a square (the middle of the image). A release's Package.jpg or Assets.jpg is used until you choose one here."</p>
            <div class="media-row">
                <ResourceIcon icon=resource.icon.clone() title=resource.title.clone() />
                <form method="post" enctype="multipart/form-data" action=format!("{base}/icon") class="inline-upload">
                    <label for="icon-file">"Icon image"</label>
                    <input id="icon-file" name="file" type="file" accept="image/jpeg,image/png,image/webp" required />
                    <button type="submit" class="button small">"Upload icon"</button>
                </form>
                {resource.icon.is_some().then({
                    let name = name.clone();
                    move || view! {
                    <ActionForm action=media.remove_icon attr:class="inline-form">
                        <input type="hidden" name="kind" value=kind />
                        <input type="hidden" name="name" value=name />
                        <button type="submit" class="button-link">"Remove icon"</button>
                    </ActionForm>
                }})}
            </div>
            <h3>"Screenshots"</h3>
            <p class="hint">{format!("{count} of 8. JPEG, PNG or WebP, at most 8 MiB; shown at most 1280 pixels wide.")}</p>
            <ol class="manage-shots">
                {screenshots.into_iter().enumerate().map(|(index, shot)| {
                    let alt = if shot.caption.is_empty() { format!("Screenshot {}", index + 1) } else { shot.caption.clone() };
                    let hidden = {
                        let name = name.clone();
                        let id = shot.id.clone();
                        move || screenshot_fields(kind, name.clone(), id.clone())
                    };
                    let (earlier, later) = (hidden.clone(), hidden.clone());
                    view! {
                        <li>
                            <img src=shot.thumbnail_url.clone() alt=alt width="160" loading="lazy" />
                            <span class="caption">{shot.caption.clone()}</span>
                            <span class="actions">
                                {(index > 0).then(move || view! {
                                    <ActionForm action=media.move_screenshot attr:class="inline-form">
                                        {earlier()}
                                        <input type="hidden" name="direction" value="earlier" />
                                        <button type="submit" class="button-link">"Move earlier"</button>
                                    </ActionForm>
                                })}
                                {(index + 1 < count).then(move || view! {
                                    <ActionForm action=media.move_screenshot attr:class="inline-form">
                                        {later()}
                                        <input type="hidden" name="direction" value="later" />
                                        <button type="submit" class="button-link">"Move later"</button>
                                    </ActionForm>
                                })}
                                <ActionForm action=media.remove_screenshot attr:class="inline-form">
                                    {hidden()}
                                    <button type="submit" class="button-link danger">"Remove"</button>
                                </ActionForm>
                            </span>
                        </li>
                    }
                }).collect_view()}
            </ol>
            {(!full).then(|| view! {
                <form method="post" enctype="multipart/form-data" action=format!("{base}/screenshots") class="stack">
                    <div class="field">
                        <label for="shot-file">"Screenshot"</label>
                        <input id="shot-file" name="file" type="file" accept="image/jpeg,image/png,image/webp" required />
                    </div>
                    <div class="field">
                        <label for="shot-caption">"Caption (optional)"</label>
                        <input id="shot-caption" name="caption" type="text" maxlength="200" />
                    </div>
                    <div><button type="submit" class="button small">"Add screenshot"</button></div>
                </form>
            })}
        </details>
    }
}

#[component]
fn ReleaseCard(
    base: String,
    release: ReleaseView,
    developer: bool,
    /// The release's place on the page, which names its box in the bulk form.
    index: usize,
    kind: Kind,
    name: String,
    actions: ReleaseActions,
) -> impl IntoView {
    let info = release.info.clone();
    let version = info.version.clone();
    let download = format!(
        "/store/v1/{}/{}/releases/{}/download",
        path_of_kind(kind),
        name,
        version
    );
    let draft = info.state == ReleaseState::Draft;
    view! {
        <div class="release panel" data-testid=format!("release-{version}")>
            {developer.then(|| view! {
                <label class="check bulk-choice">
                    <input type="checkbox" form=BULK_FORM_ID name=format!("versions[{index}]") value=version.clone() />
                    {format!(" Choose v{version}")}
                </label>
            })}
            <h3>
                <a href=format!("{base}/releases/{version}")>{format!("v{version}")}</a> " "
                <span class=format!("badge channel-{}", info.channel.as_str())>{info.channel.as_str()}</span>
                {draft.then(|| view! { " " <span class="badge draft">"draft"</span> })}
                {info.yanked.is_some().then(|| view! { " " <span class="badge yanked" data-testid="yanked">"yanked"</span> })}
                {info.takedown.is_some().then(|| view! { " " <span class="badge taken-down">"taken down"</span> })}
                <ReviewBadge review=info.review.clone() />
            </h3>
            <ModerationNotes yanked=info.yanked.clone() takedown=info.takedown.clone() />
            <ReviewNote review=info.review.clone() />
            <p class="muted">{format!("{} · {} · by {}", format_date(info.created_at), human_size(info.size as u64), info.uploaded_by)}</p>
            <div class="markdown" inner_html=release.changelog_html></div>
            <p><a class="button small" href=download rel="external" download="">"Download"</a></p>
            {developer.then(|| view! { <ManageRelease kind name=name.clone() release=info.clone() actions /> }.into_any())}
        </div>
    }
}

/// The id of the bulk form, which each release's box names (`form=`) from inside its card.
const BULK_FORM_ID: &str = "bulk-releases";

/// The release management page's bulk actions: yank, take back yanks, or delete the drafts among
/// the releases whose boxes are ticked; then what happened to each.
#[component]
fn BulkReleasesForm(kind: Kind, name: String, action: ServerAction<BulkReleases>) -> impl IntoView {
    let error = action_error(action);
    let outcomes = move || action.value().get().and_then(Result::ok);
    view! {
        <ActionForm action=action attr:id=BULK_FORM_ID attr:class="panel stack bulk-form" attr:aria-label="Act on the chosen releases">
            <FormAlert error=error />
            <p class="field-error" aria-live="polite">{move || field_error(error, "versions").get()}</p>
            <input type="hidden" name="kind" value=path_of_kind(kind) />
            <input type="hidden" name="name" value=name />
            <div class="inline-form">
                <label for="bulk-action">"With the chosen releases"</label>
                <select id="bulk-action" name="action">
                    <option value="yank">"Yank them"</option>
                    <option value="unyank">"Take their yanks back"</option>
                    <option value="delete">"Delete them (drafts only)"</option>
                </select>
                <label for="bulk-reason" class="visually-hidden">"Why (shown beside a yanked release)"</label>
                <input id="bulk-reason" name="reason" type="text" maxlength=crate::moderation::REASON_MAX placeholder="Why (optional)" />
                <button type="submit" class="button small" disabled=action.pending()>"Apply"</button>
            </div>
            {move || outcomes().map(|outcomes| view! {
                <ul class="bulk-outcomes" role="status" data-testid="bulk-outcomes">
                    {outcomes.into_iter().map(|o| match o.error {
                        None => view! { <li>{format!("v{}: done", o.version)}</li> }.into_any(),
                        Some(error) => view! { <li class="field-error">{format!("v{}: {}", o.version, error.message)}</li> }.into_any(),
                    }).collect_view()}
                </ul>
            })}
        </ActionForm>
    }
}

/// Why a release or resource was yanked or taken down, as its team and the staff read it (others
/// never reach a taken-down page; a yank is shown to everyone).
#[component]
pub fn ModerationNotes(
    yanked: Option<crate::moderation::Yank>,
    takedown: Option<crate::moderation::Takedown>,
) -> impl IntoView {
    view! {
        {yanked.map(|y| view! {
            <p class="alert warning" data-testid="yank-note">
                {format!("Yanked on {}: installs never choose it; it stays downloadable by its version.", format_date(y.yanked_at))}
                {(!y.reason.is_empty()).then(|| format!(" Reason: {}", y.reason))}
            </p>
        })}
        {takedown.map(|t| view! {
            <p class="alert error" role="alert" data-testid="takedown-note">
                {match t.kind {
                    crate::moderation::TakedownKind::Gone => "Taken down by the store's staff; only its team and the staff see it. Reason: ",
                    crate::moderation::TakedownKind::Legal => "Taken down for legal reasons; only its team and the staff see it. Reason: ",
                }}
                {t.reason}
            </p>
        })}
    }
}

/// What a release waiting for review means, for its team (beside [`ReviewBadge`]).
#[component]
fn ReviewNote(review: Option<crate::moderation::Review>) -> impl IntoView {
    review
        .filter(|review| review.state == crate::moderation::ReviewState::Pending)
        .map(|_| {
            view! {
                <p class="alert warning" data-testid="review-note">
                    "Waiting for review by the store's staff: it is published once they approve it."
                </p>
            }
        })
}

/// "in review", or "declined" with the staff's reason, for a release its team sees.
#[component]
fn ReviewBadge(review: Option<crate::moderation::Review>) -> impl IntoView {
    use crate::moderation::ReviewState;
    review.map(|review| match review.state {
        ReviewState::Pending => view! {
            " " <span class="badge draft" data-testid="review">"in review"</span>
        }
        .into_any(),
        ReviewState::Declined => view! {
            " " <span class="badge taken-down" data-testid="review">"declined"</span>
            <span class="muted">{format!(" {}", review.reason.unwrap_or_default())}</span>
        }
        .into_any(),
    })
}

#[component]
fn ManageRelease(
    kind: Kind,
    name: String,
    release: super::ReleaseInfo,
    actions: ReleaseActions,
) -> impl IntoView {
    let error = action_error(actions.update);
    let publish_error = action_error(actions.publish);
    let delete_error = action_error(actions.delete);
    let (confirm_delete, set_confirm_delete) = signal(false);
    let version = release.version.clone();
    let kind_path = path_of_kind(kind).to_string();
    let draft = release.state == ReleaseState::Draft;
    let (k2, n2, v2) = (kind_path.clone(), name.clone(), version.clone());
    let (k3, n3, v3) = (kind_path.clone(), name.clone(), version.clone());
    view! {
        <details class="manage">
            <summary>"Manage this release"</summary>
            <ActionForm action=actions.update attr:class="stack">
                <FormAlert error=error />
                <input type="hidden" name="kind" value=kind_path.clone() />
                <input type="hidden" name="name" value=name.clone() />
                <input type="hidden" name="version" value=version.clone() />
                <div class="field">
                    <label for=format!("channel-{version}")>"Channel"</label>
                    <select id=format!("channel-{version}") name="channel">
                        {Channel::ALL.into_iter().map(|c| view! { <option value=c.as_str() selected=c == release.channel>{c.as_str()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for=format!("changelog-{version}")>"Changelog (Markdown)"</label>
                    <TextArea id=format!("changelog-{version}") name="changelog" rows=4 text=release.changelog.clone() />
                    <p class="field-error">{move || field_error(error, "changelog").get()}</p>
                </div>
                <button type="submit" class="button small">"Save release"</button>
            </ActionForm>
            <FormAlert error=publish_error />
            <FormAlert error=delete_error />
            {draft.then(|| view! {
                <p class="actions">
                    <button type="button" class="button" on:click=move |_| { actions.publish.dispatch(PublishRelease { kind: k2.clone(), name: n2.clone(), version: v2.clone() }); }>
                        "Publish"
                    </button>
                    " "
                    <Show when=move || confirm_delete.get() fallback=move || view! {
                        <button type="button" class="button-link" on:click=move |_| set_confirm_delete.set(true)>"Delete draft"</button>
                    }>
                        <span class="confirm">
                            "Delete this draft for good? "
                            <button type="button" class="button danger small" on:click={
                                let (k, n, v) = (k3.clone(), n3.clone(), v3.clone());
                                move |_| { actions.delete.dispatch(DeleteRelease { kind: k.clone(), name: n.clone(), version: v.clone() }); }
                            }>"Yes, delete"</button>
                            <button type="button" class="button-link" on:click=move |_| set_confirm_delete.set(false)>"Cancel"</button>
                        </span>
                    </Show>
                </p>
            }.into_any())}
        </details>
    }
}

#[component]
fn EditResource(resource: ResourceInfo, update: ServerAction<UpdateResource>) -> impl IntoView {
    let error = action_error(update);
    let saved = move || matches!(update.value().get(), Some(Ok(())));
    view! {
        <details class="panel">
            <summary>"Edit information"</summary>
            <ActionForm action=update attr:class="stack">
                <FormAlert error=error />
                <input type="hidden" name="kind" value=path_of_kind(resource.kind) />
                <input type="hidden" name="name" value=resource.name.clone() />
                <div class="field">
                    <label for="edit-title">"Title"</label>
                    <input id="edit-title" name="title" type="text" value=resource.title.clone() />
                    <p class="field-error">{move || field_error(error, "title").get()}</p>
                </div>
                <div class="field">
                    <label for="edit-short">"Short description"</label>
                    <input id="edit-short" name="short_description" type="text" maxlength=super::SHORT_DESCRIPTION_MAX value=resource.short_description.clone() />
                    <p class="field-error">{move || field_error(error, "short_description").get()}</p>
                </div>
                <div class="field">
                    <label for="edit-description">"Description (Markdown)"</label>
                    <TextArea id="edit-description" name="description" rows=6 text=resource.description.clone() />
                </div>
                <div class="field">
                    <label for="edit-category">"Category"</label>
                    <input id="edit-category" name="category" type="text" value=resource.category.clone() />
                    <p class="field-error">{move || field_error(error, "category").get()}</p>
                </div>
                <div class="field">
                    <label for="edit-tags">"Tags (comma-separated)"</label>
                    <input id="edit-tags" name="tags" type="text" value=resource.tags.join(", ") />
                    <p class="field-error">{move || field_error(error, "tags").get()}</p>
                </div>
                <div class="field">
                    <label for="edit-license">"License (SPDX identifier)"</label>
                    <p class="hint" id="edit-license-hint">"For example MIT, Apache-2.0, GPL-3.0-only, CC-BY-4.0, or "MIT OR Apache-2.0". Leave empty if you have not chosen one."</p>
                    <input id="edit-license" name="license" type="text" maxlength="128" aria-describedby="edit-license-hint" value=resource.license.clone().unwrap_or_default() />
                    <p class="field-error">{move || field_error(error, "license").get()}</p>
                </div>
                <fieldset class="stack">
                    <legend>"Links (https:// addresses)"</legend>
                    {[("source_url", "Source code", resource.links.source.clone()), ("issues_url", "Issue tracker", resource.links.issues.clone()), ("wiki_url", "Wiki or documentation", resource.links.wiki.clone()), ("discord_url", "Discord invitation", resource.links.discord.clone())]
                        .into_iter()
                        .map(|(field, label, value)| view! {
                            <div class="field">
                                <label for=format!("edit-{field}")>{label}</label>
                                <input id=format!("edit-{field}") name=field type="url" maxlength="512" placeholder="https://" value=value.unwrap_or_default() />
                                <p class="field-error">{move || field_error(error, field).get()}</p>
                            </div>
                        })
                        .collect_view()}
                </fieldset>
                <div>
                    <button type="submit" class="button">"Save"</button>
                    {move || saved().then(|| view! { <span class="saved" role="status">" Saved."</span> })}
                </div>
            </ActionForm>
        </details>
    }
}

/// `/packages/{name}/releases/{version}` and the asset pack equivalent.
#[component]
pub fn ReleasePage(kind: Kind) -> impl IntoView {
    let name = route_param("name");
    let version = route_param("version");
    let staff = StaffActions::new();
    let data = Resource::new(
        move || (name(), staff.versions()),
        move |(name, _)| resource_page(path_of_kind(kind).to_string(), name),
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let wanted = version();
                match data.await {
                    Ok(Some(page)) => match page.releases.iter().find(|r| r.info.version == wanted).cloned() {
                        Some(release) => {
                            let previous = previous_on_channel(&page.releases, &release.info);
                            view! {
                                <ReleaseDetails resource=page.resource release previous staff=page.viewer_staff.map(|role| (role, staff)) signed_in=page.signed_in />
                            }.into_any()
                        }
                        None => match page.taken_down.iter().find(|(v, _)| *v == wanted) {
                            Some((v, takedown)) => {
                                let error = takedown.notice(&format!("{} {v}", page.resource.name));
                                view! { <PageError error /> }.into_any()
                            }
                            None => view! { <NotFound /> }.into_any(),
                        },
                    },
                    Ok(None) => view! { <NotFound /> }.into_any(),
                    Err(error) => view! { <PageError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The release before `release` on its channel (the next older one among `releases`, newest
/// first), to compare it with.
fn previous_on_channel(releases: &[ReleaseView], release: &super::ReleaseInfo) -> Option<String> {
    releases
        .iter()
        .skip_while(|r| r.info.version != release.version)
        .skip(1)
        .find(|r| r.info.channel == release.channel)
        .map(|r| r.info.version.clone())
}

#[component]
fn ReleaseDetails(
    resource: ResourceInfo,
    release: ReleaseView,
    /// The previous release on the same channel, to compare with.
    previous: Option<String>,
    /// The viewer's site role and the staff's actions, for the staff only.
    staff: Option<(crate::moderation::SiteRole, StaffActions)>,
    signed_in: bool,
) -> impl IntoView {
    let info = release.info;
    let review_pending = info
        .review
        .as_ref()
        .is_some_and(|review| review.state == crate::moderation::ReviewState::Pending);
    let manifest = info.manifest.clone();
    let download = format!(
        "/store/v1/{}/{}/releases/{}/download",
        path_of_kind(resource.kind),
        resource.name,
        info.version
    );
    let state = match info.state {
        ReleaseState::Draft => "draft",
        ReleaseState::Published => "published",
    };
    view! {
        <Title text=format!("{} {}", resource.title, info.version) />
        <article class="stack-lg">
            <header>
                <h1>{resource.title.clone()} " " <span class="mono">{format!("v{}", info.version)}</span></h1>
                <p>
                    <a href=format!("/{}/{}", path_of_kind(resource.kind), resource.name)>{format!("← {}", resource.title)}</a> " "
                    <span class=format!("badge channel-{}", info.channel.as_str())>{info.channel.as_str()}</span> " "
                    <span class="badge" data-testid="release-state">{state}</span>
                    {info.yanked.is_some().then(|| view! { " " <span class="badge yanked" data-testid="yanked">"yanked"</span> })}
                    <ReviewBadge review=info.review.clone() />
                </p>
                <ModerationNotes yanked=info.yanked.clone() takedown=info.takedown.clone() />
                <ReviewNote review=info.review.clone() />
                <p class="actions">
                    <a class="button" href=download rel="external" download="">"Download"</a> " "
                    <a class="button secondary" href=format!("/{}/{}/releases/{}/files", path_of_kind(resource.kind), resource.name, info.version)>"Browse files"</a> " "
                    {previous.map(|previous| view! {
                        <a class="button secondary" href=format!("/{}/{}/compare/{previous}...{}", path_of_kind(resource.kind), resource.name, info.version)>{format!("Compare with v{previous}")}</a>
                    })}
                </p>
            </header>
            <div class="markdown" inner_html=release.changelog_html></div>
            <dl class="facts">
                <dt>"Type"</dt><dd>{manifest.as_ref().and_then(|m| m.package_type).map(|t| t.as_str()).unwrap_or("asset pack")}</dd>
                <dt>"Author"</dt><dd>{manifest.as_ref().and_then(|m| m.author.clone()).unwrap_or_default()}</dd>
                <dt>"Requirements"</dt><dd>{manifest.as_ref().map(|m| [m.packages_requirements.clone(), m.assets_requirements.clone()].concat().join(", ")).filter(|s| !s.is_empty()).unwrap_or_else(|| "none".into())}</dd>
                <dt>"Files"</dt><dd>{info.file_count}</dd>
                <dt>"Size"</dt><dd>{human_size(info.size as u64)}</dd>
                <dt>"Unpacked"</dt><dd>{human_size(info.unpacked_size as u64)}</dd>
                <dt>"SHA-256"</dt><dd class="mono hash">{info.sha256.clone()}</dd>
                <dt>"Uploaded"</dt><dd>{format!("{} by {}", format_date(info.created_at), info.uploaded_by)}</dd>
                <dt>"Published"</dt><dd>{info.published_at.map(format_date).unwrap_or_else(|| "not yet".into())}</dd>
                <dt>"Downloads"</dt><dd>{info.download_count}</dd>
            </dl>
            {staff.map(|(role, actions)| view! {
                <StaffPanel kind=path_of_kind(resource.kind) name=resource.name.clone() version=Some(info.version.clone()) takedown=info.takedown.clone() review_pending purgeable=info.takedown.is_some() || resource.takedown.is_some() role actions />
            })}
            {info.is_public().then(|| view! {
                <ReportForm kind=path_of_kind(resource.kind) name=resource.name.clone() versions=vec![info.version.clone()] signed_in />
            })}
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_say_when_they_are_a_lower_bound() {
        assert_eq!(found(12, true), "12 found");
        assert_eq!(found(1234, true), "1,234 found");
        assert_eq!(found(10_000, false), "10,000+ found");
    }

    #[test]
    fn times_ago() {
        assert_eq!(time_ago(1_000, 990), "just now");
        assert_eq!(time_ago(10_000, 10_000 - 60), "1 minute ago");
        assert_eq!(time_ago(1_000_000, 1_000_000 - 3 * 86_400), "3 days ago");
        assert_eq!(
            time_ago(100_000_000, 100_000_000 - 2 * 31_536_000),
            "2 years ago"
        );
        // A clock behind the row's time still reads sensibly.
        assert_eq!(time_ago(0, 100), "just now");
    }

    #[test]
    fn filter_links_keep_the_other_filters_and_restart_at_page_one() {
        let mut query = ParamsMap::new();
        query.insert("q", "car".to_string());
        query.insert("tag", "vehicles".to_string());
        query.insert("page", "3".to_string());
        query.insert("sort", String::new());
        let removed = query_with("/assets", &query, "tag", None);
        assert_eq!(removed, "/assets?q=car");
        let set = query_with("/assets", &query, "category", Some("maps"));
        assert!(
            set.starts_with("/assets?")
                && set.contains("category=maps")
                && set.contains("tag=vehicles")
                && !set.contains("page=")
        );
    }
}
