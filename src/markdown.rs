//! Markdown written by users (team and resource descriptions, changelogs), rendered to HTML that
//! is safe to put in a page: no script, no raw HTML, no event handlers, no `javascript:` links,
//! and nothing the browser fetches by itself.
//!
//! **Bounds.** Rendering costs time, and deeply nested Markdown used to cost time growing with the
//! square of its depth (html5ever's tree builder re-scans the open elements). Every caller goes
//! through [`render`] (or [`render_off_thread`], its async form), which
//! 1. refuses sources over [`MAX_SOURCE_BYTES`];
//! 2. refuses more than [`MAX_NESTING`] block quotes and list items opened on one line, found by a
//!    linear pre-scan of the line starts before the parser runs. Nesting by indentation is not
//!    counted: it costs two or more bytes of indentation per level on every line, so the length
//!    limit bounds it (measured by `scripts/check-markdown-load`);
//! 3. stops when the HTML grows past [`MAX_HTML_BYTES`] (long tables and lists amplify their
//!    source) or when [`TIME_LIMIT`] has passed.
//!
//! [`render_off_thread`] runs on tokio's blocking pool, with at most one render per core but one
//! at a time, so the async workers keep answering while Markdown renders. Stored Markdown is rendered
//! once when it is saved (the `*_html` columns); [`stored_html`] serves rows saved before those
//! columns existed.
//!
//! **Raw HTML** in the source is removed (not escaped) before sanitising, as the editors' hints
//! say; [ammonia](https://docs.rs/ammonia) then sanitises what pulldown-cmark made, as a second
//! line of defence.
//!
//! **Images are never loaded.** A remote image in a description would be a tracking pixel: every
//! visitor's browser would tell its host who looked, and when. A relative one would make every
//! visitor's browser send a request to the store itself (a download, for instance). So every image,
//! remote, relative or `data:`, becomes a link that shows its alt text after a picture sign
//! (`🖼 alt text`, or `🖼 image` without alt text) and opens the image only when clicked. Links
//! carry `rel="noopener noreferrer nofollow ugc"`, and `<img>` is not on the sanitiser's list.

use std::fmt;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use crate::db::Pool;
use crate::error::{AppError, ErrorCode};

/// Longest Markdown source, in bytes (descriptions; changelogs also have their own, lower
/// character limit).
pub const MAX_SOURCE_BYTES: usize = 65_536;
/// Most block quotes and list items one line may open.
pub const MAX_NESTING: usize = 32;
/// Most HTML a source may make before sanitising, in bytes (eight times the longest source).
pub const MAX_HTML_BYTES: usize = 8 * MAX_SOURCE_BYTES;
/// Longest a render may take, waiting for a free core included.
pub const TIME_LIMIT: Duration = Duration::from_secs(2);

/// Why Markdown was not rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkdownError {
    #[error(
        "This text is {bytes} bytes long; at most {MAX_SOURCE_BYTES} bytes of Markdown are allowed. Shorten it."
    )]
    TooLong { bytes: usize },
    #[error(
        "Line {line} nests more than {MAX_NESTING} quotes or lists; at most {MAX_NESTING} levels are allowed. Flatten it."
    )]
    TooDeep { line: usize },
    #[error(
        "This text makes more than {} KiB of HTML (long tables or lists do); shorten it or split it up.",
        MAX_HTML_BYTES / 1024
    )]
    TooComplex,
    #[error("Rendering this Markdown took too long (the store may be busy); try again in a few seconds.")]
    TimedOut,
    #[error("The preview is busy rendering other texts; try again in a moment.")]
    Busy,
    #[error("the Markdown renderer failed: {0}")]
    RendererFailed(String),
}

impl MarkdownError {
    /// The error of form field `field` (with the field's error code `code`) when its text is refused.
    pub fn for_field(self, code: ErrorCode, field: &'static str) -> AppError {
        match self {
            MarkdownError::TooLong { .. }
            | MarkdownError::TooDeep { .. }
            | MarkdownError::TooComplex => AppError::field(code, field, self.to_string()),
            other => other.into(),
        }
    }

    /// The error's code (`markdown-too-long`, ...), as its [`AppError`] reports it.
    pub fn code(&self) -> ErrorCode {
        match self {
            MarkdownError::TooLong { .. } => ErrorCode::MarkdownTooLong,
            MarkdownError::TooDeep { .. } => ErrorCode::MarkdownTooDeep,
            MarkdownError::TooComplex => ErrorCode::MarkdownTooComplex,
            MarkdownError::TimedOut | MarkdownError::Busy => ErrorCode::TooManyRequests,
            MarkdownError::RendererFailed(_) => ErrorCode::InternalError,
        }
    }
}

/// Refusals are `422` with a `markdown-*` code; a render that ran out of time is `429`.
impl From<MarkdownError> for AppError {
    fn from(error: MarkdownError) -> Self {
        match error {
            MarkdownError::TimedOut => AppError::TooManyRequests {
                message: error.to_string(),
                retry_after_secs: TIME_LIMIT.as_secs() as i64 + 1,
            },
            MarkdownError::Busy => AppError::TooManyRequests {
                message: error.to_string(),
                retry_after_secs: 1,
            },
            MarkdownError::RendererFailed(reason) => AppError::Internal(reason),
            refused => AppError::Invalid {
                code: refused.code(),
                field: None,
                message: refused.to_string(),
            },
        }
    }
}

/// Checks the bounds that need no parsing: the length, and the nesting opened on each line.
/// Linear in the length of `source`.
pub fn check(source: &str) -> Result<(), MarkdownError> {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(MarkdownError::TooLong {
            bytes: source.len(),
        });
    }
    for (index, line) in source.split('\n').enumerate() {
        if containers_opened(line.as_bytes()) > MAX_NESTING {
            return Err(MarkdownError::TooDeep { line: index + 1 });
        }
    }
    Ok(())
}

/// How many block-quote markers (`>`) and list markers (`-`, `*`, `+`, `1.`, `1)`, each followed by
/// a space, a tab or the line's end) start the line, counting up to one more than [`MAX_NESTING`].
/// A line such as `- - -` (a rule) counts too: being generous here only matters past the limit.
fn containers_opened(line: &[u8]) -> usize {
    let ends_marker = |at: usize| matches!(line.get(at), None | Some(b' ' | b'\t' | b'\r'));
    let mut depth = 0;
    let mut at = 0;
    while depth <= MAX_NESTING {
        while matches!(line.get(at), Some(b' ' | b'\t')) {
            at += 1;
        }
        match line.get(at) {
            Some(b'>') => at += 1,
            Some(b'-' | b'*' | b'+') if ends_marker(at + 1) => at += 1,
            Some(b'0'..=b'9') => {
                let digits = line[at..]
                    .iter()
                    .take(10)
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                let after = at + digits;
                if digits > 9 || !matches!(line.get(after), Some(b'.' | b')')) {
                    break;
                }
                if !ends_marker(after + 1) {
                    break;
                }
                at = after + 1;
            }
            _ => break,
        }
        depth += 1;
    }
    depth
}

/// Renders `source` as CommonMark (with tables and strikethrough) to sanitised HTML, within the
/// bounds above. Runs on the calling thread: async code uses [`render_off_thread`].
pub fn render(source: &str) -> Result<String, MarkdownError> {
    check(source)?;
    render_checked(source, Instant::now() + TIME_LIMIT)
}

/// Renders checked `source`, giving up at `deadline` or past [`MAX_HTML_BYTES`].
fn render_checked(source: &str, deadline: Instant) -> Result<String, MarkdownError> {
    use pulldown_cmark::{Options, Parser};
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let events = ImagesAsLinks::new(Parser::new_ext(source, options).filter(|event| {
        !matches!(
            event,
            Event::Html(_)
                | Event::InlineHtml(_)
                | Event::Start(Tag::HtmlBlock)
                | Event::End(TagEnd::HtmlBlock)
        )
    }));
    let mut html = BoundedHtml {
        html: String::new(),
        deadline,
        writes: 0,
        stopped: None,
    };
    if pulldown_cmark::html::write_html_fmt(&mut html, events).is_err() {
        return Err(html
            .stopped
            .unwrap_or_else(|| MarkdownError::RendererFailed("HTML writer failed".into())));
    }
    static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
        let mut builder = ammonia::Builder::default();
        builder
            .link_rel(Some("noopener noreferrer nofollow ugc"))
            .rm_tags(["img"]);
        builder
    });
    Ok(SANITISER.clean(&html.html).to_string())
}

/// The HTML being written, which stops the writer past [`MAX_HTML_BYTES`] or the deadline.
struct BoundedHtml {
    html: String,
    deadline: Instant,
    writes: u32,
    stopped: Option<MarkdownError>,
}

impl fmt::Write for BoundedHtml {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        if self.html.len() + text.len() > MAX_HTML_BYTES {
            self.stopped = Some(MarkdownError::TooComplex);
            return Err(fmt::Error);
        }
        self.writes = self.writes.wrapping_add(1);
        if self.writes.is_multiple_of(1024) && Instant::now() > self.deadline {
            self.stopped = Some(MarkdownError::TimedOut);
            return Err(fmt::Error);
        }
        self.html.push_str(text);
        Ok(())
    }
}

/// Turns every image into a link to it whose text is `🖼 ` and the alt text (`🖼 image` when
/// there is none), so that no page loads an image from user Markdown.
struct ImagesAsLinks<'a, I> {
    events: I,
    /// For each image being turned into a link: whether its alt text had anything in it yet.
    open_images: Vec<bool>,
    /// An event to give before reading on.
    queued: Option<Event<'a>>,
}

impl<'a, I: Iterator<Item = Event<'a>>> ImagesAsLinks<'a, I> {
    fn new(events: I) -> Self {
        ImagesAsLinks {
            events,
            open_images: Vec::new(),
            queued: None,
        }
    }
}

impl<'a, I: Iterator<Item = Event<'a>>> Iterator for ImagesAsLinks<'a, I> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        if let Some(event) = self.queued.take() {
            return Some(event);
        }
        let event = self.events.next()?;
        Some(match event {
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                self.open_images.push(false);
                self.queued = Some(Event::Text(CowStr::Borrowed("🖼 ")));
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::End(TagEnd::Image) => {
                if self.open_images.pop() == Some(false) {
                    self.queued = Some(Event::End(TagEnd::Link));
                    Event::Text(CowStr::Borrowed("image"))
                } else {
                    Event::End(TagEnd::Link)
                }
            }
            other => {
                if let Some(has_alt_text) = self.open_images.last_mut() {
                    *has_alt_text = true;
                }
                other
            }
        })
    }
}

/// At most one render per core (one fewer than the cores, at least one) runs at once, so the
/// async workers always have a core.
fn renderers() -> Arc<tokio::sync::Semaphore> {
    static RENDERERS: LazyLock<Arc<tokio::sync::Semaphore>> = LazyLock::new(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Arc::new(tokio::sync::Semaphore::new(cores.saturating_sub(1).max(1)))
    });
    RENDERERS.clone()
}

/// [`render`] on tokio's blocking pool, waiting at most [`TIME_LIMIT`] in all. The cheap checks
/// run first, on the calling task, so refused input costs no thread.
pub async fn render_off_thread(source: String) -> Result<String, MarkdownError> {
    check(&source)?;
    let deadline = Instant::now() + TIME_LIMIT;
    let work = async move {
        let permit = renderers()
            .acquire_owned()
            .await
            .map_err(|e| MarkdownError::RendererFailed(e.to_string()))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            render_checked(&source, deadline)
        })
        .await
        .map_err(|e| MarkdownError::RendererFailed(e.to_string()))?
    };
    tokio::time::timeout(TIME_LIMIT, work)
        .await
        .map_err(|_| MarkdownError::TimedOut)?
}

/// [`render`] for a preview, on a blocking thread while it holds a permit of `previewer` (the
/// store's own, `AppState::previewer`): anyone may ask for a preview, so previews never queue
/// and never take the renderers that saves and page views use. Without a free permit the answer
/// is [`MarkdownError::Busy`] at once (`429`).
pub async fn preview_off_thread(
    source: String,
    previewer: Arc<tokio::sync::Semaphore>,
) -> Result<String, MarkdownError> {
    check(&source)?;
    let permit = previewer
        .try_acquire_owned()
        .map_err(|_| MarkdownError::Busy)?;
    let deadline = Instant::now() + TIME_LIMIT;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        render_checked(&source, deadline)
    })
    .await
    .map_err(|e| MarkdownError::RendererFailed(e.to_string()))?
}

/// Renders the text of form field `field` for storing; a refusal is an error of that field with
/// its code `code` (`invalid-description`, `invalid-changelog`).
pub async fn render_field(
    source: &str,
    code: ErrorCode,
    field: &'static str,
) -> Result<String, AppError> {
    render_off_thread(source.to_string())
        .await
        .map_err(|e| e.for_field(code, field))
}

/// The Markdown the bounds accept that costs the most to render, by name: each within 5% of a
/// limit (the source's length or the HTML's), found by measuring many shapes. The load check
/// (`scripts/check-markdown-load`) times them; the tests check that they stay accepted and fast.
pub fn worst_accepted_inputs() -> Vec<(&'static str, String)> {
    let repeat =
        |prefix: &str, unit: String, count: usize| format!("{prefix}{}", unit.repeat(count));
    let mut by_indentation = String::new();
    for line in 0..44 {
        by_indentation += &" ".repeat(64 * line);
        by_indentation += &"- ".repeat(MAX_NESTING);
        by_indentation += "x\n";
    }
    vec![
        (
            "lines of 32 nested bullet lists",
            repeat("", "- ".repeat(32) + "x\n", 756),
        ),
        (
            "lines of 16 nested bullet lists",
            repeat("", "- ".repeat(16) + "x\n", 1537),
        ),
        (
            "lines of 32 nested ordered lists",
            repeat("", "1. ".repeat(32) + "x\n", 668),
        ),
        (
            "lines of 16 nested quotes and lists",
            repeat("", "> - ".repeat(8) + "x\n", 1480),
        ),
        (
            "loose lists 5 deep",
            repeat("", "- ".repeat(5) + "x\n\n", 5041),
        ),
        (
            "a one-column table of one-letter rows",
            repeat("|a|\n|-|\n", "x\n".into(), 26_211),
        ),
        (
            "reference links",
            repeat("[a]: /u\n", "[a] ".into(), 16_382),
        ),
        ("1,408 list levels by indentation", by_indentation),
    ]
}

/// A column of rendered Markdown, beside its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredColumn {
    TeamDescription,
    ResourceDescription,
    ReleaseChangelog,
}

impl StoredColumn {
    fn update_statement(self) -> &'static str {
        match self {
            StoredColumn::TeamDescription => {
                "UPDATE teams SET description_html = $1 WHERE id = $2 AND description_html IS NULL"
            }
            StoredColumn::ResourceDescription => {
                "UPDATE resources SET description_html = $1 WHERE id = $2 AND description_html IS NULL"
            }
            StoredColumn::ReleaseChangelog => {
                "UPDATE releases SET changelog_html = $1 WHERE id = $2 AND changelog_html IS NULL"
            }
        }
    }
}

/// The HTML stored for row `id`, or for a row saved before the HTML was stored (`stored` is
/// `None`): its `source` rendered now, within the same bounds, and stored for the next view. A
/// source the bounds refuse shows a short notice instead (its authors see why when they edit it).
pub async fn stored_html(
    pool: &Pool,
    column: StoredColumn,
    id: &str,
    source: &str,
    stored: Option<String>,
) -> Result<String, AppError> {
    if let Some(html) = stored {
        return Ok(html);
    }
    match render_off_thread(source.to_string()).await {
        Ok(html) => {
            sqlx::query(column.update_statement())
                .bind(&html)
                .bind(id)
                .execute(pool)
                .await?;
            Ok(html)
        }
        Err(
            refused @ (MarkdownError::TooLong { .. }
            | MarkdownError::TooDeep { .. }
            | MarkdownError::TooComplex),
        ) => Ok(format!(
            "<p><em>This text cannot be shown. {}</em></p>",
            ammonia::clean_text(&refused.to_string())
        )),
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_markdown() {
        let html = render("# Title\n\n**bold** and [a link](https://example.com)").unwrap();
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<strong>bold</strong>"));
        assert!(html.contains("href=\"https://example.com\""));
        assert!(html.contains("rel=\"noopener noreferrer nofollow ugc\""));
    }

    #[test]
    fn strips_scripts_and_dangerous_attributes() {
        for evil in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<iframe src=\"https://evil\"></iframe>",
            "<style>body{display:none}</style>",
            "![x](javascript:alert(1))",
            "<div>\n\n<img src=x onerror=alert(1)>\n\n</div>",
        ] {
            let html = render(evil).unwrap();
            for bad in [
                "<script",
                "onerror",
                "javascript:",
                "<iframe",
                "<style",
                "<img",
            ] {
                assert!(!html.contains(bad), "{evil:?} gave {html:?}");
            }
        }
    }

    #[test]
    fn raw_html_is_removed_but_the_text_around_it_stays() {
        let html = render("a <b>bold</b> word\n\n<div>\n\nblock\n\n</div>").unwrap();
        assert!(!html.contains("<b>") && !html.contains("<div"), "{html}");
        assert!(html.contains("bold") && html.contains("block"), "{html}");
    }

    #[test]
    fn images_become_links_showing_their_alt_text() {
        for (source, url) in [
            (
                "![a *cat*](https://tracker.example/p.gif \"t\")",
                "https://tracker.example/p.gif",
            ),
            (
                "![a *cat*](//tracker.example/p.gif)",
                "//tracker.example/p.gif",
            ),
            (
                "![a *cat*](/store/v1/packages/x/download)",
                "/store/v1/packages/x/download",
            ),
        ] {
            let html = render(source).unwrap();
            assert!(!html.contains("<img"), "{html}");
            assert!(html.contains(&format!("<a href=\"{url}\"")), "{html}");
            assert!(html.contains("🖼 a <em>cat</em></a>"), "{html}");
            assert!(
                html.contains("rel=\"noopener noreferrer nofollow ugc\""),
                "{html}"
            );
        }
        let html = render("![](https://tracker.example/p.gif) and [![](x.png)](https://a.example)")
            .unwrap();
        assert!(html.contains("🖼 image</a>"), "{html}");
        assert!(!html.contains("<img"), "{html}");
    }

    #[test]
    fn refuses_long_sources() {
        assert!(render(&"a".repeat(MAX_SOURCE_BYTES)).is_ok());
        assert_eq!(
            render(&"a".repeat(MAX_SOURCE_BYTES + 1)),
            Err(MarkdownError::TooLong {
                bytes: MAX_SOURCE_BYTES + 1
            })
        );
    }

    #[test]
    fn refuses_deep_nesting_before_parsing() {
        for (marker, levels) in [
            ("> ", 1),
            (">", 1),
            ("- ", 1),
            ("* ", 1),
            ("+ ", 1),
            ("1. ", 1),
            ("2) ", 1),
            ("- > 1. ", 3),
        ] {
            let at_limit = format!("{}x", marker.repeat(MAX_NESTING / levels));
            assert!(render(&at_limit).is_ok(), "{marker:?}");
            let too_deep = format!("text\n{}x", marker.repeat(MAX_NESTING / levels + 1));
            assert_eq!(
                render(&too_deep),
                Err(MarkdownError::TooDeep { line: 2 }),
                "{marker:?}"
            );
        }
        // Not list markers: no space after them, or too many digits.
        assert_eq!(containers_opened(b"-x"), 0);
        assert_eq!(containers_opened(b"1234567890. x"), 0);
        assert_eq!(containers_opened(b"  > 12. - x"), 3);
        assert_eq!(containers_opened(b"-\r"), 1);
        // The issue's payloads, refused by the scan alone.
        for payload in [
            "> ".repeat(200_000),
            "1. ".repeat(20_000),
            "- ".repeat(20_000) + "x",
        ] {
            let refused = check(&payload);
            assert!(
                matches!(
                    refused,
                    Err(MarkdownError::TooDeep { line: 1 }) | Err(MarkdownError::TooLong { .. })
                ),
                "{refused:?}"
            );
        }
        assert_eq!(
            check(&"> ".repeat(20_000)),
            Err(MarkdownError::TooDeep { line: 1 })
        );
    }

    #[test]
    fn stops_past_the_html_limit() {
        let columns = 1000;
        let table = format!(
            "{}\n{}\n{}",
            "|a".repeat(columns),
            "|-".repeat(columns),
            "x\n".repeat(20_000)
        );
        assert!(table.len() <= MAX_SOURCE_BYTES);
        assert_eq!(render(&table), Err(MarkdownError::TooComplex));
    }

    #[test]
    fn the_worst_accepted_inputs_are_accepted_and_at_a_limit() {
        for (name, source) in worst_accepted_inputs() {
            assert!(render(&source).is_ok(), "{name}");
            let more = format!("{source}{}", &source[source.len() - source.len() / 20..]);
            assert!(
                matches!(
                    render(&more),
                    Err(MarkdownError::TooLong { .. } | MarkdownError::TooComplex)
                ),
                "{name}: 5% more is still accepted, so it is not the worst"
            );
        }
    }

    #[test]
    fn stops_at_the_deadline() {
        let long = "*a* ".repeat(10_000);
        assert_eq!(
            render_checked(&long, Instant::now() - Duration::from_secs(1)),
            Err(MarkdownError::TimedOut)
        );
    }

    #[tokio::test]
    async fn renders_off_thread_with_the_same_bounds() {
        assert_eq!(
            render_off_thread("**a**".into()).await.unwrap(),
            "<p><strong>a</strong></p>\n"
        );
        assert_eq!(
            render_off_thread("> ".repeat(MAX_NESTING + 1)).await,
            Err(MarkdownError::TooDeep { line: 1 })
        );
    }
}
