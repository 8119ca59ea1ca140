//! What the validator reports: diagnostics with stable codes.

use serde::{Deserialize, Serialize};

/// Whether a diagnostic makes the zip invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub enum Severity {
    /// The zip cannot be accepted.
    Error,
    /// Worth fixing, but the zip is accepted.
    Warning,
}

/// A stable diagnostic code: other programs match on these, so they never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub enum Code {
    NotAZip,
    MalformedZip,
    TooLarge,
    TooManyEntries,
    UnpackedTooLarge,
    ZipBomb,
    CorruptEntry,
    UnsupportedCompression,
    Encrypted,
    Symlink,
    UnsafePath,
    DuplicateEntry,
    HiddenCache,
    ManifestMissing,
    ManifestNested,
    ManifestAmbiguous,
    ManifestWrongKind,
    ManifestInvalid,
    VersionMissing,
    VersionInvalid,
    VersionMismatch,
    PackageTypeInvalid,
    InvalidRequirement,
    LegacyManifest,
    HiddenFile,
    ImageIncluded,
}

impl Code {
    /// The severity that goes with this code.
    pub fn severity(self) -> Severity {
        match self {
            Code::LegacyManifest | Code::HiddenFile | Code::ImageIncluded => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

// The codes as written in JSON, e.g. `zip-bomb`, in the documented order.
crate::enum_names!(Code, "diagnostic code", {
    NotAZip => "not-a-zip",
    MalformedZip => "malformed-zip",
    TooLarge => "too-large",
    TooManyEntries => "too-many-entries",
    UnpackedTooLarge => "unpacked-too-large",
    ZipBomb => "zip-bomb",
    CorruptEntry => "corrupt-entry",
    UnsupportedCompression => "unsupported-compression",
    Encrypted => "encrypted",
    Symlink => "symlink",
    UnsafePath => "unsafe-path",
    DuplicateEntry => "duplicate-entry",
    HiddenCache => "hidden-cache",
    ManifestMissing => "manifest-missing",
    ManifestNested => "manifest-nested",
    ManifestAmbiguous => "manifest-ambiguous",
    ManifestWrongKind => "manifest-wrong-kind",
    ManifestInvalid => "manifest-invalid",
    VersionMissing => "version-missing",
    VersionInvalid => "version-invalid",
    VersionMismatch => "version-mismatch",
    PackageTypeInvalid => "package-type-invalid",
    InvalidRequirement => "invalid-requirement",
    LegacyManifest => "legacy-manifest",
    HiddenFile => "hidden-file",
    ImageIncluded => "image-included",
});

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding: its severity, code, the entry it concerns and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    /// The path of the zip entry concerned, when there is one.
    pub path: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic with the severity of its code.
    pub fn new(code: Code, path: Option<&str>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: code.severity(),
            code,
            path: path.map(str::to_string),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_documented() {
        for code in Code::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
        let warnings: Vec<_> = Code::ALL
            .into_iter()
            .filter(|c| c.severity() == Severity::Warning)
            .collect();
        assert_eq!(
            warnings,
            [Code::LegacyManifest, Code::HiddenFile, Code::ImageIncluded]
        );
    }
}
