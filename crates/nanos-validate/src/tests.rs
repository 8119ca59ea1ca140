//! Validator tests: every diagnostic code, on zips built here.

use super::*;
use crate::source::block_on;
use flate2::write::DeflateEncoder;
use std::io::Write;

/// One entry for [`ZipBuilder`], with every field open to tampering.
#[derive(Clone)]
struct Item {
    name: Vec<u8>,
    data: Vec<u8>,
    deflate: bool,
    method_override: Option<u16>,
    flags: u16,
    unix_mode: Option<u32>,
    crc_override: Option<u32>,
    uncompressed_override: Option<u64>,
    local_name_override: Option<Vec<u8>>,
}

fn item(name: &str, data: &[u8]) -> Item {
    Item {
        name: name.as_bytes().to_vec(),
        data: data.to_vec(),
        deflate: true,
        method_override: None,
        flags: 0,
        unix_mode: None,
        crc_override: None,
        uncompressed_override: None,
        local_name_override: None,
    }
}

/// Writes zips by hand, so that tests can build the broken ones real tools refuse to make.
#[derive(Default)]
struct ZipBuilder {
    items: Vec<Item>,
    prefix: Vec<u8>,
    /// Point every entry's local header offset at the first entry (overlap).
    overlap: bool,
    /// End with a ZIP64 end record and locator, the plain end record's fields all ones.
    zip64_end: bool,
}

impl ZipBuilder {
    fn with(mut self, item: Item) -> Self {
        self.items.push(item);
        self
    }

    fn file(self, name: &str, data: &str) -> Self {
        self.with(item(name, data.as_bytes()))
    }

    fn build(&self) -> Vec<u8> {
        let mut out = self.prefix.clone();
        let mut central = Vec::new();
        let mut first_offset = None;
        for it in &self.items {
            let stored_data = if it.deflate {
                let mut encoder = DeflateEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(&it.data).unwrap();
                encoder.finish().unwrap()
            } else {
                it.data.clone()
            };
            let method = it.method_override.unwrap_or(if it.deflate { 8 } else { 0 });
            let crc = it.crc_override.unwrap_or_else(|| crc32fast::hash(&it.data));
            let uncompressed = it.uncompressed_override.unwrap_or(it.data.len() as u64) as u32;
            // Offsets are relative to the zip's start, as a tool that prepends data would leave them.
            let offset = (out.len() - self.prefix.len()) as u32;
            let offset = if self.overlap {
                *first_offset.get_or_insert(offset)
            } else {
                offset
            };
            let local_name = it.local_name_override.clone().unwrap_or(it.name.clone());
            out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
            out.extend_from_slice(&20u16.to_le_bytes());
            out.extend_from_slice(&it.flags.to_le_bytes());
            out.extend_from_slice(&method.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&(stored_data.len() as u32).to_le_bytes());
            out.extend_from_slice(&uncompressed.to_le_bytes());
            out.extend_from_slice(&(local_name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(&local_name);
            out.extend_from_slice(&stored_data);

            let made_by: u16 = if it.unix_mode.is_some() {
                3 << 8 | 20
            } else {
                20
            };
            central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            central.extend_from_slice(&made_by.to_le_bytes());
            central.extend_from_slice(&20u16.to_le_bytes());
            central.extend_from_slice(&it.flags.to_le_bytes());
            central.extend_from_slice(&method.to_le_bytes());
            central.extend_from_slice(&0u32.to_le_bytes());
            central.extend_from_slice(&crc.to_le_bytes());
            central.extend_from_slice(&(stored_data.len() as u32).to_le_bytes());
            central.extend_from_slice(&uncompressed.to_le_bytes());
            central.extend_from_slice(&(it.name.len() as u16).to_le_bytes());
            central.extend_from_slice(&0u16.to_le_bytes());
            central.extend_from_slice(&0u16.to_le_bytes());
            central.extend_from_slice(&0u16.to_le_bytes());
            central.extend_from_slice(&0u16.to_le_bytes());
            central.extend_from_slice(&(it.unix_mode.unwrap_or(0) << 16).to_le_bytes());
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(&it.name);
        }
        let cd_offset = (out.len() - self.prefix.len()) as u32;
        out.extend_from_slice(&central);
        let (entries, cd_size, cd_offset_field) = if self.zip64_end {
            let record_offset = (out.len() - self.prefix.len()) as u64;
            out.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
            out.extend_from_slice(&44u64.to_le_bytes());
            out.extend_from_slice(&45u16.to_le_bytes());
            out.extend_from_slice(&45u16.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&(self.items.len() as u64).to_le_bytes());
            out.extend_from_slice(&(self.items.len() as u64).to_le_bytes());
            out.extend_from_slice(&(central.len() as u64).to_le_bytes());
            out.extend_from_slice(&u64::from(cd_offset).to_le_bytes());
            out.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&record_offset.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
            (u16::MAX, u32::MAX, u32::MAX)
        } else {
            (self.items.len() as u16, central.len() as u32, cd_offset)
        };
        out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&entries.to_le_bytes());
        out.extend_from_slice(&entries.to_le_bytes());
        out.extend_from_slice(&cd_size.to_le_bytes());
        out.extend_from_slice(&cd_offset_field.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }
}

const PACKAGE: &str = "[meta]\ntitle = \"Sandbox\"\nauthor = \"me\"\nversion = \"1.2.3\"\n[script]\npackages_requirements = [\"default-weapons\"]\n";
const ASSETS: &str = "[meta]\ntitle = \"City\"\nauthor = \"me\"\nversion = \"3.1.0\"\n[asset_pack]\n[unreal]\nunreal_folders = [\"City\"]\n";

fn package() -> ZipBuilder {
    ZipBuilder::default()
        .file("Package.toml", PACKAGE)
        .file("Server/Index.lua", "print('hello')")
}

fn run(bytes: &[u8], mode: Mode) -> Report {
    let options = Options {
        mode,
        ..Options::default()
    };
    block_on(validate(bytes, &options)).unwrap()
}

fn codes(report: &Report) -> Vec<Code> {
    report.diagnostics.iter().map(|d| d.code).collect()
}

/// Runs both modes and asserts that `code` is reported (in full mode at least).
fn assert_code(bytes: &[u8], code: Code, in_metadata_mode: bool) -> Report {
    let full = run(bytes, Mode::Full);
    assert!(
        full.has(code),
        "full mode: expected {code}, got {:?}",
        full.diagnostics
    );
    let metadata = run(bytes, Mode::Metadata);
    assert_eq!(
        metadata.has(code),
        in_metadata_mode,
        "metadata mode: {:?}",
        metadata.diagnostics
    );
    assert_eq!(
        full.valid,
        code.severity() == Severity::Warning
            && full
                .diagnostics
                .iter()
                .all(|d| d.severity == Severity::Warning)
    );
    full
}

#[test]
fn a_valid_package() {
    let bytes = package().build();
    for mode in [Mode::Metadata, Mode::Full] {
        let report = run(&bytes, mode);
        assert!(report.valid, "{:?}", report.diagnostics);
        assert!(report.diagnostics.is_empty());
        assert_eq!(report.kind, Some(Kind::Package));
        let manifest = report.manifest.unwrap();
        assert_eq!(manifest.title.as_deref(), Some("Sandbox"));
        assert_eq!(manifest.version.as_deref(), Some("1.2.3"));
        assert_eq!(manifest.package_type, Some(PackageType::Script));
        assert_eq!(manifest.packages_requirements, ["default-weapons"]);
    }
}

#[test]
fn zip64_end_records_are_read() {
    let mut zip64 = package();
    zip64.zip64_end = true;
    let bytes = zip64.build();
    for mode in [Mode::Metadata, Mode::Full] {
        let report = run(&bytes, mode);
        assert!(report.valid, "{:?}", report.diagnostics);
        assert_eq!(report.file_count, 2);
    }
}

#[test]
fn a_zip_made_by_the_zip_crate_is_accepted() {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    writer.add_directory("Client/", options).unwrap();
    writer.start_file("Assets.toml", options).unwrap();
    writer.write_all(ASSETS.as_bytes()).unwrap();
    writer
        .start_file(
            "Client/big.bin",
            options.compression_method(zip::CompressionMethod::Stored),
        )
        .unwrap();
    writer.write_all(&vec![7u8; 100_000]).unwrap();
    let bytes = writer.finish().unwrap().into_inner();
    let report = run(&bytes, Mode::Full);
    assert!(report.valid, "{:?}", report.diagnostics);
    assert_eq!(report.kind, Some(Kind::AssetPack));
}

#[test]
fn the_json_shape_is_stable() {
    let report = run(
        &ZipBuilder::default()
            .file("Package.toml", "[meta]\nversion = \"1.0\"\n[script]\n")
            .build(),
        Mode::Metadata,
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["valid"], false);
    assert_eq!(json["kind"], "package");
    assert_eq!(json["manifest"]["version"], "1.0");
    assert_eq!(json["manifest"]["package_type"], "script");
    assert_eq!(json["diagnostics"][0]["severity"], "error");
    assert_eq!(json["diagnostics"][0]["code"], "version-invalid");
    assert_eq!(json["diagnostics"][0]["path"], "Package.toml");
    assert!(json["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .contains("MAJOR.MINOR.PATCH"));
}

#[test]
fn not_a_zip() {
    for bytes in [
        &b""[..],
        b"hello",
        &[0u8; 1000],
        b"PK\x03\x04 truncated local header only",
    ] {
        let report = run(bytes, Mode::Metadata);
        assert_eq!(codes(&report), [Code::NotAZip], "{bytes:?}");
    }
    let mut truncated = package().build();
    truncated.truncate(truncated.len() - 10);
    assert_eq!(codes(&run(&truncated, Mode::Full)), [Code::NotAZip]);
}

#[test]
fn malformed_zips() {
    // Bytes before the first entry (a self-extractor or polyglot).
    let mut prefixed = package();
    prefixed.prefix = b"#!/bin/sh\nexit 0\n".to_vec();
    let report = assert_code(&prefixed.build(), Code::MalformedZip, true);
    assert!(report.diagnostics[0]
        .message
        .contains("before the first entry"));

    // Overlapping entries.
    let mut overlapping = package().file("Server/Other.lua", "x");
    overlapping.overlap = true;
    assert_code(&overlapping.build(), Code::MalformedZip, true);

    // The local header names another file than the central directory.
    let mut lying = item("Server/Index.lua", b"print(1)");
    lying.local_name_override = Some(b"Server/Indey.lua".to_vec());
    let bytes = ZipBuilder::default()
        .file("Package.toml", PACKAGE)
        .with(lying)
        .build();
    assert_code(&bytes, Code::MalformedZip, false);

    // Data after the end record.
    let mut trailing = package().build();
    trailing.extend_from_slice(b"garbage");
    assert_code(&trailing, Code::MalformedZip, true);
}

#[test]
fn too_large_and_too_many_entries() {
    let bytes = package().build();
    let small = Options {
        limits: Limits {
            max_archive_size: 100,
            ..Limits::default()
        },
        ..Options::default()
    };
    assert!(block_on(validate(&bytes[..], &small))
        .unwrap()
        .has(Code::TooLarge));

    let mut many = package();
    for i in 0..20 {
        many = many.file(&format!("Server/f{i}.lua"), "");
    }
    let few = Options {
        limits: Limits {
            max_entries: 10,
            ..Limits::default()
        },
        ..Options::default()
    };
    let report = block_on(validate(&many.build()[..], &few)).unwrap();
    assert_eq!(codes(&report), [Code::TooManyEntries]);
    assert!(report.diagnostics[0].message.contains("22 entries"));
}

#[test]
fn unpacked_too_large() {
    let mut big = item("Server/big.bin", &vec![0u8; 300_000]);
    big.deflate = false;
    let bytes = package().with(big).build();
    let options = Options {
        mode: Mode::Full,
        limits: Limits {
            max_unpacked_size: 200_000,
            ..Limits::default()
        },
        ..Options::default()
    };
    assert!(block_on(validate(&bytes[..], &options))
        .unwrap()
        .has(Code::UnpackedTooLarge));
}

#[test]
fn zip_bombs() {
    // A high ratio, declared honestly.
    let bytes = package()
        .with(item("Server/zeros.bin", &vec![0u8; 4 * 1024 * 1024]))
        .build();
    assert_code(&bytes, Code::ZipBomb, true);

    // Data that inflates past its declared size (caught only by inflating).
    let mut liar = item("Server/liar.bin", &vec![b'a'; 50_000]);
    liar.uncompressed_override = Some(1000);
    let report = assert_code(&package().with(liar).build(), Code::ZipBomb, false);
    assert!(report.diagnostics[0].message.contains("inflates past"));
}

#[test]
fn corrupt_entries() {
    let mut bad_crc = item("Server/a.lua", b"print('a')");
    bad_crc.crc_override = Some(0xdead_beef);
    assert_code(&package().with(bad_crc).build(), Code::CorruptEntry, false);

    // Deflate data that is not deflate.
    let mut garbage = item("Server/b.lua", &[0xff; 64]);
    garbage.deflate = false;
    garbage.method_override = Some(8);
    assert_code(&package().with(garbage).build(), Code::CorruptEntry, false);

    // Declares more than it holds.
    let mut short = item("Server/c.lua", b"0123456789");
    short.uncompressed_override = Some(20);
    assert_code(&package().with(short).build(), Code::CorruptEntry, false);
}

#[test]
fn unsupported_compression_and_encryption() {
    let mut bzip = item("Server/a.lua", b"x");
    bzip.deflate = false;
    bzip.method_override = Some(12);
    assert_code(
        &package().with(bzip).build(),
        Code::UnsupportedCompression,
        true,
    );

    let mut secret = item("Server/b.lua", b"x");
    secret.flags = 1;
    assert_code(&package().with(secret).build(), Code::Encrypted, true);
}

#[test]
fn symlinks_and_special_files() {
    let mut link = item("Server/link.lua", b"/etc/passwd");
    link.unix_mode = Some(0o120777);
    assert_code(&package().with(link).build(), Code::Symlink, true);
    let mut fifo = item("Server/fifo", b"");
    fifo.unix_mode = Some(0o010644);
    assert_code(&package().with(fifo).build(), Code::Symlink, true);
    let mut regular = item("Server/ok.lua", b"x");
    regular.unix_mode = Some(0o100644);
    assert!(run(&package().with(regular).build(), Mode::Full).valid);
}

#[test]
fn unsafe_paths() {
    for name in [
        "../evil.lua",
        "/abs.lua",
        "C:/x.lua",
        "Server\\x.lua",
        "COM1.lua",
        "a\0b",
    ] {
        let bytes = package().file(name, "x").build();
        let report = assert_code(&bytes, Code::UnsafePath, true);
        assert_eq!(report.diagnostics[0].path.as_deref(), Some(name));
    }
    let mut latin1 = item("x", b"x");
    latin1.name = b"caf\xe9.lua".to_vec();
    assert_code(&package().with(latin1).build(), Code::UnsafePath, true);
}

#[test]
fn duplicates() {
    assert_code(
        &package().file("Server/Index.lua", "again").build(),
        Code::DuplicateEntry,
        true,
    );
    let report = assert_code(
        &package().file("server/index.LUA", "x").build(),
        Code::DuplicateEntry,
        true,
    );
    assert!(report.diagnostics[0].message.contains("letter case"));
}

#[test]
fn hidden_files() {
    let report = assert_code(
        &package()
            .file(".cache/x.bin", "x")
            .file(".cache/y.bin", "y")
            .build(),
        Code::HiddenCache,
        true,
    );
    assert_eq!(
        codes(&report),
        [Code::HiddenCache],
        "one diagnostic for the folder"
    );
    let bytes = package()
        .file(".git/HEAD", "ref")
        .file(".git/config", "")
        .file("Client/.DS_Store", "")
        .build();
    let report = assert_code(&bytes, Code::HiddenFile, true);
    let paths: Vec<_> = report
        .diagnostics
        .iter()
        .filter_map(|d| d.path.clone())
        .collect();
    assert_eq!(paths, [".git", "Client/.DS_Store"]);
    assert!(report.valid, "warnings only");
}

#[test]
fn image_included() {
    let report = assert_code(
        &package().file("Package.jpg", "jpeg").build(),
        Code::ImageIncluded,
        true,
    );
    assert!(report.valid);
}

#[test]
fn manifest_missing_nested_ambiguous_wrong_kind() {
    let bytes = ZipBuilder::default().file("Server/Index.lua", "x").build();
    assert_code(&bytes, Code::ManifestMissing, true);

    let bytes = ZipBuilder::default().file("package.toml", PACKAGE).build();
    let report = assert_code(&bytes, Code::ManifestMissing, true);
    assert!(report.diagnostics[0].message.contains("package.toml"));

    let bytes = ZipBuilder::default()
        .file("my-mode/Package.toml", PACKAGE)
        .file("my-mode/Server/Index.lua", "x")
        .build();
    let report = assert_code(&bytes, Code::ManifestNested, true);
    assert!(report.diagnostics[0]
        .message
        .contains("Zip the folder's contents, not the folder"));

    let bytes = package().file("Assets.toml", ASSETS).build();
    assert_code(&bytes, Code::ManifestAmbiguous, true);

    let bytes = ZipBuilder::default().file("Assets.toml", ASSETS).build();
    let options = Options {
        expected_kind: Some(Kind::Package),
        ..Options::default()
    };
    let report = block_on(validate(&bytes[..], &options)).unwrap();
    assert_eq!(codes(&report), [Code::ManifestWrongKind]);
    assert_eq!(report.kind, Some(Kind::AssetPack));
}

#[test]
fn manifest_invalid() {
    let bytes = ZipBuilder::default()
        .file("Package.toml", "[meta\nversion = 1")
        .build();
    let report = assert_code(&bytes, Code::ManifestInvalid, true);
    assert!(report.diagnostics[0].message.contains("line 1"));

    let bytes = ZipBuilder::default()
        .with(item("Package.toml", b"[meta]\ntitle = \"\xff\"\n"))
        .build();
    let report = assert_code(&bytes, Code::ManifestInvalid, true);
    assert!(report.diagnostics[0].message.contains("UTF-8"));
}

#[test]
fn manifest_content_codes() {
    for (manifest, code) in [
        ("[meta]\ntitle = \"x\"\n[script]\n", Code::VersionMissing),
        (
            "[meta]\nversion = \"v1.0.0\"\n[script]\n",
            Code::VersionInvalid,
        ),
        ("[meta]\nversion = \"1.0.0\"\n", Code::PackageTypeInvalid),
        (
            "[meta]\nversion = \"1.0.0\"\n[script]\nassets_requirements = [\"Bad!\"]\n",
            Code::InvalidRequirement,
        ),
        (
            "[package]\nname = \"Old\"\nversion = \"1.0.0\"\ntype = \"script\"\n",
            Code::LegacyManifest,
        ),
    ] {
        let bytes = ZipBuilder::default().file("Package.toml", manifest).build();
        assert_code(&bytes, code, true);
    }
    let options = Options {
        expected_version: Some("2.0.0".into()),
        ..Options::default()
    };
    let report = block_on(validate(&package().build()[..], &options)).unwrap();
    assert_eq!(codes(&report), [Code::VersionMismatch]);
}

#[test]
fn every_code_is_covered_by_these_tests() {
    // Keeps this file honest when a code is added: each must appear in a test above.
    let source = include_str!("tests.rs");
    for code in Code::ALL {
        let variant = format!("Code::{code:?}");
        assert!(
            source.matches(&variant).count() >= 1,
            "{variant} has no test"
        );
    }
}

#[test]
fn human_sizes() {
    assert_eq!(human_size(12), "12 bytes");
    assert_eq!(human_size(1536), "1.5 KiB");
    assert_eq!(human_size(GIB_FOR_TEST), "1.0 GiB");
}
const GIB_FOR_TEST: u64 = limits::GIB;
