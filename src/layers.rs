//! The layers of the crate, and the test that keeps imports running one way (see
//! `ARCHITECTURE.md`).
//!
//! Every module of `src/` belongs to one layer of [`LAYERS`]. A module may use modules of its own
//! layer and of the layers below it, never one above: services never reach into a page, a page
//! never into the router. On top of that, the graph of imports between files has no cycle at all.
//! The test reads the sources as text: every `crate::…`, `super::…` and `self::…` path outside
//! comments, strings and `#[cfg(test)]` modules counts, in `use` lines and in code alike.

/// The layers, lowest first, each with the modules (as paths under `crate`) that form it. A module
/// not named here belongs to the layer of its nearest named parent.
const LAYERS: &[(&str, &[&str])] = &[
    // The release zip validator: its own crate, shared with the browser and the command line.
    ("validator", &["validate"]),
    // What everything else builds on: the error type, settings, dates, secrets.
    ("foundation", &["error", "config", "dates", "secrets"]),
    // The database, the blob store, download counting, and the state that holds them.
    ("data", &["db", "storage", "download_counts", "state"]),
    // Each domain's types and rules, shared by the server and the browser.
    (
        "models",
        &[
            "accounts",
            "files",
            "moderation",
            "resources",
            "teams",
            "tokens",
        ],
    ),
    // Plain async functions over the database: the operations and the access policy.
    (
        "services",
        &[
            "access",
            "markdown",
            "files::service",
            "files::highlight",
            "moderation::service",
            "moderation::reports",
            "accounts::service",
            "accounts::user",
            "accounts::throttle",
            "resources::service",
            "resources::search",
            "resources::releases",
            "resources::facts",
            "resources::images",
            "resources::media",
            "teams::service",
            "tokens::service",
            "tokens::format",
        ],
    ),
    // HTTP in and out: REST handlers, server functions, request guards, and the client commands
    // that talk to a store.
    (
        "adapters",
        &[
            "api",
            "bundle",
            "client",
            "form_posts",
            "observability",
            "security",
            "accounts::api",
            "files::api",
            "moderation::api",
            "accounts::session",
            "accounts::client_address",
            "resources::api",
            "teams::api",
            "tokens::api",
        ],
    ),
    // Leptos components: the pages and what they share.
    (
        "pages",
        &[
            "ui",
            "accounts::auth",
            "accounts::pages",
            "files::pages",
            "moderation::pages",
            "resources::pages",
            "resources::wizard",
            "resources::manage",
            "teams::pages",
            "tokens::pages",
        ],
    ),
    // The HTML shell and the route table of the pages.
    ("app", &["app"]),
    // The process: the router, the connection loop, the command line.
    ("server", &["server", "connections", "cli", "bench_seed"]),
];

mod tests {
    use super::LAYERS;
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::{Path, PathBuf};

    /// One source file: its module path and the module paths it refers to.
    struct SourceFile {
        module: Vec<String>,
        display: String,
        references: BTreeSet<Vec<String>>,
    }

    fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("src/ is readable")
            .map(|entry| entry.expect("src/ is readable").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                rust_files(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(path);
            }
        }
    }

    /// `src/a/b.rs` → `[a, b]`, `src/a/mod.rs` → `[a]`, `src/lib.rs` → `[]`.
    fn module_of(src: &Path, file: &Path) -> Vec<String> {
        let relative = file.strip_prefix(src).expect("under src/");
        let mut parts: Vec<String> = relative
            .with_extension("")
            .iter()
            .map(|part| part.to_string_lossy().into_owned())
            .collect();
        if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
            parts.pop();
        }
        parts
    }

    /// The source with comments, string and character literals blanked out (newlines kept).
    fn code_only(source: &str) -> String {
        let chars: Vec<char> = source.chars().collect();
        let mut out = String::with_capacity(source.len());
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            if c == '/' && next == Some('/') {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            } else if c == '/' && next == Some('*') {
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    i += 1;
                }
                i += 2;
            } else if c == 'r' && matches!(next, Some('"' | '#')) && !is_ident_char(prev(&chars, i))
            {
                // A raw string: r"…" or r#"…"#.
                let mut j = i + 1;
                let mut hashes = 0;
                while chars.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if chars.get(j) != Some(&'"') {
                    out.push(c);
                    i += 1;
                    continue;
                }
                j += 1;
                loop {
                    match chars.get(j) {
                        None => break,
                        Some('"') if (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) => {
                            j += 1 + hashes;
                            break;
                        }
                        Some('\n') => out.push('\n'),
                        _ => {}
                    }
                    j += 1;
                }
                out.push_str("\"\"");
                i = j;
            } else if c == '"' {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    } else if chars[i] == '\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
                i += 1;
                out.push_str("\"\"");
            } else if c == '\'' && next == Some('\\') {
                // An escaped character literal such as '\n' or '\u{7f}'.
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push_str("' '");
            } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
            } else {
                out.push(c);
                i += 1;
            }
        }
        out
    }

    fn prev(chars: &[char], i: usize) -> char {
        if i == 0 {
            ' '
        } else {
            chars[i - 1]
        }
    }

    fn is_ident_char(c: char) -> bool {
        c.is_alphanumeric() || c == '_'
    }

    /// The code's tokens: identifiers, `::`, and single punctuation characters.
    fn tokens(code: &str) -> Vec<String> {
        let chars: Vec<char> = code.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c.is_whitespace() {
                i += 1;
            } else if is_ident_char(c) {
                let start = i;
                while i < chars.len() && is_ident_char(chars[i]) {
                    i += 1;
                }
                tokens.push(chars[start..i].iter().collect());
            } else if c == ':' && chars.get(i + 1) == Some(&':') {
                tokens.push("::".into());
                i += 2;
            } else {
                tokens.push(c.to_string());
                i += 1;
            }
        }
        tokens
    }

    /// Parses a use tree starting at `tokens[*at]` (after `prefix::`), adding each full path.
    fn use_tree(
        tokens: &[String],
        at: &mut usize,
        prefix: Vec<String>,
        out: &mut Vec<Vec<String>>,
    ) {
        let mut path = prefix;
        loop {
            match tokens.get(*at).map(String::as_str) {
                Some("{") => {
                    *at += 1;
                    loop {
                        match tokens.get(*at).map(String::as_str) {
                            Some("}") => {
                                *at += 1;
                                return;
                            }
                            Some(",") => *at += 1,
                            None => return,
                            Some(_) => use_tree(tokens, at, path.clone(), out),
                        }
                    }
                }
                Some("*") => {
                    *at += 1;
                    out.push(path);
                    return;
                }
                Some("self") => {
                    *at += 1;
                    out.push(path);
                    return;
                }
                Some(word) if word.chars().all(is_ident_char) => {
                    path.push(word.to_string());
                    *at += 1;
                    if tokens.get(*at).map(String::as_str) == Some("::") {
                        *at += 1;
                        continue;
                    }
                    if tokens.get(*at).map(String::as_str) == Some("as") {
                        *at += 2;
                    }
                    out.push(path);
                    return;
                }
                _ => {
                    out.push(path);
                    return;
                }
            }
        }
    }

    /// The module paths a file refers to, outside `#[cfg(test)]` modules, resolved against the
    /// file's module (and the inline module each reference sits in).
    fn references(module: &[String], source: &str) -> BTreeSet<Vec<String>> {
        let tokens = tokens(&code_only(source));
        let mut found = BTreeSet::new();
        // Inline modules open at this point: (name, brace depth inside it).
        let mut inline: Vec<(String, usize)> = Vec::new();
        let mut depth = 0usize;
        let mut skip_until_depth: Option<usize> = None;
        let mut cfg_test = false;
        let mut i = 0;
        while i < tokens.len() {
            let token = tokens[i].as_str();
            match token {
                "{" => depth += 1,
                "}" => {
                    depth = depth.saturating_sub(1);
                    if inline.last().is_some_and(|(_, d)| *d > depth) {
                        inline.pop();
                    }
                    if skip_until_depth.is_some_and(|d| depth <= d) {
                        skip_until_depth = None;
                    }
                }
                "cfg"
                    if tokens
                        .get(i + 1..i + 4)
                        .is_some_and(|t| t == ["(", "test", ")"]) =>
                {
                    cfg_test = true;
                }
                "mod" if tokens.get(i + 2).map(String::as_str) == Some("{") => {
                    if cfg_test && skip_until_depth.is_none() {
                        skip_until_depth = Some(depth);
                    }
                    inline.push((tokens[i + 1].clone(), depth + 1));
                    cfg_test = false;
                }
                ";" | "fn" | "impl" | "struct" | "enum" | "use" => cfg_test = false,
                _ => {}
            }
            let starts_path = matches!(token, "crate" | "super" | "self")
                && tokens.get(i + 1).map(String::as_str) == Some("::")
                && !(i > 0 && tokens[i - 1] == "::");
            if skip_until_depth.is_none() && starts_path {
                let mut resolved: Vec<String> = match token {
                    "crate" => Vec::new(),
                    _ => module
                        .iter()
                        .cloned()
                        .chain(inline.iter().map(|(name, _)| name.clone()))
                        .collect(),
                };
                // `self` is the module itself; each `super` goes up one module.
                let mut at = i;
                loop {
                    match tokens.get(at).map(String::as_str) {
                        Some("super") => {
                            resolved.pop();
                        }
                        Some("self" | "crate") if at == i => {}
                        _ => break,
                    }
                    at += 2;
                }
                let mut paths = Vec::new();
                use_tree(&tokens, &mut at, resolved, &mut paths);
                found.extend(paths);
                i = at;
                continue;
            }
            i += 1;
        }
        found
    }

    fn sources() -> Vec<SourceFile> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        files
            .into_iter()
            // main.rs is the binary, another crate; this file is only a test.
            .filter(|file| !file.ends_with("main.rs") && !file.ends_with("layers.rs"))
            .map(|file| {
                let source = std::fs::read_to_string(&file).expect("readable source");
                let module = module_of(&src, &file);
                SourceFile {
                    references: references(&module, &source),
                    display: file
                        .strip_prefix(src.parent().expect("src has a parent"))
                        .expect("under the crate")
                        .display()
                        .to_string(),
                    module,
                }
            })
            .collect()
    }

    /// The layer (index into [`LAYERS`]) of a module path, from its nearest named ancestor.
    fn layer_of(path: &[String]) -> Option<usize> {
        (0..=path.len()).rev().find_map(|len| {
            let name = path[..len].join("::");
            LAYERS
                .iter()
                .position(|(_, modules)| modules.contains(&name.as_str()))
        })
    }

    /// The file a referenced path lives in: the longest prefix that is a file's module.
    fn file_of<'a>(files: &'a [SourceFile], path: &[String]) -> Option<&'a SourceFile> {
        (1..=path.len())
            .rev()
            .find_map(|len| files.iter().find(|file| file.module == path[..len]))
    }

    #[test]
    fn every_module_has_a_layer() {
        let unplaced: Vec<String> = sources()
            .iter()
            .filter(|file| !file.module.is_empty() && layer_of(&file.module).is_none())
            .map(|file| file.display.clone())
            .collect();
        assert!(
            unplaced.is_empty(),
            "these files belong to no layer; name them in LAYERS in src/layers.rs: {unplaced:?}"
        );
    }

    #[test]
    fn imports_run_one_way() {
        let files = sources();
        let mut upward = Vec::new();
        for file in files.iter().filter(|file| !file.module.is_empty()) {
            let Some(own) = layer_of(&file.module) else {
                continue;
            };
            for reference in &file.references {
                let Some(target) = file_of(&files, reference) else {
                    continue;
                };
                let Some(their) = layer_of(&target.module) else {
                    continue;
                };
                if their > own {
                    upward.push(format!(
                        "{} ({}) uses crate::{} ({})",
                        file.display,
                        LAYERS[own].0,
                        reference.join("::"),
                        LAYERS[their].0
                    ));
                }
            }
        }
        assert!(
            upward.is_empty(),
            "imports must not reach a higher layer (see ARCHITECTURE.md):\n{}",
            upward.join("\n")
        );
    }

    #[test]
    fn files_import_each_other_without_cycles() {
        let files = sources();
        let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for file in files.iter().filter(|file| !file.module.is_empty()) {
            let targets = edges.entry(&file.display).or_default();
            for reference in &file.references {
                if let Some(target) = file_of(&files, reference) {
                    // A module file (`mod.rs`) declares its children, and children may use their
                    // parent's items; only the child → parent direction is an import.
                    let child_of_file = target.module.len() > file.module.len()
                        && target.module.starts_with(&file.module);
                    if target.display != file.display && !child_of_file {
                        targets.insert(&target.display);
                    }
                }
            }
        }
        // Depth-first search for a back edge.
        fn visit<'a>(
            node: &'a str,
            edges: &BTreeMap<&'a str, BTreeSet<&'a str>>,
            state: &mut BTreeMap<&'a str, bool>,
            stack: &mut Vec<&'a str>,
        ) -> Option<Vec<&'a str>> {
            match state.get(node) {
                Some(true) => return None,
                Some(false) => {
                    let start = stack.iter().position(|n| *n == node).unwrap_or(0);
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(node);
                    return Some(cycle);
                }
                None => {}
            }
            state.insert(node, false);
            stack.push(node);
            for next in edges.get(node).into_iter().flatten() {
                if let Some(cycle) = visit(next, edges, state, stack) {
                    return Some(cycle);
                }
            }
            stack.pop();
            state.insert(node, true);
            None
        }
        let mut state = BTreeMap::new();
        for node in edges.keys() {
            let cycle = visit(node, &edges, &mut state, &mut Vec::new());
            assert!(
                cycle.is_none(),
                "files import each other in a cycle: {}",
                cycle.unwrap_or_default().join(" → ")
            );
        }
    }

    #[test]
    fn the_reader_finds_paths_in_use_trees_and_code() {
        let source = r#"
            use crate::{db::{self, Pool}, teams::service as teams};
            use super::Kind;
            // use crate::app::App;
            const TEXT: &str = "crate::server::x";
            fn f() { crate::ui::format(); }
            #[cfg(test)]
            mod tests { use crate::cli::run; }
        "#;
        let found = references(&["resources".into(), "service".into()], source);
        let found: Vec<String> = found.iter().map(|path| path.join("::")).collect();
        assert_eq!(
            found,
            [
                "db",
                "db::Pool",
                "resources::Kind",
                "teams::service",
                "ui::format"
            ]
        );
        let in_mod_file = references(&["resources".into()], "use super::teams::Role;");
        assert!(in_mod_file.contains(&vec!["teams".to_string(), "Role".to_string()]));
    }
}
