//! The file browser (`/{type}/{name}/releases/{version}/files[/path]`) and the comparison of two
//! releases (`/{type}/{name}/compare/{a}...{b}`).

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{compare_page, files_page, ComparePageData, FilesPageData};
use super::{FileDiffView, FileEntry, FileView, NotShown, TreeEntry};
use crate::resources::path_of_kind;
use crate::ui::{route_param, PageError};
use crate::validate::{human_size, Kind};

/// The characters a path segment keeps as they are in an address: letters, digits and `-._~`.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A path's segments, each percent-encoded, joined by `/`: the file browser's address of a path.
pub fn encode_path(path: &str) -> String {
    path.split('/')
        .map(|segment| percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// Where a release's files are browsed: `/{type}/{name}/releases/{version}/files`.
fn files_root(kind: &str, name: &str, version: &str) -> String {
    format!("/{kind}/{name}/releases/{version}/files")
}

/// A file's bytes in the API: always an attachment.
fn raw_url(kind: &str, name: &str, version: &str, path: &str) -> String {
    format!(
        "/store/v1/{kind}/{name}/releases/{version}/files/{}",
        encode_path(path)
    )
}

/// `/packages/{name}/releases/{version}/files[/path]` and the asset pack equivalent.
#[component]
pub fn FilesPage(kind: Kind) -> impl IntoView {
    let name = route_param("name");
    let version = route_param("version");
    let path = route_param("path");
    let data = Resource::new(
        move || (name(), version(), path()),
        move |(name, version, path)| {
            files_page(path_of_kind(kind).to_string(), name, version, path)
        },
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <FilesView page /> }.into_any(),
                    Err(error) => view! { <PageError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn FilesView(page: FilesPageData) -> impl IntoView {
    let root = files_root(&page.kind, &page.name, &page.version);
    let release = format!("/{}/{}/releases/{}", page.kind, page.name, page.version);
    let title = if page.path.is_empty() {
        format!("Files of {} {}", page.title, page.version)
    } else {
        format!("{} · {} {}", page.path, page.title, page.version)
    };
    // The breadcrumbs: the release, its root, then each folder of the path.
    let mut crumbs: Vec<(String, String)> = Vec::new();
    let mut walked = String::new();
    for segment in page.path.split('/').filter(|s| !s.is_empty()) {
        if !walked.is_empty() {
            walked.push('/');
        }
        walked.push_str(segment);
        crumbs.push((
            segment.to_string(),
            format!("{root}/{}", encode_path(&walked)),
        ));
    }
    let last = crumbs.pop();
    let body = match page.file.clone() {
        Some((file, view)) => view! { <FileShown page=page.clone() file view /> }.into_any(),
        None => view! { <Folder root=root.clone() entries=page.entries.clone() total=page.total_entries /> }.into_any(),
    };
    view! {
        <Title text=title />
        <article class="stack-lg files">
            <header>
                <h1>"Files of " {page.title.clone()} " " <span class="mono">{format!("v{}", page.version)}</span></h1>
                <p class="muted">{format!("{} files, {} unpacked", page.file_count, human_size(page.unpacked_size))}</p>
                <nav aria-label="Breadcrumb">
                    <ol class="breadcrumbs">
                        <li><a href=release>{format!("v{}", page.version)}</a></li>
                        <li>{if last.is_none() {
                            view! { <span aria-current="page">"files"</span> }.into_any()
                        } else {
                            view! { <a href=root.clone()>"files"</a> }.into_any()
                        }}</li>
                        {crumbs.into_iter().map(|(name, href)| view! { <li><a href=href>{name}</a></li> }).collect_view()}
                        {last.map(|(name, _)| view! { <li><span aria-current="page">{name}</span></li> })}
                    </ol>
                </nav>
            </header>
            {body}
        </article>
    }
}

#[component]
fn Folder(root: String, entries: Vec<TreeEntry>, total: usize) -> impl IntoView {
    let shown = entries.len();
    view! {
        <table class="file-list stacked-table">
            <thead><tr><th scope="col">"Name"</th><th scope="col">"Size"</th><th scope="col">"Files or CRC-32"</th></tr></thead>
            <tbody>
                {entries.into_iter().map(|entry| {
                    let href = format!("{root}/{}", encode_path(&entry.path));
                    let label = if entry.folder { format!("{}/", entry.name) } else { entry.name.clone() };
                    let detail = if entry.folder {
                        format!("{} files", entry.files)
                    } else {
                        format!("{:08x}", entry.crc32)
                    };
                    view! {
                        <tr class:folder=entry.folder>
                            <td data-label="Name"><a href=href class="mono">{label}</a></td>
                            <td data-label="Size">{human_size(entry.size)}</td>
                            <td data-label="Files or CRC-32" class="mono">{detail}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        {(total > shown).then(|| view! {
            <p class="muted">{format!("The first {shown} of {total} entries. The release's download, or the API's list of its files, has them all.")}</p>
        })}
    }
}

/// The lines chosen by the address (`#L10` or `#L10-L20`), first and last.
#[cfg(any(test, feature = "hydrate"))]
fn parse_lines(hash: &str) -> Option<(usize, usize)> {
    let spec = hash.strip_prefix('#').unwrap_or(hash).strip_prefix('L')?;
    let (first, last): (usize, usize) = match spec.split_once("-L") {
        Some((a, b)) => (a.parse().ok()?, b.parse().ok()?),
        None => {
            let n: usize = spec.parse().ok()?;
            (n, n)
        }
    };
    Some((first.min(last), first.max(last))).filter(|(first, _)| *first > 0)
}

/// The address fragment of lines `first` to `last`.
#[cfg(any(test, feature = "hydrate"))]
fn lines_fragment((first, last): (usize, usize)) -> String {
    if first == last {
        format!("#L{first}")
    } else {
        format!("#L{first}-L{last}")
    }
}

#[component]
fn FileShown(page: FilesPageData, file: FileEntry, view: FileView) -> impl IntoView {
    let raw = raw_url(&page.kind, &page.name, &page.version, &file.path);
    let facts = view! {
        <dl class="facts">
            <dt>"Path"</dt><dd class="mono">{file.path.clone()}</dd>
            <dt>"Size"</dt><dd>{human_size(file.size)}</dd>
            <dt>"CRC-32"</dt><dd class="mono">{format!("{:08x}", file.crc32)}</dd>
        </dl>
        <p><a class="button" href=raw.clone() rel="external" download="">"Download this file"</a></p>
    };
    let shown = match view {
        FileView::Text {
            lines,
            highlighted,
            total_lines,
        } => {
            let cut = (total_lines > lines.len()).then(|| {
                format!(
                    "The first {} of {total_lines} lines. Download the file to read the rest.",
                    lines.len()
                )
            });
            view! {
                {(!highlighted).then(|| view! {
                    <p class="muted" data-testid="not-highlighted">"Shown without highlighting: the file is too large or took too long."</p>
                })}
                {cut.map(|cut| view! { <p class="muted">{cut}</p> })}
                <CodeLines lines />
            }
            .into_any()
        }
        FileView::Image => view! {
            <img class="file-image" src=raw alt=format!("The image {}", file.path) />
        }
        .into_any(),
        FileView::Other { reason } => {
            let reason = match reason {
                NotShown::NotText => "This kind of file is not shown here.".to_string(),
                NotShown::TooLarge { max } => format!(
                    "This file is too large to show here (over {}).",
                    human_size(max)
                ),
                NotShown::NotUtf8 => {
                    "This file is not UTF-8 text, so it is not shown here.".to_string()
                }
            };
            view! { <p class="muted">{reason}</p> }.into_any()
        }
    };
    view! { {facts} {shown} }
}

/// A text file's lines with their numbers, each linkable (`#L10`); clicking a number chooses its
/// line, and shift-clicking another chooses the lines between (`#L10-L20`).
#[component]
fn CodeLines(lines: Vec<String>) -> impl IntoView {
    let chosen = RwSignal::new(None::<(usize, usize)>);
    Effect::new(move |_| {
        if let Some(lines) = browser::address_lines() {
            browser::mark_lines(None, lines);
            chosen.set(Some(lines));
            browser::scroll_to_line(lines.0);
        }
    });
    let choose = move |event: leptos::ev::MouseEvent, line: usize| {
        event.prevent_default();
        let before = chosen.get_untracked();
        let lines = match before {
            Some((first, _)) if event.shift_key() => (first.min(line), first.max(line)),
            _ => (line, line),
        };
        browser::mark_lines(before, lines);
        chosen.set(Some(lines));
        browser::set_address_lines(lines);
    };
    view! {
        <div class="code-view" role="region" aria-label="The file's contents" tabindex="0">
            <table class="code">
                <tbody>
                    {lines.into_iter().enumerate().map(|(i, html)| {
                        let n = i + 1;
                        view! {
                            <tr id=format!("L{n}")>
                                <td class="line-number"><a href=format!("#L{n}") on:click=move |e| choose(e, n) aria-label=format!("Line {n}")>{n}</a></td>
                                <td class="line"><code inner_html=html></code></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The address's line fragment, in the browser.
#[cfg(feature = "hydrate")]
mod browser {
    use super::{lines_fragment, parse_lines};

    /// The lines the address names (`#L10-L20`).
    pub fn address_lines() -> Option<(usize, usize)> {
        let hash = web_sys::window()?.location().hash().ok()?;
        parse_lines(&hash)
    }

    /// Scrolls line `line` into view.
    pub fn scroll_to_line(line: usize) {
        if let Some(row) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&format!("L{line}")))
        {
            row.scroll_into_view();
        }
    }

    /// Marks the rows of `now` as chosen (class `chosen`), and unmarks those of `before`: a class
    /// per row, since the page's policy allows no style written in the page.
    pub fn mark_lines(before: Option<(usize, usize)>, now: (usize, usize)) {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let mark = |(first, last): (usize, usize), chosen: bool| {
            for n in first..=last {
                if let Some(row) = document.get_element_by_id(&format!("L{n}")) {
                    let classes = row.class_list();
                    let _ = if chosen {
                        classes.add_1("chosen")
                    } else {
                        classes.remove_1("chosen")
                    };
                }
            }
        };
        if let Some(before) = before {
            mark(before, false);
        }
        mark(now, true);
    }

    /// Names `lines` in the address, without a navigation (nothing to load again).
    pub fn set_address_lines(lines: (usize, usize)) {
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = history.replace_state_with_url(
                &wasm_bindgen::JsValue::NULL,
                "",
                Some(&lines_fragment(lines)),
            );
        }
    }
}

/// On the server, nothing: the address's fragment is the browser's.
#[cfg(not(feature = "hydrate"))]
mod browser {
    pub fn address_lines() -> Option<(usize, usize)> {
        None
    }
    pub fn scroll_to_line(_: usize) {}
    pub fn mark_lines(_: Option<(usize, usize)>, _: (usize, usize)) {}
    pub fn set_address_lines(_: (usize, usize)) {}
}

/// `/packages/{name}/compare/{a}...{b}` and the asset pack equivalent.
#[component]
pub fn ComparePage(kind: Kind) -> impl IntoView {
    let name = route_param("name");
    let range = route_param("range");
    let data = Resource::new(
        move || (name(), range()),
        move |(name, range)| compare_page(path_of_kind(kind).to_string(), name, range),
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <Comparison page /> }.into_any(),
                    Err(error) => view! { <PageError error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Diffs longer than this many lines start collapsed.
const OPEN_DIFF_LINES: usize = 200;

#[component]
fn Comparison(page: ComparePageData) -> impl IntoView {
    let old_root = files_root(&page.kind, &page.name, &page.from);
    let new_root = files_root(&page.kind, &page.name, &page.to);
    let changes = page.changes.clone();
    let file_link = |root: &str, path: &str| format!("{root}/{}", encode_path(path));
    let added = changes.added.iter().map(|f| {
        let href = file_link(&new_root, &f.path);
        view! { <li><a class="mono" href=href>{f.path.clone()}</a> " " <span class="muted">{human_size(f.size)}</span></li> }
    }).collect_view();
    let removed = changes.removed.iter().map(|f| {
        let href = file_link(&old_root, &f.path);
        view! { <li><a class="mono" href=href>{f.path.clone()}</a> " " <span class="muted">{human_size(f.size)}</span></li> }
    }).collect_view();
    let renamed = changes.renamed.iter().map(|r| {
        let href = file_link(&new_root, &r.to);
        view! { <li><span class="mono">{r.from.clone()}</span> " → " <a class="mono" href=href>{r.to.clone()}</a></li> }
    }).collect_view();
    let changed = changes.changed.iter().map(|c| {
        let href = file_link(&new_root, &c.path);
        let lines = c.lines.map(|l| format!(" +{} \u{2212}{}", l.added, l.removed)).unwrap_or_default();
        view! {
            <li>
                <a class="mono" href=href>{c.path.clone()}</a> " "
                <span class="muted">{format!("{} → {}", human_size(c.old_size), human_size(c.new_size))}</span>
                <span class="line-counts">{lines}</span>
            </li>
        }
    }).collect_view();
    let section = |title: &'static str, count: usize, items: AnyView| {
        (count > 0).then(|| {
            view! {
                <section>
                    <h2>{format!("{title} ({count})")}</h2>
                    <ul class="change-list">{items}</ul>
                </section>
            }
        })
    };
    view! {
        <Title text=format!("{}...{} · {}", page.from, page.to, page.title) />
        <article class="stack-lg compare">
            <header>
                <h1>{page.title.clone()} ": " <span class="mono">{format!("v{} → v{}", page.from, page.to)}</span></h1>
                <p><a href=format!("/{}/{}", page.kind, page.name)>{format!("← {}", page.title)}</a></p>
                <p class="summary" data-testid="compare-summary">{page.summary.clone()}</p>
                {changes.is_empty().then(|| view! { <p>"The two releases hold the same files."</p> })}
            </header>
            {section("Added", changes.added.len(), added.into_any())}
            {section("Removed", changes.removed.len(), removed.into_any())}
            {section("Renamed", changes.renamed.len(), renamed.into_any())}
            {section("Changed", changes.changed.len(), changed.into_any())}
            {(!page.diffs.is_empty()).then(|| view! {
                <section class="stack">
                    <h2>"Line changes"</h2>
                    {page.diffs.into_iter().map(|diff| view! { <Diff diff /> }).collect_view()}
                </section>
            })}
        </article>
    }
}

#[component]
fn Diff(diff: FileDiffView) -> impl IntoView {
    let length: usize = diff.hunks.iter().map(|(_, lines)| lines.len()).sum();
    let open = length <= OPEN_DIFF_LINES;
    view! {
        <details class="diff" open=open>
            <summary>
                <span class="mono">{diff.path.clone()}</span> " "
                <span class="line-counts">{format!("+{} \u{2212}{}", diff.counts.added, diff.counts.removed)}</span>
                {(!open).then(|| view! { <span class="muted">{format!(" ({length} lines: open to read)")}</span> })}
            </summary>
            {diff.truncated.then(|| view! { <p class="muted">"Too many changed lines to show here: compare the files themselves."</p> })}
            <div class="code-view" role="region" aria-label=format!("Changes to {}", diff.path) tabindex="0">
                <table class="code diff-lines">
                    {diff.hunks.into_iter().map(|(header, lines)| view! {
                        <tbody>
                            <tr class="hunk"><td colspan="3" class="mono">{header}</td></tr>
                            {lines.into_iter().map(|line| {
                                let class = match line.mark {
                                    '+' => "added",
                                    '-' => "removed",
                                    _ => "context",
                                };
                                let label = match line.mark {
                                    '+' => "added",
                                    '-' => "removed",
                                    _ => "",
                                };
                                view! {
                                    <tr class=class>
                                        <td class="line-number">{line.old_number.map(|n| n.to_string())}</td>
                                        <td class="line-number">{line.new_number.map(|n| n.to_string())}</td>
                                        <td class="line"><span class="visually-hidden">{label}</span><span class="mark" aria-hidden="true">{line.mark.to_string()}</span><code inner_html=line.html></code></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    }).collect_view()}
                </table>
            </div>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_fragments_round_trip() {
        assert_eq!(parse_lines("#L10"), Some((10, 10)));
        assert_eq!(parse_lines("#L20-L10"), Some((10, 20)));
        assert_eq!(parse_lines("#L0"), None);
        assert_eq!(parse_lines("#x"), None);
        assert_eq!(lines_fragment((10, 20)), "#L10-L20");
        assert_eq!(lines_fragment((3, 3)), "#L3");
    }

    #[test]
    fn paths_are_encoded_by_segment() {
        assert_eq!(
            encode_path("Client/my ui/a#b?.lua"),
            "Client/my%20ui/a%23b%3F.lua"
        );
    }
}
