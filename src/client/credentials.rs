//! The tokens `nanos-store login` saves, like `cargo login`: one file readable by its owner only
//! (mode 0600), `$XDG_CONFIG_HOME/nanos-store/credentials.toml` (by default under
//! `~/.config`), holding a token per store and the store used when none is given.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::ClientError;

/// What the credentials file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    /// The store a command uses when given none (the last one logged in to).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_store: Option<String>,
    /// Each store's saved token, by its address.
    #[serde(default)]
    pub stores: BTreeMap<String, SavedStore>,
}

/// One store's saved token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedStore {
    pub token: String,
}

impl Credentials {
    /// Where the file is: `$XDG_CONFIG_HOME/nanos-store/credentials.toml`, else under
    /// `$HOME/.config`.
    pub fn path() -> Result<PathBuf, ClientError> {
        let base = match std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => PathBuf::from(std::env::var_os("HOME").ok_or_else(|| {
                ClientError::new(
                    "Neither XDG_CONFIG_HOME nor HOME is set: cannot find the saved tokens.",
                )
            })?)
            .join(".config"),
        };
        Ok(base.join("nanos-store").join("credentials.toml"))
    }

    /// The saved credentials; none when the file does not exist.
    pub fn load() -> Result<Credentials, ClientError> {
        let path = Credentials::path()?;
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| {
                ClientError::new(format!(
                    "{} is not a valid credentials file ({}): fix or delete it, then log in again.",
                    path.display(),
                    e.message()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Credentials::default()),
            Err(e) => Err(ClientError::new(format!(
                "cannot read {}: {e}",
                path.display()
            ))),
        }
    }

    /// The token saved for `store`.
    pub fn token_for(&self, store: &str) -> Option<&str> {
        self.stores.get(store).map(|s| s.token.as_str())
    }

    /// Saves the credentials, readable by the owner only, replacing the file at once (a new
    /// file renamed over the old one, so a crash never leaves half of it).
    pub fn save(&self) -> Result<PathBuf, ClientError> {
        let path = Credentials::path()?;
        let io =
            |e: std::io::Error| ClientError::new(format!("cannot write {}: {e}", path.display()));
        let dir = path
            .parent()
            .ok_or_else(|| ClientError::new("no folder for the credentials"))?;
        std::fs::create_dir_all(dir).map_err(io)?;
        let text = toml::to_string(self)
            .map_err(|e| ClientError::new(format!("cannot write the credentials: {e}")))?;
        let temp = dir.join(format!(".credentials.toml.{}", std::process::id()));
        // A new file (never one left over, whose mode could be wider), created 0600.
        let _ = std::fs::remove_file(&temp);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let written = (|| {
            use std::io::Write;
            let mut file = options.open(&temp)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&temp, &path)
        })();
        if let Err(error) = written {
            let _ = std::fs::remove_file(&temp);
            return Err(io(error));
        }
        Ok(path)
    }
}
