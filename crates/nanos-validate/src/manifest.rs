//! Typed models of `Package.toml` and `Assets.toml`, current and legacy, and the checks on them.
//!
//! Every documented field is modelled with its type; a wrong type is an error. Keys the models do
//! not know are kept in [`Manifest::raw`] and otherwise ignored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::diagnostic::{Code, Diagnostic};

/// What a resource is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub enum Kind {
    /// Lua/JS code: `Package.toml`.
    Package,
    /// Unreal content: `Assets.toml`.
    AssetPack,
}

impl Kind {
    /// The manifest file at the root of this kind's zip.
    pub fn manifest_name(self) -> &'static str {
        match self {
            Kind::Package => "Package.toml",
            Kind::AssetPack => "Assets.toml",
        }
    }
}

crate::enum_names!(Kind, "kind", {
    Package => "package",
    AssetPack => "asset-pack",
});

/// A package's type, from its type table (or the legacy `type` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub enum PackageType {
    Script,
    GameMode,
    Map,
    LoadingScreen,
    CModule,
}

impl PackageType {
    /// Every type, with its table name in `Package.toml`.
    pub const TABLES: [(PackageType, &'static str); 5] = [
        (PackageType::Script, "script"),
        (PackageType::GameMode, "game_mode"),
        (PackageType::Map, "map"),
        (PackageType::LoadingScreen, "loading_screen"),
        (PackageType::CModule, "c_module"),
    ];
}

// The names as written in JSON and as a category, e.g. `game-mode`.
crate::enum_names!(PackageType, "package type", {
    Script => "script",
    GameMode => "game-mode",
    Map => "map",
    LoadingScreen => "loading-screen",
    CModule => "c-module",
});

/// The `[meta]` table shared by both manifests.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Meta {
    pub title: Option<String>,
    pub author: Option<String>,
    pub version: Option<String>,
}

/// `Package.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PackageToml {
    pub meta: Option<Meta>,
    pub script: Option<PackageTypeTable>,
    pub game_mode: Option<PackageTypeTable>,
    pub map: Option<PackageTypeTable>,
    pub loading_screen: Option<PackageTypeTable>,
    pub c_module: Option<PackageTypeTable>,
    /// A game mode's settings, shown to server owners.
    pub custom_settings: Option<BTreeMap<String, CustomSetting>>,
    /// A map's free-form data.
    pub custom_data: Option<toml::Table>,
    /// The legacy (2021-2022) layout.
    pub package: Option<LegacyPackage>,
}

/// A package type table. Fields marked with a type apply only to it; the rest to all.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PackageTypeTable {
    pub force_no_map_package: Option<bool>,
    pub auto_cleanup: Option<bool>,
    pub load_level_entities: Option<bool>,
    /// The game version it was made for, `major.minor`.
    pub compatibility_version: Option<String>,
    pub packages_requirements: Option<Vec<String>>,
    pub assets_requirements: Option<Vec<String>>,
    /// Script and map.
    pub compatible_game_modes: Option<Vec<String>>,
    /// Game mode.
    pub compatible_maps: Option<Vec<String>>,
    /// Map: `pack::Path`.
    pub map_asset: Option<String>,
    /// Map.
    pub spawn_points: Option<Vec<SpawnPoint>>,
    /// Map.
    pub enable_water_buoyancy: Option<bool>,
    /// C module.
    pub modules: Option<Vec<String>>,
}

/// A map's spawn point.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SpawnPoint {
    pub location: Option<String>,
    pub rotation: Option<String>,
}

/// A game mode setting.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CustomSetting {
    pub label: Option<String>,
    /// boolean, integer, floating, select or text.
    #[serde(rename = "type")]
    pub setting_type: Option<String>,
    pub description: Option<String>,
    pub default: Option<toml::Value>,
}

/// The legacy `[package]` table.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LegacyPackage {
    /// The friendly name (the title).
    pub name: Option<String>,
    pub author: Option<String>,
    pub version: Option<String>,
    pub image: Option<String>,
    /// script, game-mode or loading-screen.
    #[serde(rename = "type")]
    pub package_type: Option<String>,
    pub force_no_map_script: Option<bool>,
    pub auto_cleanup: Option<bool>,
    pub packages_requirements: Option<Vec<String>>,
    pub assets_requirements: Option<Vec<String>>,
    pub compatibility_version: Option<String>,
    pub compatible_maps: Option<Vec<String>>,
}

/// `Assets.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AssetsToml {
    pub meta: Option<Meta>,
    pub asset_pack: Option<AssetPackTable>,
    pub unreal: Option<UnrealTable>,
    /// Asset lists by category (static_meshes, maps, sounds, ...).
    pub assets: Option<BTreeMap<String, BTreeMap<String, AssetEntry>>>,
}

/// `[asset_pack]`; older files put the metadata here.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AssetPackTable {
    pub assets_requirements: Option<Vec<String>>,
    /// Legacy: the friendly name.
    pub name: Option<String>,
    /// Legacy.
    pub author: Option<String>,
    /// Legacy.
    pub version: Option<String>,
    /// Legacy.
    pub image: Option<String>,
    /// Legacy.
    pub unreal_folder: Option<String>,
}

/// `[unreal]`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UnrealTable {
    pub unreal_folders: Option<Vec<String>>,
    /// Older files: a single folder.
    pub unreal_folder: Option<String>,
    pub unreal_version: Option<String>,
    pub is_plugin_content: Option<bool>,
}

/// One asset: a path, or a path with a thumbnail.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum AssetEntry {
    Path(String),
    Detailed {
        path: String,
        thumbnail: Option<String>,
    },
}

/// A parsed manifest: its typed model and the whole table, unknown keys included.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub model: ManifestModel,
    pub raw: toml::Table,
}

/// The typed model for either kind.
#[derive(Debug, Clone)]
pub enum ManifestModel {
    Package(Box<PackageToml>),
    Assets(Box<AssetsToml>),
}

/// What the store keeps of a manifest: the facts it shows and searches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct ManifestSummary {
    pub kind: Kind,
    pub title: Option<String>,
    pub author: Option<String>,
    pub version: Option<String>,
    /// Packages only.
    pub package_type: Option<PackageType>,
    pub packages_requirements: Vec<String>,
    pub assets_requirements: Vec<String>,
    pub compatibility_version: Option<String>,
    /// Whether the legacy layout was used.
    pub legacy: bool,
}

/// Parses manifest text of `kind`; a syntax or type error becomes `manifest-invalid` with its line.
pub fn parse(kind: Kind, text: &str) -> Result<Manifest, Diagnostic> {
    let file = kind.manifest_name();
    let invalid = |e: toml::de::Error| {
        let line = e
            .span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
        let message = e.message().trim_end().to_string();
        Diagnostic::new(
            Code::ManifestInvalid,
            Some(file),
            match line {
                Some(line) => {
                    format!("{file} line {line}: {message}. Fix this line and zip again.")
                }
                None => format!("{file}: {message}. Fix it and zip again."),
            },
        )
    };
    let raw: toml::Table = toml::from_str(text).map_err(invalid)?;
    let model = match kind {
        Kind::Package => ManifestModel::Package(Box::new(toml::from_str(text).map_err(invalid)?)),
        Kind::AssetPack => ManifestModel::Assets(Box::new(toml::from_str(text).map_err(invalid)?)),
    };
    Ok(Manifest { model, raw })
}

/// Whether `name` is a valid resource name: `^[a-z0-9-]{1,64}$`.
pub fn is_resource_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Whether `version` is canonical `MAJOR.MINOR.PATCH`: digits only, no leading zeros.
pub fn is_canonical_version(version: &str) -> bool {
    let parts: Vec<&str> = version.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 9
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        })
}

/// Summarises a manifest and checks it; `expected_version` is the version the caller wants.
pub fn check(
    kind: Kind,
    manifest: &Manifest,
    expected_version: Option<&str>,
    diagnostics: &mut Vec<Diagnostic>,
) -> ManifestSummary {
    let file = Some(kind.manifest_name());
    let mut summary = match &manifest.model {
        ManifestModel::Package(p) => summarise_package(p, diagnostics),
        ManifestModel::Assets(a) => summarise_assets(a),
    };
    if summary.legacy {
        let current = match kind {
            Kind::Package => {
                "a [meta] table (title, author, version) and a type table such as [script]"
            }
            Kind::AssetPack => {
                "a [meta] table (title, author, version) and [unreal] unreal_folders"
            }
        };
        diagnostics.push(Diagnostic::new(
            Code::LegacyManifest,
            file,
            format!("{} uses the legacy layout. It still works, but move to the current one: {current}.", kind.manifest_name()),
        ));
    }

    match summary.version.as_deref() {
        None => diagnostics.push(Diagnostic::new(
            Code::VersionMissing,
            file,
            format!(
                "{} has no version. Add version = \"1.0.0\" under [meta].",
                kind.manifest_name()
            ),
        )),
        Some(version) if !is_canonical_version(version) => diagnostics.push(Diagnostic::new(
            Code::VersionInvalid,
            file,
            format!(
                "The version {version:?} is not MAJOR.MINOR.PATCH (like \"1.2.3\": digits only, \
                     no leading zeros, no 'v')."
            ),
        )),
        Some(version) => {
            if let Some(expected) = expected_version.filter(|e| *e != version) {
                diagnostics.push(Diagnostic::new(
                    Code::VersionMismatch,
                    file,
                    format!(
                        "The manifest says version {version}, but {expected} was expected. Update \
                         the version in {} or release it as {version}.",
                        kind.manifest_name()
                    ),
                ));
            }
        }
    }

    for (list, what) in [
        (&summary.packages_requirements, "packages_requirements"),
        (&summary.assets_requirements, "assets_requirements"),
    ] {
        for name in list.iter().filter(|n| !is_resource_name(n)) {
            diagnostics.push(Diagnostic::new(
                Code::InvalidRequirement,
                file,
                format!(
                    "{what} names {name:?}, which is not a resource name: use the other resource's \
                     folder name (lowercase letters, digits and '-', 1 to 64 characters)."
                ),
            ));
        }
    }
    summary.kind = kind;
    summary
}

fn summarise_package(p: &PackageToml, diagnostics: &mut Vec<Diagnostic>) -> ManifestSummary {
    let file = Some("Package.toml");
    let tables = [
        &p.script,
        &p.game_mode,
        &p.map,
        &p.loading_screen,
        &p.c_module,
    ];
    let present: Vec<(PackageType, &PackageTypeTable)> = PackageType::TABLES
        .iter()
        .zip(tables)
        .filter_map(|((t, _), table)| table.as_ref().map(|table| (*t, table)))
        .collect();
    let table_names = "[script], [game_mode], [map], [loading_screen] or [c_module]";

    if let (None, Some(legacy)) = (&p.meta, &p.package) {
        let package_type = match legacy.package_type.as_deref() {
            Some("script") => Some(PackageType::Script),
            Some("game-mode") => Some(PackageType::GameMode),
            Some("loading-screen") => Some(PackageType::LoadingScreen),
            other => {
                diagnostics.push(Diagnostic::new(
                    Code::PackageTypeInvalid,
                    file,
                    match other {
                        Some(t) => format!("The legacy [package] type {t:?} is not script, game-mode or loading-screen."),
                        None => "The legacy [package] table has no type: add type = \"script\" (or game-mode, loading-screen), or move to the current layout with a type table.".into(),
                    },
                ));
                None
            }
        };
        return ManifestSummary {
            kind: Kind::Package,
            title: legacy.name.clone(),
            author: legacy.author.clone(),
            version: legacy.version.clone(),
            package_type,
            packages_requirements: legacy.packages_requirements.clone().unwrap_or_default(),
            assets_requirements: legacy.assets_requirements.clone().unwrap_or_default(),
            compatibility_version: legacy.compatibility_version.clone(),
            legacy: true,
        };
    }

    let (package_type, table) = match present.as_slice() {
        [(t, table)] => (Some(*t), Some(*table)),
        [] => {
            diagnostics.push(Diagnostic::new(
                Code::PackageTypeInvalid,
                file,
                format!("Package.toml has no type table. Add exactly one of {table_names}."),
            ));
            (None, None)
        }
        several => {
            let names: Vec<&str> = several.iter().map(|(t, _)| t.as_str()).collect();
            diagnostics.push(Diagnostic::new(
                Code::PackageTypeInvalid,
                file,
                format!(
                    "Package.toml has several type tables ({}). Keep exactly one of {table_names}.",
                    names.join(", ")
                ),
            ));
            (None, None)
        }
    };
    let meta = p.meta.clone().unwrap_or_default();
    ManifestSummary {
        kind: Kind::Package,
        title: meta.title,
        author: meta.author,
        version: meta.version,
        package_type,
        packages_requirements: table
            .and_then(|t| t.packages_requirements.clone())
            .unwrap_or_default(),
        assets_requirements: table
            .and_then(|t| t.assets_requirements.clone())
            .unwrap_or_default(),
        compatibility_version: table.and_then(|t| t.compatibility_version.clone()),
        legacy: false,
    }
}

fn summarise_assets(a: &AssetsToml) -> ManifestSummary {
    let pack = a.asset_pack.clone().unwrap_or_default();
    let legacy = a.meta.is_none()
        && (pack.name.is_some() || pack.version.is_some() || pack.author.is_some());
    let meta = a.meta.clone().unwrap_or_else(|| Meta {
        title: pack.name.clone(),
        author: pack.author.clone(),
        version: pack.version.clone(),
    });
    ManifestSummary {
        kind: Kind::AssetPack,
        title: meta.title,
        author: meta.author,
        version: meta.version,
        package_type: None,
        packages_requirements: Vec::new(),
        assets_requirements: pack.assets_requirements.unwrap_or_default(),
        compatibility_version: None,
        legacy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_serde_names() {
        for kind in Kind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(kind.as_str().parse::<Kind>(), Ok(kind));
        }
        for package_type in PackageType::ALL {
            let json = serde_json::to_string(&package_type).unwrap();
            assert_eq!(json, format!("\"{}\"", package_type.as_str()));
        }
        assert_eq!(
            "pack".parse::<Kind>().unwrap_err(),
            "unknown kind \"pack\": expected package or asset-pack"
        );
    }

    fn summary(kind: Kind, text: &str) -> (ManifestSummary, Vec<Code>) {
        let manifest = parse(kind, text).unwrap();
        let mut diagnostics = Vec::new();
        let summary = check(kind, &manifest, None, &mut diagnostics);
        (summary, diagnostics.into_iter().map(|d| d.code).collect())
    }

    #[test]
    fn current_package() {
        let (s, codes) = summary(
            Kind::Package,
            r#"
            [meta]
                title = "Sandbox"
                author = "me"
                version = "1.2.3"
            [game_mode]
                compatibility_version = "1.25"
                packages_requirements = ["default-weapons"]
                assets_requirements = ["nanos-world"]
                compatible_maps = ["nanos-world::TestingMap"]
                something_new = 5
            [custom_settings]
                max_players = { label = "Max players", type = "integer", description = "", default = 16 }
            "#,
        );
        assert!(codes.is_empty(), "{codes:?}");
        assert_eq!(s.title.as_deref(), Some("Sandbox"));
        assert_eq!(s.package_type, Some(PackageType::GameMode));
        assert_eq!(s.packages_requirements, ["default-weapons"]);
        assert_eq!(s.assets_requirements, ["nanos-world"]);
        assert_eq!(s.compatibility_version.as_deref(), Some("1.25"));
    }

    #[test]
    fn unknown_keys_are_kept() {
        let manifest = parse(
            Kind::Package,
            "[meta]\nversion = \"1.0.0\"\nfancy = true\n[script]\n",
        )
        .unwrap();
        assert_eq!(manifest.raw["meta"]["fancy"].as_bool(), Some(true));
    }

    #[test]
    fn legacy_package() {
        let (s, codes) = summary(
            Kind::Package,
            "[package]\nname = \"Old\"\nauthor = \"a\"\nversion = \"0.1.0\"\ntype = \"game-mode\"\n",
        );
        assert_eq!(codes, [Code::LegacyManifest]);
        assert_eq!(s.package_type, Some(PackageType::GameMode));
        assert_eq!(s.title.as_deref(), Some("Old"));
        assert!(s.legacy);
    }

    #[test]
    fn assets_current_and_legacy() {
        let (s, codes) = summary(
            Kind::AssetPack,
            r#"
            [meta]
                title = "Polygon City"
                author = "me"
                version = "3.1.0"
            [asset_pack]
                assets_requirements = []
            [unreal]
                unreal_folders = ["PolygonCity"]
                unreal_version = "5.7.0"
                is_plugin_content = false
            [assets.static_meshes]
                SM_Car = "Meshes/SM_Car"
                SM_Bus = { path = "Meshes/SM_Bus", thumbnail = "Thumbnails/SM_Bus.jpg" }
            "#,
        );
        assert!(codes.is_empty(), "{codes:?}");
        assert_eq!(s.version.as_deref(), Some("3.1.0"));
        let (s, codes) = summary(
            Kind::AssetPack,
            "[asset_pack]\nname = \"Old\"\nversion = \"1.0.0\"\nunreal_folder = \"Old\"\n",
        );
        assert_eq!(codes, [Code::LegacyManifest]);
        assert_eq!(s.title.as_deref(), Some("Old"));
    }

    #[test]
    fn wrong_types_and_syntax_errors_name_the_line() {
        let error = parse(Kind::Package, "[meta]\ntitle = \"x\"\nversion = 1\n").unwrap_err();
        assert_eq!(error.code, Code::ManifestInvalid);
        assert!(error.message.contains("line 3"), "{}", error.message);
        let error = parse(Kind::Package, "[meta\n").unwrap_err();
        assert!(error.message.contains("line 1"), "{}", error.message);
        let error = parse(Kind::Package, "[script]\nauto_cleanup = \"yes\"\n").unwrap_err();
        assert!(error.message.contains("line 2"), "{}", error.message);
    }

    #[test]
    fn package_type_tables() {
        let (_, codes) = summary(Kind::Package, "[meta]\nversion = \"1.0.0\"\n");
        assert_eq!(codes, [Code::PackageTypeInvalid]);
        let (_, codes) = summary(
            Kind::Package,
            "[meta]\nversion = \"1.0.0\"\n[script]\n[map]\n",
        );
        assert_eq!(codes, [Code::PackageTypeInvalid]);
    }

    #[test]
    fn versions() {
        for good in ["0.0.0", "1.2.3", "10.20.30"] {
            assert!(is_canonical_version(good), "{good}");
        }
        for bad in [
            "v1.2.3",
            "1.2",
            "1.2.3.4",
            "01.2.3",
            "1.02.3",
            "1.2.3-beta",
            "",
            "1..3",
            "a.b.c",
        ] {
            assert!(!is_canonical_version(bad), "{bad}");
        }
        let (_, codes) = summary(Kind::Package, "[meta]\nversion = \"v1.0.0\"\n[script]\n");
        assert_eq!(codes, [Code::VersionInvalid]);
        let (_, codes) = summary(Kind::Package, "[meta]\ntitle = \"x\"\n[script]\n");
        assert_eq!(codes, [Code::VersionMissing]);
        let manifest = parse(Kind::Package, "[meta]\nversion = \"1.0.0\"\n[script]\n").unwrap();
        let mut diagnostics = Vec::new();
        check(Kind::Package, &manifest, Some("1.0.1"), &mut diagnostics);
        assert_eq!(diagnostics[0].code, Code::VersionMismatch);
    }

    #[test]
    fn requirements_must_be_resource_names() {
        let (_, codes) = summary(
            Kind::Package,
            "[meta]\nversion = \"1.0.0\"\n[script]\npackages_requirements = [\"ok-name\", \"Bad Name\"]\n",
        );
        assert_eq!(codes, [Code::InvalidRequirement]);
        assert!(is_resource_name("a"));
        assert!(!is_resource_name(&"a".repeat(65)));
        assert!(!is_resource_name(""));
    }
}
