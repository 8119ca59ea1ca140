//! Full-text search of resources: a user's query reduced to safe terms, and the queries each
//! backend's index takes (SQLite FTS5, Postgres `tsvector`).
//!
//! Both indexes split text on every character that is not a letter or a digit and neither stems
//! nor drops stop words, so a query finds the same resources on both. The query typed by a user is
//! split the same way in Rust, into lowercase letter-and-digit tokens: no search operator of
//! either engine (`AND OR NOT NEAR ^ : * ( ) " & | ! <->`, a leading `-`) can get through, and each
//! token is still quoted in the engine's syntax.

/// Most tokens of a query that are searched for; the rest are ignored.
const MAX_TOKENS: usize = 8;
/// Longest token searched for, in characters (longer ones are cut).
const MAX_TOKEN_CHARS: usize = 64;

/// The columns a tier of the ranking looks in. The search index holds, in this order, the name,
/// the title, the tags and the descriptions (short and long).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Columns {
    /// The name and the title.
    NameTitle,
    /// The name, the title and the tags.
    NameTitleTags,
    /// Everything, descriptions included.
    All,
}

/// What a search query looks for: its tokens, the last of them perhaps as a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    tokens: Vec<String>,
    prefix: bool,
}

impl Terms {
    /// The terms of a query as a user typed it; `None` when it has no letter or digit.
    ///
    /// As the user types, the last token is a prefix (`kin` finds `kings`), unless the query ends
    /// in a separator (the word is finished) or the token is one letter (whose prefix set is most
    /// of the catalogue).
    pub fn parse(query: &str) -> Option<Terms> {
        let tokens: Vec<String> = query
            .split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .take(MAX_TOKENS)
            .map(|t| t.to_lowercase().chars().take(MAX_TOKEN_CHARS).collect())
            .collect();
        let last = tokens.last()?;
        let prefix = !query.ends_with(|c: char| !c.is_alphanumeric()) && last.chars().count() >= 2;
        Some(Terms { tokens, prefix })
    }

    /// The resource name the query would be if it named one: the tokens joined by `-`
    /// (`Drift Kings` is `drift-kings`). Holds no LIKE wildcard (`%`, `_`).
    pub fn exact_name(&self) -> String {
        self.tokens.join("-")
    }

    /// The FTS5 query finding resources with every token in `columns`: each token quoted,
    /// `*` after the last when it is a prefix, in a column filter unless `columns` is all.
    pub fn fts5(&self, columns: Columns) -> String {
        let phrases = self.phrases(|token| format!("\"{token}\""), "*", " ");
        match columns {
            Columns::NameTitle => format!("{{name title}} : ({phrases})"),
            Columns::NameTitleTags => format!("{{name title tags}} : ({phrases})"),
            Columns::All => phrases,
        }
    }

    /// The Postgres `tsquery` (for `to_tsquery('simple', …)`) finding resources with every token
    /// in `columns`: each token quoted, `:*` on the last when it is a prefix, restricted to the
    /// columns' weights (name `A`, title `B`, tags `C`, descriptions `D`).
    pub fn tsquery(&self, columns: Columns) -> String {
        let weights = match columns {
            Columns::NameTitle => "AB",
            Columns::NameTitleTags => "ABC",
            Columns::All => "",
        };
        let last_prefix = format!(":*{weights}");
        let others = if weights.is_empty() {
            String::new()
        } else {
            format!(":{weights}")
        };
        let mut out = Vec::with_capacity(self.tokens.len());
        for (i, token) in self.tokens.iter().enumerate() {
            let suffix = if i + 1 == self.tokens.len() && self.prefix {
                &last_prefix
            } else {
                &others
            };
            out.push(format!("'{token}'{suffix}"));
        }
        out.join(" & ")
    }

    /// Each token written by `quote`, the last followed by `prefix_mark` when it is a prefix,
    /// joined by `separator`.
    fn phrases(
        &self,
        quote: impl Fn(&str) -> String,
        prefix_mark: &str,
        separator: &str,
    ) -> String {
        let mut out: Vec<String> = self.tokens.iter().map(|t| quote(t)).collect();
        if self.prefix {
            if let Some(last) = out.last_mut() {
                last.push_str(prefix_mark);
            }
        }
        out.join(separator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_become_safe_tokens() {
        let terms = Terms::parse("Drift KIN").unwrap();
        assert_eq!(terms.exact_name(), "drift-kin");
        assert_eq!(terms.fts5(Columns::All), "\"drift\" \"kin\"*");
        assert_eq!(
            terms.fts5(Columns::NameTitle),
            "{name title} : (\"drift\" \"kin\"*)"
        );
        assert_eq!(terms.tsquery(Columns::All), "'drift' & 'kin':*");
        assert_eq!(
            terms.tsquery(Columns::NameTitleTags),
            "'drift':ABC & 'kin':*ABC"
        );
        // A finished word, or a single letter, is not a prefix.
        assert_eq!(
            Terms::parse("drift ").unwrap().fts5(Columns::All),
            "\"drift\""
        );
        assert_eq!(Terms::parse("d").unwrap().tsquery(Columns::All), "'d'");
        // No operator of either engine survives; a query of separators is no search.
        let hostile = Terms::parse("\"a\" OR b* NEAR(c) -d 'e' & f|g !h <-> i:* ^j {k}").unwrap();
        for query in [hostile.fts5(Columns::All), hostile.tsquery(Columns::All)] {
            for operator in ['(', ')', '|', '!', '<', '^', '{', '-'] {
                assert!(!query.contains(operator), "{operator} in {query}");
            }
        }
        assert_eq!(
            hostile.fts5(Columns::All),
            "\"a\" \"or\" \"b\" \"near\" \"c\" \"d\" \"e\" \"f\""
        );
        assert_eq!(Terms::parse(" -- \"* ''"), None);
        assert_eq!(Terms::parse("café 日本").unwrap().exact_name(), "café-日本");
        assert_eq!(Terms::parse(&"x".repeat(200)).unwrap().tokens[0].len(), 64);
    }
}
