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
    /// Every code, in the documented order.
    pub const ALL: [Code; 26] = [
        Code::NotAZip,
        Code::MalformedZip,
        Code::TooLarge,
        Code::TooManyEntries,
        Code::UnpackedTooLarge,
        Code::ZipBomb,
        Code::CorruptEntry,
        Code::UnsupportedCompression,
        Code::Encrypted,
        Code::Symlink,
        Code::UnsafePath,
        Code::DuplicateEntry,
        Code::HiddenCache,
        Code::ManifestMissing,
        Code::ManifestNested,
        Code::ManifestAmbiguous,
        Code::ManifestWrongKind,
        Code::ManifestInvalid,
        Code::VersionMissing,
        Code::VersionInvalid,
        Code::VersionMismatch,
        Code::PackageTypeInvalid,
        Code::InvalidRequirement,
        Code::LegacyManifest,
        Code::HiddenFile,
        Code::ImageIncluded,
    ];

    /// The severity that goes with this code.
    pub fn severity(self) -> Severity {
        match self {
            Code::LegacyManifest | Code::HiddenFile | Code::ImageIncluded => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// The code as written in JSON, e.g. `zip-bomb`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::NotAZip => "not-a-zip",
            Code::MalformedZip => "malformed-zip",
            Code::TooLarge => "too-large",
            Code::TooManyEntries => "too-many-entries",
            Code::UnpackedTooLarge => "unpacked-too-large",
            Code::ZipBomb => "zip-bomb",
            Code::CorruptEntry => "corrupt-entry",
            Code::UnsupportedCompression => "unsupported-compression",
            Code::Encrypted => "encrypted",
            Code::Symlink => "symlink",
            Code::UnsafePath => "unsafe-path",
            Code::DuplicateEntry => "duplicate-entry",
            Code::HiddenCache => "hidden-cache",
            Code::ManifestMissing => "manifest-missing",
            Code::ManifestNested => "manifest-nested",
            Code::ManifestAmbiguous => "manifest-ambiguous",
            Code::ManifestWrongKind => "manifest-wrong-kind",
            Code::ManifestInvalid => "manifest-invalid",
            Code::VersionMissing => "version-missing",
            Code::VersionInvalid => "version-invalid",
            Code::VersionMismatch => "version-mismatch",
            Code::PackageTypeInvalid => "package-type-invalid",
            Code::InvalidRequirement => "invalid-requirement",
            Code::LegacyManifest => "legacy-manifest",
            Code::HiddenFile => "hidden-file",
            Code::ImageIncluded => "image-included",
        }
    }
}

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
