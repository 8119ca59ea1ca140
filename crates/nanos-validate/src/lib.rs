//! The release zip validator of nanos-store: one code path, one verdict, stable diagnostic codes.
//!
//! The same code checks a release in three places: the store's server (every upload, before it is
//! kept), the upload wizard in the browser (compiled to WASM, through [`source::BlobSource`] and the
//! `validateZip` export, with the `wasm` feature) and the command line (`nanos-store validate`).
//! It depends on no part of the store, so it can be used on its own; see the README for what it
//! checks and an example.
//!
//! **Metadata mode** reads the end records, the central directory and the manifest entry only, as
//! byte ranges through a [`ByteSource`], so a 2 GiB zip is checked without loading it. **Full mode**
//! also reads every entry's local header and inflates its data through capped, streaming readers
//! (CRC, real size, ratio). Nothing is ever extracted or written anywhere.
//!
//! ```
//! use nanos_validate::source::block_on;
//! use nanos_validate::{validate, Code, Options};
//!
//! let report = block_on(validate(&b"not a zip"[..], &Options::default())).unwrap();
//! assert!(!report.valid);
//! assert!(report.has(Code::NotAZip));
//! ```
//!
//! Features: `wasm` adds the browser source and the `validateZip` export; `utoipa` derives OpenAPI
//! schemas for the report's types.

pub mod archive;
pub mod diagnostic;
pub mod inflate;
pub mod limits;
pub mod manifest;
pub mod names;
pub mod paths;
pub mod source;
#[cfg(feature = "wasm")]
pub mod wasm;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use archive::{ArchiveError, CentralDirectory, Entry, FLAG_ENCRYPTED};
pub use diagnostic::{Code, Diagnostic, Severity};
pub use limits::Limits;
pub use manifest::{Kind, ManifestSummary, PackageType};
pub use source::ByteSource;

/// How deep to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Structure, names and manifest: a few small reads.
    Metadata,
    /// Everything in metadata mode, plus every entry inflated and checked.
    Full,
}

/// What to validate against.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Options {
    pub mode: Mode,
    /// The kind the caller expects; `None` takes what the manifest says.
    pub expected_kind: Option<Kind>,
    /// The version the caller expects (`version-mismatch`).
    pub expected_version: Option<String>,
    pub limits: Limits,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            mode: Mode::Metadata,
            expected_kind: None,
            expected_version: None,
            limits: Limits::default(),
        }
    }
}

/// The verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// No error-level diagnostics.
    pub valid: bool,
    /// The kind of the manifest found, if any.
    pub kind: Option<Kind>,
    /// The manifest's summary, when it could be read.
    pub manifest: Option<ManifestSummary>,
    pub diagnostics: Vec<Diagnostic>,
    /// Files (not folders) in the archive, when its directory could be read.
    pub file_count: u64,
    /// Their total unpacked size in bytes, as declared.
    pub unpacked_size: u64,
}

impl Report {
    fn new(
        kind: Option<Kind>,
        manifest: Option<ManifestSummary>,
        diagnostics: Vec<Diagnostic>,
    ) -> Self {
        Report {
            valid: diagnostics.iter().all(|d| d.severity != Severity::Error),
            kind,
            manifest,
            diagnostics,
            file_count: 0,
            unpacked_size: 0,
        }
    }

    /// Whether any diagnostic has this code.
    pub fn has(&self, code: Code) -> bool {
        self.diagnostics.iter().any(|d| d.code == code)
    }
}

/// Validates the zip in `source`. I/O failures of the source itself are returned as errors; every
/// problem with the zip is a diagnostic in the report.
pub async fn validate<S: ByteSource + ?Sized>(
    source: &S,
    options: &Options,
) -> std::io::Result<Report> {
    let limits = &options.limits;
    let mut diagnostics = Vec::new();
    let size = source.size();
    if size > limits.max_archive_size {
        diagnostics.push(Diagnostic::new(
            Code::TooLarge,
            None,
            format!(
                "The archive is {}, over the limit of {}. Leave out files the game does not need.",
                human_size(size),
                human_size(limits.max_archive_size)
            ),
        ));
    }

    let directory = match archive::read_central_directory(source, limits).await {
        Ok(directory) => directory,
        Err(ArchiveError::Io(e)) => return Err(e),
        Err(e) => {
            let code = match &e {
                ArchiveError::NotAZip(_) => Code::NotAZip,
                ArchiveError::TooManyEntries(_) => Code::TooManyEntries,
                _ => Code::MalformedZip,
            };
            let message = match &e {
                ArchiveError::TooManyEntries(n) => format!(
                    "The archive has {n} entries, over the limit of {}. Leave out generated or \
                     unneeded files.",
                    limits.max_entries
                ),
                other => other.to_string(),
            };
            diagnostics.push(Diagnostic::new(code, None, message));
            return Ok(Report::new(None, None, diagnostics));
        }
    };
    if let Err(e) = archive::check_layout(&directory) {
        diagnostics.push(Diagnostic::new(Code::MalformedZip, None, e.to_string()));
        return Ok(Report::new(None, None, diagnostics));
    }

    let readable = check_entries(&directory, limits, &mut diagnostics);
    let (kind, summary) = match locate_manifest(&directory, options.expected_kind, &mut diagnostics)
    {
        Some((kind, index)) => {
            let summary =
                read_manifest(source, &directory, index, kind, options, &mut diagnostics).await?;
            (Some(kind), summary)
        }
        None => (None, None),
    };

    let too_big = diagnostics
        .iter()
        .any(|d| matches!(d.code, Code::TooLarge | Code::UnpackedTooLarge));
    if options.mode == Mode::Full && !too_big {
        inflate::check_all(source, &directory, &readable, &mut diagnostics).await?;
    }
    let files = directory.entries.iter().filter(|e| !e.is_dir());
    Ok(Report {
        file_count: files.clone().count() as u64,
        unpacked_size: files
            .map(|e| e.uncompressed_size)
            .fold(0, u64::saturating_add),
        ..Report::new(kind, summary, diagnostics)
    })
}

/// Per-entry checks on the central directory. Returns, for each entry, whether its data can be
/// inflated (a regular file, stored or deflated, not encrypted, not flagged as a bomb).
fn check_entries(
    directory: &CentralDirectory,
    limits: &Limits,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<bool> {
    let mut readable = vec![false; directory.entries.len()];
    let mut seen: HashMap<String, &str> = HashMap::new();
    let mut hidden: BTreeMap<String, Code> = BTreeMap::new();
    let mut unpacked: u64 = 0;

    for (index, entry) in directory.entries.iter().enumerate() {
        let shown = entry.display_name();
        let path = Some(shown.as_str());
        let mut ok = true;

        let Some(name) = entry.name.as_deref() else {
            diagnostics.push(Diagnostic::new(
                Code::UnsafePath,
                path,
                "This name is not valid UTF-8. Rename the file using plain characters and zip again with a tool that writes UTF-8 names.",
            ));
            continue;
        };
        if let Some(problem) = paths::unsafe_path(name) {
            diagnostics.push(Diagnostic::new(Code::UnsafePath, path, problem));
            continue;
        }

        let key = name.trim_end_matches('/').to_lowercase();
        if let Some(first) = seen.get(&key) {
            let message = if *first == name {
                format!("{name} appears twice in the archive. Re-create the zip.")
            } else {
                format!(
                    "{name} and {first} differ only in letter case; they would overwrite each other on Windows. Rename one."
                )
            };
            diagnostics.push(Diagnostic::new(Code::DuplicateEntry, path, message));
            ok = false;
        } else {
            seen.insert(key, name);
        }

        if let Some((prefix, code)) = paths::hidden_prefix(name) {
            hidden.entry(prefix).or_insert(code);
        }

        if entry.flags & FLAG_ENCRYPTED != 0 {
            diagnostics.push(Diagnostic::new(
                Code::Encrypted,
                path,
                "This entry is encrypted. Zip without a password.",
            ));
            ok = false;
        }
        if entry.method != 0 && entry.method != 8 {
            diagnostics.push(Diagnostic::new(
                Code::UnsupportedCompression,
                path,
                format!(
                    "This entry uses compression method {}; only stored (0) and deflate (8) are supported. Zip with the default settings.",
                    entry.method
                ),
            ));
            ok = false;
        }
        if let Some(file_type) = entry.unix_file_type() {
            const REGULAR: u32 = 0o100000;
            const DIRECTORY: u32 = 0o040000;
            if file_type != REGULAR && file_type != DIRECTORY {
                let what = if file_type == 0o120000 {
                    "a symbolic link"
                } else {
                    "a special file"
                };
                diagnostics.push(Diagnostic::new(
                    Code::Symlink,
                    path,
                    format!("This entry is {what}, not a regular file or folder. Replace it with the file it points to."),
                ));
                ok = false;
            }
        }

        unpacked = unpacked.saturating_add(entry.uncompressed_size);
        if is_bomb(entry, limits) {
            diagnostics.push(Diagnostic::new(
                Code::ZipBomb,
                path,
                format!(
                    "This entry unpacks from {} to {} (a ratio over {}:1), which looks like a zip bomb.",
                    human_size(entry.compressed_size),
                    human_size(entry.uncompressed_size),
                    limits.bomb_max_ratio
                ),
            ));
            ok = false;
        }
        readable[index] = ok && !entry.is_dir();
    }

    if unpacked > limits.max_unpacked_size {
        diagnostics.push(Diagnostic::new(
            Code::UnpackedTooLarge,
            None,
            format!(
                "The archive unpacks to {}, over the limit of {}.",
                human_size(unpacked),
                human_size(limits.max_unpacked_size)
            ),
        ));
    }

    for (prefix, code) in hidden {
        let message = match code {
            Code::HiddenCache => "A .cache folder is generated by the game and must not be uploaded. Delete it and zip again.".to_string(),
            _ => format!("{prefix} is a hidden file or folder (editor, version control or system data). Leave it out of the zip."),
        };
        diagnostics.push(Diagnostic::new(code, Some(&prefix), message));
    }
    for image in ["Package.jpg", "Assets.jpg"] {
        if seen.contains_key(&image.to_lowercase()) {
            diagnostics.push(Diagnostic::new(
                Code::ImageIncluded,
                Some(image),
                format!("{image} is for local use; the store shows its own images. Leave it out of the zip."),
            ));
        }
    }
    readable
}

/// Whether an entry's declared sizes look like a zip bomb.
fn is_bomb(entry: &Entry, limits: &Limits) -> bool {
    entry.uncompressed_size > limits.bomb_min_size
        && entry.uncompressed_size / entry.compressed_size.max(1) > limits.bomb_max_ratio
}

/// Finds the manifest at the root, reporting what is wrong when there is none. Returns its kind and
/// entry index.
fn locate_manifest(
    directory: &CentralDirectory,
    expected: Option<Kind>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(Kind, usize)> {
    let find = |name: &str| {
        directory
            .entries
            .iter()
            .position(|e| e.name.as_deref() == Some(name))
    };
    let package = find("Package.toml");
    let assets = find("Assets.toml");
    let found = match (package, assets) {
        (Some(_), Some(_)) => {
            diagnostics.push(Diagnostic::new(
                Code::ManifestAmbiguous,
                None,
                "The zip has both Package.toml and Assets.toml at its root. A package has Package.toml, an asset pack Assets.toml: keep one.",
            ));
            return None;
        }
        (Some(i), None) => (Kind::Package, i),
        (None, Some(i)) => (Kind::AssetPack, i),
        (None, None) => {
            report_missing_manifest(directory, expected, diagnostics);
            return None;
        }
    };
    if let Some(expected) = expected.filter(|e| *e != found.0) {
        diagnostics.push(Diagnostic::new(
            Code::ManifestWrongKind,
            Some(found.0.manifest_name()),
            format!(
                "This zip holds {} (a{} {}), but {} {} was expected. Upload it as {} instead, or pick the right zip.",
                found.0.manifest_name(),
                if found.0 == Kind::AssetPack { "n" } else { "" },
                found.0.as_str(),
                if expected == Kind::AssetPack { "an" } else { "a" },
                expected.as_str(),
                if found.0 == Kind::AssetPack { "an asset pack" } else { "a package" },
            ),
        ));
    }
    Some(found)
}

fn report_missing_manifest(
    directory: &CentralDirectory,
    expected: Option<Kind>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let names: Vec<&str> = directory
        .entries
        .iter()
        .filter_map(|e| e.name.as_deref())
        .collect();
    let wanted = match expected {
        Some(kind) => kind.manifest_name().to_string(),
        None => "Package.toml or Assets.toml".to_string(),
    };
    let manifests = ["Package.toml", "Assets.toml"];

    let mut top_level: Vec<&str> = names
        .iter()
        .map(|n| n.split('/').next().unwrap_or(n))
        .collect();
    top_level.sort_unstable();
    top_level.dedup();
    if let [folder] = top_level.as_slice() {
        if let Some(manifest) = manifests
            .iter()
            .find(|m| names.contains(&format!("{folder}/{m}").as_str()))
        {
            diagnostics.push(Diagnostic::new(
                Code::ManifestNested,
                Some(&format!("{folder}/{manifest}")),
                format!(
                    "{manifest} is inside the folder {folder}/, not at the root of the zip. Zip the folder's contents, not the folder."
                ),
            ));
            return;
        }
    }
    let wrong_case = names.iter().find(|n| {
        manifests
            .iter()
            .any(|m| n.eq_ignore_ascii_case(m) && !manifests.contains(n))
    });
    let message = match wrong_case {
        Some(found) => format!(
            "No {wanted} at the root of the zip, but there is {found}: the name must match exactly, including capitals."
        ),
        None => format!(
            "No {wanted} at the root of the zip. Every release needs its manifest at the root: zip the contents of your resource's folder."
        ),
    };
    diagnostics.push(Diagnostic::new(
        Code::ManifestMissing,
        wrong_case.copied(),
        message,
    ));
}

/// Reads, inflates and checks the manifest entry.
async fn read_manifest<S: ByteSource + ?Sized>(
    source: &S,
    directory: &CentralDirectory,
    index: usize,
    kind: Kind,
    options: &Options,
    diagnostics: &mut Vec<Diagnostic>,
) -> std::io::Result<Option<ManifestSummary>> {
    let entry = &directory.entries[index];
    let file = Some(kind.manifest_name());
    if entry.flags & FLAG_ENCRYPTED != 0 || !(entry.method == 0 || entry.method == 8) {
        return Ok(None); // already reported as encrypted / unsupported-compression
    }
    if entry.uncompressed_size > options.limits.max_manifest_size {
        diagnostics.push(Diagnostic::new(
            Code::ManifestInvalid,
            file,
            format!(
                "{} is {}; a manifest is a small text file (at most {}).",
                kind.manifest_name(),
                human_size(entry.uncompressed_size),
                human_size(options.limits.max_manifest_size)
            ),
        ));
        return Ok(None);
    }
    let limit = archive::data_limits(directory)[index];
    let bytes =
        match inflate::read_entry(source, entry, limit, options.limits.max_manifest_size).await {
            Ok(bytes) => bytes,
            Err(inflate::EntryError::Io(e)) => return Err(e),
            Err(e) => {
                diagnostics.push(e.diagnostic(entry));
                return Ok(None);
            }
        };
    let Ok(text) = String::from_utf8(bytes) else {
        diagnostics.push(Diagnostic::new(
            Code::ManifestInvalid,
            file,
            format!(
                "{} is not UTF-8 text. Save it as UTF-8.",
                kind.manifest_name()
            ),
        ));
        return Ok(None);
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    match manifest::parse(kind, text) {
        Ok(parsed) => Ok(Some(manifest::check(
            kind,
            &parsed,
            options.expected_version.as_deref(),
            diagnostics,
        ))),
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            Ok(None)
        }
    }
}

/// A size for people: `1.5 GiB`, `300 KiB`, `12 bytes`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value >= 10.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests;
