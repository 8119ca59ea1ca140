//! Any text, as Package.toml and as Assets.toml: parse and check without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nanos_validate::manifest::{check, parse, Kind};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for kind in [Kind::Package, Kind::AssetPack] {
        if let Ok(manifest) = parse(kind, text) {
            let mut diagnostics = Vec::new();
            check(kind, &manifest, Some("1.0.0"), &mut diagnostics);
        }
    }
});
