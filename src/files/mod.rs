//! A release's files: the list of what its zip holds, one file's contents, and what changed
//! between two releases (by size and CRC-32, with line diffs of text files).
//!
//! The comparison by size and CRC is here, shared with the browser: the upload wizard compares the
//! zip about to be uploaded with the latest release with the same code that the server uses for
//! `/compare` (see [`compare`]).

pub mod api;
#[cfg(feature = "ssr")]
pub mod highlight;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

/// One file of a release's zip (directories are not listed: they are the paths' prefixes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FileEntry {
    /// The path in the zip, `/`-separated (`Server/Index.lua`).
    pub path: String,
    /// Unpacked size, in bytes.
    pub size: u64,
    /// Size in the zip, in bytes.
    pub compressed_size: u64,
    /// The CRC-32 of the unpacked bytes, as the zip records it.
    pub crc32: u32,
}

/// Every file of a release, by path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FileList {
    /// The release's version.
    pub version: String,
    /// Every file, sorted by path.
    pub files: Vec<FileEntry>,
    /// How many files (`files.len()`).
    pub file_count: u64,
    /// The sum of the files' unpacked sizes.
    pub unpacked_size: u64,
}

/// A file in both releases whose size or CRC differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChangedFile {
    pub path: String,
    /// Its size and CRC-32 in the older and in the newer release.
    pub old_size: u64,
    pub new_size: u64,
    pub old_crc32: u32,
    pub new_crc32: u32,
    /// Lines added and removed, for a text file the store compared line by line (absent for
    /// binary files, and for text past the comparison's limits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<LineCounts>,
}

/// A file that moved: removed at one path and added at another with the same size and CRC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RenamedFile {
    pub from: String,
    pub to: String,
    pub size: u64,
}

/// Lines added and removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LineCounts {
    pub added: u64,
    pub removed: u64,
}

/// What changed from one file list to another.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Changes {
    /// Files only in the newer list (and not a rename), by path.
    pub added: Vec<FileEntry>,
    /// Files only in the older list (and not a rename), by path.
    pub removed: Vec<FileEntry>,
    /// Files in both whose size or CRC differs, by path.
    pub changed: Vec<ChangedFile>,
    /// Files moved to another path unchanged, by their new path.
    pub renamed: Vec<RenamedFile>,
    /// How many files are the same in both.
    pub unchanged: u64,
    /// The unpacked size of each list: older, newer.
    pub old_size: u64,
    pub new_size: u64,
}

impl Changes {
    /// Whether the two lists hold the same files.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.renamed.is_empty()
    }

    /// How many files changed in any way.
    pub fn files_changed(&self) -> usize {
        self.added.len() + self.removed.len() + self.changed.len() + self.renamed.len()
    }

    /// The lines added and removed over the changed files that were compared line by line.
    pub fn line_counts(&self) -> LineCounts {
        self.changed
            .iter()
            .filter_map(|c| c.lines)
            .fold(LineCounts::default(), |sum, l| LineCounts {
                added: sum.added + l.added,
                removed: sum.removed + l.removed,
            })
    }

    /// "12 files changed, +340 −120": the summary line of a comparison.
    pub fn summary(&self) -> String {
        let files = self.files_changed();
        if files == 0 {
            return "No files changed".into();
        }
        let lines = self.line_counts();
        format!(
            "{files} file{} changed, +{} \u{2212}{}",
            if files == 1 { "" } else { "s" },
            lines.added,
            lines.removed
        )
    }
}

/// What changed from `old` to `new` (each a list of files with distinct paths), by size and CRC:
/// a file at the same path with another size or CRC changed; a removed file and an added file
/// with the same size and CRC (and not empty) were renamed, preferring one of the same file name.
pub fn compare(old: &[FileEntry], new: &[FileEntry]) -> Changes {
    let old_by_path: BTreeMap<&str, &FileEntry> =
        old.iter().map(|f| (f.path.as_str(), f)).collect();
    let new_by_path: BTreeMap<&str, &FileEntry> =
        new.iter().map(|f| (f.path.as_str(), f)).collect();
    let mut changes = Changes {
        old_size: old.iter().map(|f| f.size).sum(),
        new_size: new.iter().map(|f| f.size).sum(),
        ..Changes::default()
    };
    let mut removed: Vec<&FileEntry> = Vec::new();
    for (path, before) in &old_by_path {
        match new_by_path.get(path) {
            Some(after) if after.size == before.size && after.crc32 == before.crc32 => {
                changes.unchanged += 1
            }
            Some(after) => changes.changed.push(ChangedFile {
                path: path.to_string(),
                old_size: before.size,
                new_size: after.size,
                old_crc32: before.crc32,
                new_crc32: after.crc32,
                lines: None,
            }),
            None => removed.push(before),
        }
    }
    let added: Vec<&FileEntry> = new_by_path
        .iter()
        .filter(|(path, _)| !old_by_path.contains_key(*path))
        .map(|(_, f)| *f)
        .collect();

    // Renames: the removed files by content; each added file takes one with its content, the
    // one of the same file name if there is one.
    let mut by_content: HashMap<(u64, u32), Vec<&FileEntry>> = HashMap::new();
    for file in removed.iter().filter(|f| f.size > 0) {
        by_content
            .entry((file.size, file.crc32))
            .or_default()
            .push(file);
    }
    let mut renamed_from: std::collections::HashSet<&str> = Default::default();
    for file in added {
        let candidates = by_content
            .get_mut(&(file.size, file.crc32))
            .filter(|c| file.size > 0 && !c.is_empty());
        match candidates {
            Some(candidates) => {
                let same_name = candidates
                    .iter()
                    .position(|c| file_name(&c.path) == file_name(&file.path))
                    .unwrap_or(0);
                let from = candidates.remove(same_name);
                renamed_from.insert(from.path.as_str());
                changes.renamed.push(RenamedFile {
                    from: from.path.clone(),
                    to: file.path.clone(),
                    size: file.size,
                });
            }
            None => changes.added.push(file.clone()),
        }
    }
    changes.removed = removed
        .into_iter()
        .filter(|f| !renamed_from.contains(f.path.as_str()))
        .cloned()
        .collect();
    changes
}

/// The path under which a zip entry is listed: its name, for an entry that is not a directory and
/// whose name is UTF-8 (the validator refuses the others in a release). The one rule of the server's
/// lists and the wizard's.
pub fn listed_path(entry: &crate::validate::archive::Entry) -> Option<&str> {
    entry.name.as_deref().filter(|_| !entry.is_dir())
}

/// The files of a zip's central directory as the API lists them, sorted by path (of entries
/// named twice, the first).
pub fn file_list(directory: &crate::validate::archive::CentralDirectory) -> Vec<FileEntry> {
    let mut files: Vec<FileEntry> = directory
        .entries
        .iter()
        .filter_map(|entry| {
            Some(FileEntry {
                path: listed_path(entry)?.to_string(),
                size: entry.uncompressed_size,
                compressed_size: entry.compressed_size,
                crc32: entry.crc32,
            })
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    files
}

/// The last segment of a path.
pub fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The scripts a nanos world package starts from, one per side: a release without one that the
/// previous release had no longer runs on that side.
pub const ENTRY_SCRIPTS: &[&str] = &[
    "Server/Index.lua",
    "Client/Index.lua",
    "Shared/Index.lua",
    "Server/Index.js",
    "Client/Index.js",
];

/// Whether `path` is one of the [`ENTRY_SCRIPTS`] (in any case).
fn is_entry_script(path: &str) -> bool {
    ENTRY_SCRIPTS.iter().any(|e| e.eq_ignore_ascii_case(path))
}

/// Growth of the unpacked size, as a share, past which the wizard warns.
const GROWTH_WARNED: f64 = 0.5;
/// Unpacked size increase (bytes) under which growth is never worth a warning.
const GROWTH_IGNORED_BELOW: u64 = 10 * 1024 * 1024;

/// Warnings for an author about to upload `changes` over the latest release: an entry script or
/// the manifest gone, or a pack grown a lot.
pub fn warnings(changes: &Changes) -> Vec<String> {
    let mut out = Vec::new();
    for file in &changes.removed {
        if is_entry_script(&file.path) {
            out.push(format!(
                "{} is gone: the package will no longer start that side.",
                file.path
            ));
        }
    }
    for renamed in &changes.renamed {
        if is_entry_script(&renamed.from) {
            out.push(format!(
                "{} moved to {}: nanos world only starts {}.",
                renamed.from, renamed.to, renamed.from
            ));
        }
    }
    let grown = changes.new_size.saturating_sub(changes.old_size);
    if changes.old_size > 0
        && grown >= GROWTH_IGNORED_BELOW
        && grown as f64 / changes.old_size as f64 > GROWTH_WARNED
    {
        out.push(format!(
            "The unpacked size grows from {} to {} (+{:.0}%): check that nothing was added by \
             mistake (caches, builds, source art).",
            crate::validate::human_size(changes.old_size),
            crate::validate::human_size(changes.new_size),
            grown as f64 * 100.0 / changes.old_size as f64
        ));
    }
    out
}

/// A folder or file of a release, as the file browser lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeEntry {
    /// Its last path segment.
    pub name: String,
    /// Its full path in the zip.
    pub path: String,
    pub folder: bool,
    /// The file's size, or the sum of the folder's files.
    pub size: u64,
    /// 1 for a file; how many files a folder holds, at any depth.
    pub files: u64,
    /// The file's CRC-32 (0 for a folder).
    pub crc32: u32,
}

/// What the file browser shows of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileView {
    /// Text, one HTML fragment per line (highlighted, or escaped when `highlighted` is false);
    /// the first lines only when `total_lines` is more.
    Text {
        lines: Vec<String>,
        highlighted: bool,
        total_lines: usize,
    },
    /// An image, shown from its raw URL.
    Image,
    /// Anything else: listed with its size and CRC, to download.
    Other { reason: NotShown },
}

/// Why a file's contents are not shown in the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotShown {
    /// Not a kind of text the browser shows (by its extension).
    NotText,
    /// Text of more than `max` bytes.
    TooLarge { max: u64 },
    /// Text that is not UTF-8.
    NotUtf8,
}

/// One line of a comparison's diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffLineView {
    pub old_number: Option<usize>,
    pub new_number: Option<usize>,
    /// `+`, `-` or ` `.
    pub mark: char,
    /// The line, highlighted (escaped text in `<span class="hl-…">`).
    pub html: String,
}

/// One changed text file of a comparison, compared line by line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDiffView {
    pub path: String,
    pub counts: LineCounts,
    /// Whether the hunks were left out for being too many lines to show.
    pub truncated: bool,
    /// Each hunk's header and lines.
    pub hunks: Vec<(String, Vec<DiffLineView>)>,
}

/// The language of a file for highlighting and display, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TextKind {
    Lua,
    JavaScript,
    TypeScript,
    Html,
    Css,
    Toml,
    Json,
    Markdown,
    Plain,
}

impl TextKind {
    /// The kind of text a file holds, by its extension; `None` for a file not shown as text.
    pub fn of(path: &str) -> Option<TextKind> {
        let name = file_name(path).to_ascii_lowercase();
        let extension = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        Some(match extension {
            "lua" => TextKind::Lua,
            "js" | "mjs" | "cjs" => TextKind::JavaScript,
            "ts" | "tsx" => TextKind::TypeScript,
            "html" | "htm" => TextKind::Html,
            "css" => TextKind::Css,
            "toml" => TextKind::Toml,
            "json" => TextKind::Json,
            "md" | "markdown" => TextKind::Markdown,
            "txt" | "cfg" | "ini" | "log" | "csv" | "xml" | "yml" | "yaml" => TextKind::Plain,
            _ if name == "license" || name == "readme" => TextKind::Plain,
            _ => return None,
        })
    }
}

/// Whether a file is an image the browser may show inline.
pub fn is_image(path: &str) -> bool {
    let name = path.to_ascii_lowercase();
    [".png", ".jpg", ".jpeg", ".webp", ".gif"]
        .iter()
        .any(|e| name.ends_with(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, size: u64, crc32: u32) -> FileEntry {
        FileEntry {
            path: path.into(),
            size,
            compressed_size: size,
            crc32,
        }
    }

    #[test]
    fn compares_by_size_and_crc_with_renames() {
        let old = [
            file("Package.toml", 10, 1),
            file("Server/Index.lua", 100, 2),
            file("Client/Index.lua", 50, 3),
            file("Client/old.lua", 70, 4),
            file("Shared/empty.lua", 0, 0),
        ];
        let new = [
            file("Package.toml", 10, 9),
            file("Server/Index.lua", 100, 2),
            file("Client/Main/old.lua", 70, 4),
            file("Client/new.lua", 30, 5),
            file("Shared/other-empty.lua", 0, 0),
        ];
        let changes = compare(&old, &new);
        assert_eq!(changes.unchanged, 1);
        assert_eq!(changes.changed.len(), 1);
        assert_eq!(changes.changed[0].path, "Package.toml");
        assert_eq!(
            changes.renamed,
            vec![RenamedFile {
                from: "Client/old.lua".into(),
                to: "Client/Main/old.lua".into(),
                size: 70
            }]
        );
        // Empty files are never taken for renames of each other.
        let added: Vec<&str> = changes.added.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(added, ["Client/new.lua", "Shared/other-empty.lua"]);
        let removed: Vec<&str> = changes.removed.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(removed, ["Client/Index.lua", "Shared/empty.lua"]);
        assert_eq!(changes.files_changed(), 6);
        assert_eq!(changes.summary(), "6 files changed, +0 \u{2212}0");
        assert_eq!(
            warnings(&changes),
            ["Client/Index.lua is gone: the package will no longer start that side."]
        );
        assert!(compare(&old, &old).is_empty());
        assert_eq!(compare(&old, &old).summary(), "No files changed");
    }

    #[test]
    fn a_rename_prefers_the_same_file_name() {
        let old = [file("a/x.lua", 5, 7), file("b/y.lua", 5, 7)];
        let new = [file("c/y.lua", 5, 7)];
        let changes = compare(&old, &new);
        assert_eq!(changes.renamed[0].from, "b/y.lua");
        assert_eq!(changes.removed[0].path, "a/x.lua");
    }

    #[test]
    fn warns_of_large_growth_only() {
        let old = [file("a.uasset", 20 << 20, 1)];
        let small = [file("a.uasset", 21 << 20, 2)];
        assert!(warnings(&compare(&old, &small)).is_empty());
        let large = [file("a.uasset", 20 << 20, 1), file("b.uasset", 30 << 20, 2)];
        let found = warnings(&compare(&old, &large));
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("+150%"), "{found:?}");
    }

    #[test]
    fn text_kinds_by_extension() {
        assert_eq!(TextKind::of("Server/Index.lua"), Some(TextKind::Lua));
        assert_eq!(TextKind::of("ui/app.TSX"), Some(TextKind::TypeScript));
        assert_eq!(TextKind::of("LICENSE"), Some(TextKind::Plain));
        assert_eq!(TextKind::of("Content/Car.uasset"), None);
        assert!(is_image("Package.JPG"));
    }
}
