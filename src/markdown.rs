//! Markdown written by users (team and resource descriptions, changelogs), rendered to HTML that
//! is safe to put in a page: no script, no raw HTML, no event handlers, no `javascript:` links.

/// Renders `source` as CommonMark (with tables and strikethrough) and sanitises the result.
pub fn to_safe_html(source: &str) -> String {
    use pulldown_cmark::{html, Options, Parser};
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut unsafe_html = String::new();
    html::push_html(&mut unsafe_html, Parser::new_ext(source, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow ugc"))
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::to_safe_html;

    #[test]
    fn renders_markdown() {
        let html = to_safe_html("# Title\n\n**bold** and [a link](https://example.com)");
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
        ] {
            let html = to_safe_html(evil);
            for bad in ["<script", "onerror", "javascript:", "<iframe", "<style"] {
                assert!(!html.contains(bad), "{evil:?} gave {html:?}");
            }
        }
    }
}
