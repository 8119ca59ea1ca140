//! Checks on entry names: what may never be a path inside a release, and hidden files.

use super::diagnostic::Code;

/// Names Windows reserves, with or without an extension.
const RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Why `name` is unsafe to extract anywhere, or `None` when it is safe.
pub fn unsafe_path(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("An entry has an empty name. Re-create the zip.".into());
    }
    if name.contains('\0') {
        return Some("This name contains a NUL character. Rename the file.".into());
    }
    if name.contains('\\') {
        return Some(
            "This name uses '\\' as a separator; zip paths use '/'. Zip again with a standard tool."
                .into(),
        );
    }
    if name.starts_with('/') {
        return Some(
            "This is an absolute path. Paths in the zip must be relative to its root.".into(),
        );
    }
    let bytes = name.as_bytes();
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        return Some(
            "This path starts with a drive letter. Paths must be relative to the zip's root."
                .into(),
        );
    }
    for component in name.trim_end_matches('/').split('/') {
        if component == ".." {
            return Some(
                "This path climbs out of the resource's folder with '..'. Remove it.".into(),
            );
        }
        let stem = component.split('.').next().unwrap_or(component);
        let stem = stem.trim_end_matches([' ', '.']);
        if RESERVED.iter().any(|r| stem.eq_ignore_ascii_case(r)) {
            return Some(format!(
                "{component} is a reserved name on Windows, where the game server may run. Rename it."
            ));
        }
    }
    None
}

/// The top-most hidden path in `name` (a component starting with '.'), with its code:
/// `hidden-cache` for `.cache`, `hidden-file` for any other.
pub fn hidden_prefix(name: &str) -> Option<(String, Code)> {
    let mut prefix = String::new();
    for component in name.trim_end_matches('/').split('/') {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(component);
        if component == ".cache" {
            return Some((prefix, Code::HiddenCache));
        }
        if component.starts_with('.') && component != "." {
            return Some((prefix, Code::HiddenFile));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_paths() {
        for name in [
            "Package.toml",
            "Server/Index.lua",
            "Client/",
            "a/b/c.lua",
            "CONSOLE.lua",
            "icon.png",
        ] {
            assert_eq!(unsafe_path(name), None, "{name}");
        }
    }

    #[test]
    fn unsafe_paths() {
        for name in [
            "/etc/passwd",
            "C:/Windows/x",
            "c:evil",
            "../escape.lua",
            "Server/../../x",
            "Server\\Index.lua",
            "nul\0byte",
            "CON",
            "Server/con.lua",
            "LPT1.txt",
            "aux.tar.gz",
            "",
        ] {
            assert!(unsafe_path(name).is_some(), "{name:?}");
        }
    }

    #[test]
    fn hidden() {
        assert_eq!(hidden_prefix("Server/Index.lua"), None);
        assert_eq!(
            hidden_prefix(".git/objects/ab"),
            Some((".git".into(), Code::HiddenFile))
        );
        assert_eq!(
            hidden_prefix("Client/.DS_Store"),
            Some(("Client/.DS_Store".into(), Code::HiddenFile))
        );
        assert_eq!(
            hidden_prefix("a/.cache/x"),
            Some(("a/.cache".into(), Code::HiddenCache))
        );
        assert_eq!(
            hidden_prefix(".cache"),
            Some((".cache".into(), Code::HiddenCache))
        );
    }
}
