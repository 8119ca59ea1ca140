//! Resource pages: browse and search, a resource, a release, and release management.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::{
    browse, resource_page, DeleteRelease, PublishRelease, ReleaseView, ResourcePageData,
    UpdateRelease, UpdateResource,
};
use super::manage::DeleteResourceSection;
use super::{path_of_kind, Channel, ReleaseState, ResourceInfo};
use crate::teams::Role;
use crate::ui::{
    action_error, field_error, format_date, route_param, FormAlert, NotFound, TextArea,
};
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

fn kind_title(kind: Kind) -> &'static str {
    match kind {
        Kind::Package => "Packages",
        Kind::AssetPack => "Asset packs",
    }
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
    let kinds: Vec<Kind> = match listing {
        Listing::All => vec![Kind::Package, Kind::AssetPack],
        Listing::Only(kind) => vec![kind],
    };
    view! {
        <Title text=title />
        <section class="stack-lg">
            <h1>{title}</h1>
            <form method="get" action=action class="filters" role="search">
                <div class="field grow">
                    <label for="q">"Search"</label>
                    <input id="q" name="q" type="search" placeholder="Name, title, description or tag" value=move || get("q").unwrap_or_default() />
                </div>
                <div class="field">
                    <label for="category">"Category"</label>
                    <input id="category" name="category" type="text" placeholder="game-mode" value=move || get("category").unwrap_or_default() />
                </div>
                <div class="field">
                    <label for="tag">"Tag"</label>
                    <input id="tag" name="tag" type="text" value=move || get("tag").unwrap_or_default() />
                </div>
                <div class="field">
                    <label for="team">"Team"</label>
                    <input id="team" name="team" type="text" value=move || get("team").unwrap_or_default() />
                </div>
                <div class="field">
                    <label for="sort">"Sort by"</label>
                    <select id="sort" name="sort">
                        {[("updated", "Recently updated"), ("downloads", "Most downloaded"), ("name", "Name")]
                            .into_iter()
                            .map(|(value, label)| view! { <option value=value selected=move || get("sort").as_deref().unwrap_or("updated") == value>{label}</option> })
                            .collect_view()}
                    </select>
                </div>
                <button type="submit" class="button">"Search"</button>
            </form>
            {kinds.into_iter().map(|kind| view! { <ResultList kind listing /> }).collect_view()}
        </section>
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
        <section aria-label=kind_title(kind)>
            {(listing == Listing::All).then(|| view! { <h2>{kind_title(kind)}</h2> })}
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match results.await {
                        Ok(page) if page.items.is_empty() => view! { <p class="muted">"Nothing found."</p> }.into_any(),
                        Ok(page) => {
                            let pages = (page.total + page.page_size - 1) / page.page_size;
                            let current = page.page;
                            let link = move |to: i64| {
                                let mut q = query.get_untracked();
                                q.replace("page", to.to_string());
                                format!("/{}{}", path_of_kind(kind), q.to_query_string())
                            };
                            view! {
                                <ul class="cards">
                                    {page.items.into_iter().map(|r| view! { <ResourceCard resource=r /> }).collect_view()}
                                </ul>
                                {(listing == Listing::All && pages > 1).then(|| view! {
                                    <p><a href=link(1)>{format!("All {} →", kind_title(kind).to_lowercase())}</a></p>
                                })}
                                {(listing != Listing::All && pages > 1).then(|| view! {
                                    <nav class="pagination" aria-label="Pages">
                                        {(current > 1).then(|| view! { <a href=link(current - 1) rel="prev">"← Previous"</a> })}
                                        <span>{format!("Page {current} of {pages}")}</span>
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

#[component]
fn ResourceCard(resource: ResourceInfo) -> impl IntoView {
    let href = format!("/{}/{}", path_of_kind(resource.kind), resource.name);
    view! {
        <li class="card" data-testid=format!("card-{}", resource.name)>
            <h3><a href=href>{resource.title.clone()}</a></h3>
            <p class="muted mono">{resource.name.clone()}</p>
            <p>{resource.short_description.clone()}</p>
            <p class="meta">
                <span class="badge">{resource.category.clone()}</span>
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
    let data = Resource::new(
        move || {
            (
                name(),
                update.version().get(),
                update_release.version().get(),
                publish.version().get(),
                delete.version().get(),
            )
        },
        move |(name, ..)| resource_page(path_of_kind(kind).to_string(), name),
    );
    let actions = ReleaseActions {
        update: update_release,
        publish,
        delete,
    };
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Some(page)) => view! { <ResourceView page update actions /> }.into_any(),
                    Ok(None) => view! { <NotFound /> }.into_any(),
                    Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
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
) -> impl IntoView {
    let r = page.resource.clone();
    let developer = page.viewer_role.is_some_and(|role| role >= Role::Developer);
    let base = format!("/{}/{}", path_of_kind(r.kind), r.name);
    let folder = match r.kind {
        Kind::Package => format!("Packages/{}/", r.name),
        Kind::AssetPack => format!("Assets/{}/", r.name),
    };
    let requirements = page
        .releases
        .iter()
        .find(|rel| rel.info.state == ReleaseState::Published)
        .or(page.releases.first())
        .and_then(|rel| rel.info.manifest.clone());
    let download_all = format!(
        "/store/v1/{}/{}/download?channel=stable",
        path_of_kind(r.kind),
        r.name
    );
    view! {
        <Title text=r.title.clone() />
        <article class="stack-lg">
            <header class="resource-header">
                <h1>{r.title.clone()}</h1>
                <p class="muted"><span class="mono">{r.name.clone()}</span> " · by " <a href=format!("/teams/{}", r.team)>{r.team.clone()}</a></p>
                <p>{r.short_description.clone()}</p>
                <p class="meta">
                    <span class="badge">{r.category.clone()}</span>
                    {r.tags.iter().map(|t| view! { " " <a class="tag" href=format!("/{}?tag={t}", path_of_kind(r.kind))>{format!("#{t}")}</a> }).collect_view()}
                    {format!(" · {} downloads", r.download_count)}
                </p>
                <p class="actions">
                    {r.latest_version.clone().map(|v| view! { <a class="button" href=download_all.clone() rel="external" download="">{format!("Download v{v}")}</a> })}
                    {developer.then(|| view! { " " <a class="button" href=format!("/upload?kind={}&name={}", path_of_kind(r.kind), r.name)>"New release"</a> })}
                </p>
            </header>
            <div class="markdown" inner_html=page.description_html.clone()></div>
            <section class="panel">
                <h2>"Install on a game server"</h2>
                <p>"With a store token in the server's " <code>"Config.toml"</code> " (" <code>"[general] token"</code> "), the server downloads it by name. Or unzip a release into " <code>{folder}</code> " and enable it:"</p>
                <pre><code>{install_hint(&r)}</code></pre>
            </section>
            {requirements.filter(|m| !m.packages_requirements.is_empty() || !m.assets_requirements.is_empty()).map(|m| view! {
                <section>
                    <h2>"Requirements"</h2>
                    <ul>
                        {m.packages_requirements.into_iter().map(|n| view! { <li><a href=format!("/packages/{n}")>{n.clone()}</a>" (package)"</li> }).collect_view()}
                        {m.assets_requirements.into_iter().map(|n| view! { <li><a href=format!("/assets/{n}")>{n.clone()}</a>" (asset pack)"</li> }).collect_view()}
                    </ul>
                </section>
            })}
            <section class="stack">
                <h2>"Releases"</h2>
                {if page.releases.is_empty() {
                    view! { <p class="muted">"No releases yet."</p> }.into_any()
                } else {
                    page.releases.into_iter().map(|release| view! {
                        <ReleaseCard base=base.clone() release developer kind=r.kind name=r.name.clone() actions />
                    }.into_any()).collect_view().into_any()
                }}
            </section>
            {developer.then(|| view! { <EditResource resource=page.resource.clone() update /> }.into_any())}
            {page.viewer_role.is_some_and(|role| role >= Role::Admin).then(|| view! { <DeleteResourceSection kind=r.kind name=r.name.clone() /> })}
        </article>
    }
}

#[component]
fn ReleaseCard(
    base: String,
    release: ReleaseView,
    developer: bool,
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
            <h3>
                <a href=format!("{base}/releases/{version}")>{format!("v{version}")}</a> " "
                <span class=format!("badge channel-{}", info.channel.as_str())>{info.channel.as_str()}</span>
                {draft.then(|| view! { " " <span class="badge draft">"draft"</span> })}
            </h3>
            <p class="muted">{format!("{} · {} · by {}", format_date(info.created_at), human_size(info.size as u64), info.uploaded_by)}</p>
            <div class="markdown" inner_html=release.changelog_html></div>
            <p><a class="button small" href=download rel="external" download="">"Download"</a></p>
            {developer.then(|| view! { <ManageRelease kind name=name.clone() release=info.clone() actions /> }.into_any())}
        </div>
    }
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
    let data = Resource::new(name, move |name| {
        resource_page(path_of_kind(kind).to_string(), name)
    });
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let wanted = version();
                match data.await {
                    Ok(Some(page)) => match page.releases.iter().find(|r| r.info.version == wanted).cloned() {
                        Some(release) => view! { <ReleaseDetails resource=page.resource release /> }.into_any(),
                        None => view! { <NotFound /> }.into_any(),
                    },
                    Ok(None) => view! { <NotFound /> }.into_any(),
                    Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ReleaseDetails(resource: ResourceInfo, release: ReleaseView) -> impl IntoView {
    let info = release.info;
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
                </p>
                <p><a class="button" href=download rel="external" download="">"Download"</a></p>
            </header>
            <div class="markdown" inner_html=release.changelog_html></div>
            <dl class="facts">
                <dt>"Type"</dt><dd>{manifest.as_ref().and_then(|m| m.package_type).map(|t| t.as_str()).unwrap_or("asset pack")}</dd>
                <dt>"Author"</dt><dd>{manifest.as_ref().and_then(|m| m.author.clone()).unwrap_or_default()}</dd>
                <dt>"Requirements"</dt><dd>{manifest.as_ref().map(|m| [m.packages_requirements.clone(), m.assets_requirements.clone()].concat().join(", ")).filter(|s| !s.is_empty()).unwrap_or_else(|| "none".into())}</dd>
                <dt>"Files"</dt><dd>{info.file_count}</dd>
                <dt>"Size"</dt><dd>{human_size(info.size as u64)}</dd>
                <dt>"Unpacked"</dt><dd>{human_size(info.unpacked_size as u64)}</dd>
                <dt>"SHA-256"</dt><dd class="mono">{info.sha256.clone()}</dd>
                <dt>"Uploaded"</dt><dd>{format!("{} by {}", format_date(info.created_at), info.uploaded_by)}</dd>
                <dt>"Published"</dt><dd>{info.published_at.map(format_date).unwrap_or_else(|| "not yet".into())}</dd>
                <dt>"Downloads"</dt><dd>{info.download_count}</dd>
            </dl>
        </article>
    }
}
