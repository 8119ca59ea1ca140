//! Syntax highlighting of a release's text files, by syntect with the syntaxes of `bat`
//! (two-face: Lua, JavaScript, TypeScript, HTML, CSS, TOML, JSON, Markdown), into HTML that
//! carries only `<span class="hl-…">` around escaped text: no style, no script, no attribute from
//! the file. Each line stands alone (spans open at a line's start and close at its end), so that
//! a line can be shown, linked and diffed by itself.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use syntect::html::{line_tokens_to_classed_spans, ClassStyle};
use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

use super::TextKind;

/// Largest text highlighted, in bytes; larger text is shown plain.
pub const MAX_HIGHLIGHTED_BYTES: usize = 512 * 1024;
/// Longest line highlighted, in bytes: a minified file is one huge line that would take long.
const MAX_HIGHLIGHTED_LINE: usize = 4_000;
/// How long highlighting one text may take; the lines after are shown plain.
const TIME_BUDGET: Duration = Duration::from_millis(250);

/// The CSS classes are the scopes' atoms, prefixed (`hl-keyword hl-control hl-lua`).
const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(two_face::syntax::extra_newlines);

/// A text's lines as HTML, and whether all of it was highlighted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Highlighted {
    /// One HTML fragment per line, without the line break.
    pub lines: Vec<String>,
    /// False when the text was too large or took too long: some or all lines are plain (escaped).
    pub complete: bool,
}

/// The syntax for a kind of text.
fn syntax(kind: TextKind) -> &'static SyntaxReference {
    let set = &*SYNTAXES;
    let name = match kind {
        TextKind::Lua => "Lua",
        TextKind::JavaScript => "JavaScript",
        TextKind::TypeScript => "TypeScript",
        TextKind::Html => "HTML",
        TextKind::Css => "CSS",
        TextKind::Toml => "TOML",
        TextKind::Json => "JSON",
        TextKind::Markdown => "Markdown",
        TextKind::Plain => "Plain Text",
    };
    set.find_syntax_by_name(name)
        .unwrap_or_else(|| set.find_syntax_plain_text())
}

/// Highlights `text` as `kind`, line by line, within the size, line length and time limits (past
/// which the rest is plain). CPU work: call it off the async threads.
pub fn highlight(text: &str, kind: TextKind) -> Highlighted {
    let started = Instant::now();
    let mut lines = Vec::new();
    let mut complete = text.len() <= MAX_HIGHLIGHTED_BYTES && kind != TextKind::Plain;
    let mut state = ParseState::new(syntax(kind));
    let mut stack = ScopeStack::new();
    for line in LinesWithEndings::from(text) {
        if complete && (line.len() > MAX_HIGHLIGHTED_LINE || started.elapsed() > TIME_BUDGET) {
            complete = false;
        }
        let html = if complete {
            highlight_line(line, &mut state, &mut stack)
        } else {
            None
        };
        let html = html.unwrap_or_else(|| {
            complete = false;
            html_escape::encode_text(line).into_owned()
        });
        lines.push(strip_line_end(html));
    }
    if text.is_empty() {
        lines.push(String::new());
    }
    Highlighted {
        lines,
        complete: complete || kind == TextKind::Plain && text.len() <= MAX_HIGHLIGHTED_BYTES,
    }
}

/// One line as HTML whose spans all close within it: the spans still open from earlier lines are
/// opened first, and those left open are closed at the end. `None` when the syntax fails.
fn highlight_line(line: &str, state: &mut ParseState, stack: &mut ScopeStack) -> Option<String> {
    let mut html: String = stack.as_slice().iter().map(|s| open_span(*s)).collect();
    let operations = state.parse_line(line, &SYNTAXES).ok()?;
    let (spans, _) = line_tokens_to_classed_spans(line, &operations, CLASS_STYLE, stack).ok()?;
    html.push_str(&spans);
    html.push_str(&"</span>".repeat(stack.len()));
    Some(html)
}

/// The opening tag syntect writes for `scope`.
fn open_span(scope: Scope) -> String {
    let classes: Vec<String> = scope
        .build_string()
        .split('.')
        .map(|atom| format!("hl-{atom}"))
        .collect();
    format!("<span class=\"{}\">", classes.join(" "))
}

/// The line without its line break: the only `\r` and `\n` left in escaped HTML are the line's
/// own (a lone `\r` mid-line is dropped too, as a browser would not show it either).
fn strip_line_end(html: String) -> String {
    if html.contains(['\r', '\n']) {
        html.replace(['\r', '\n'], "")
    } else {
        html
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_lua_line_by_line_with_balanced_spans() {
        let text = "-- a comment\nlocal x = \"<script>alert(1)</script>\"\n--[[ a long\ncomment ]]\nreturn x\n";
        let out = highlight(text, TextKind::Lua);
        assert!(out.complete);
        assert_eq!(out.lines.len(), 5);
        for line in &out.lines {
            assert_eq!(
                line.matches("<span").count(),
                line.matches("</span>").count(),
                "{line}"
            );
            assert!(!line.contains('\n'), "{line:?}");
        }
        assert!(out.lines[0].contains("hl-comment"), "{}", out.lines[0]);
        assert!(out.lines[1].contains("hl-string"), "{}", out.lines[1]);
        assert!(out.lines[1].contains("&lt;script&gt;"), "{}", out.lines[1]);
        assert!(!out.lines[1].contains("<script"), "{}", out.lines[1]);
        // The block comment's second line is still inside the comment.
        assert!(out.lines[3].contains("hl-comment"), "{}", out.lines[3]);
    }

    #[test]
    fn every_kind_has_its_syntax() {
        for kind in [
            TextKind::Lua,
            TextKind::JavaScript,
            TextKind::TypeScript,
            TextKind::Html,
            TextKind::Css,
            TextKind::Toml,
            TextKind::Json,
            TextKind::Markdown,
        ] {
            assert_ne!(syntax(kind).name, "Plain Text", "{kind:?}");
        }
    }

    #[test]
    fn large_text_and_long_lines_are_plain() {
        let long = format!("local s = \"{}\"\n", "x".repeat(MAX_HIGHLIGHTED_LINE));
        let out = highlight(&long, TextKind::Lua);
        assert!(!out.complete);
        assert!(!out.lines[0].contains("<span"));
        let large = "local a = 1\n".repeat(MAX_HIGHLIGHTED_BYTES / 12 + 1);
        let out = highlight(&large, TextKind::Lua);
        assert!(!out.complete);
        assert_eq!(out.lines.len(), MAX_HIGHLIGHTED_BYTES / 12 + 1);
        let plain = highlight("a < b\r\nc", TextKind::Plain);
        assert_eq!(plain.lines, ["a &lt; b", "c"]);
        assert!(plain.complete);
    }
}
