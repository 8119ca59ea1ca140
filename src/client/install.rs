//! `nanos-store install` and `update`: what a game server's `Config.toml` names (or the names
//! given), with every `packages_requirements` and `assets_requirements` they bring, downloaded
//! from a store in parallel (resuming a partial download), checked against their SHA-256 and the
//! store's validator, and unpacked into `Packages/<name>/` and `Assets/<name>/`, each replacing
//! the old folder whole. `nanos-store.lock` records the exact versions and hashes; `--locked`
//! installs exactly those.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::{ClientError, Remote, RemoteArgs};
use crate::resources::{path_of_kind, Channel, ReleaseInfo, ReleaseState};
use crate::validate::{self, Kind};

/// The lock file, in the server's folder.
pub const LOCK_FILE: &str = "nanos-store.lock";
/// Downloads at once.
const PARALLEL_DOWNLOADS: usize = 4;

/// What `install` and `update` are asked to do.
#[derive(Debug, Clone, clap::Args)]
pub struct InstallArgs {
    /// Packages to install; without any (and no --asset), what the server's Config.toml names in
    /// its [game] section.
    pub names: Vec<String>,
    /// An asset pack to install (repeatable).
    #[arg(long = "asset", value_name = "NAME")]
    pub assets: Vec<String>,
    /// The game server's folder (with Config.toml, Packages/ and Assets/).
    #[arg(long, default_value = ".")]
    pub server_dir: PathBuf,
    /// The least stable channel to take releases from: stable, beta, alpha or private.
    #[arg(long, default_value = "stable")]
    pub channel: String,
    /// Install exactly the versions and files nanos-store.lock names.
    #[arg(long)]
    pub locked: bool,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// A resource to install, as the lock file records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Locked {
    pub kind: Kind,
    pub name: String,
    pub version: String,
    pub sha256: String,
}

/// `nanos-store.lock`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct LockFile {
    #[serde(default, rename = "resource")]
    resources: Vec<Locked>,
}

/// A resolved release: what to fetch, and what it requires.
#[derive(Debug, Clone)]
struct Pick {
    locked: Locked,
    size: u64,
}

/// What `install` did, for `--json`.
#[derive(Debug, Serialize)]
struct Installed {
    installed: Vec<Locked>,
    /// Names whose folder the server already has and this command did not install (they ship
    /// with the server, or are being written there): kept as they are.
    provided_by_server: Vec<String>,
}

/// Runs `install` (`update` = false) or `update`.
pub async fn run(args: InstallArgs, update: bool) -> ExitCode {
    let json = args.remote.json;
    match install(&args, update).await {
        Ok(done) => {
            if json {
                println!("{}", serde_json::to_string(&done).unwrap_or_default());
            } else {
                for r in &done.installed {
                    println!("installed {} {} {}", r.kind.as_str(), r.name, r.version);
                }
                for name in &done.provided_by_server {
                    println!(
                        "kept {name} (the server's own folder: nanos-store did not install it)"
                    );
                }
                println!(
                    "{} resource{} installed; versions recorded in {LOCK_FILE}.",
                    done.installed.len(),
                    if done.installed.len() == 1 { "" } else { "s" }
                );
            }
            ExitCode::SUCCESS
        }
        Err(error) => error.report(json),
    }
}

async fn install(args: &InstallArgs, update: bool) -> Result<Installed, ClientError> {
    let channel = Channel::parse(&args.channel).map_err(ClientError::new)?;
    let server = args.server_dir.clone();
    let config = read_server_config(&server)?;
    let mut remote = Remote::resolve(&args.remote)?;
    // The server's own token (Config.toml) comes last: it may be meant for another store (the
    // official one's tokens are not this store's), so it is sent only when it is shaped like a
    // nanos-store token and nothing else names one for this store.
    if remote.token.is_none() {
        remote.token = config
            .token
            .clone()
            .filter(|t| crate::tokens::format::check(t).is_ok());
    }
    let mut wanted: Vec<(Kind, String)> = args
        .names
        .iter()
        .map(|n| (Kind::Package, n.clone()))
        .chain(args.assets.iter().map(|n| (Kind::AssetPack, n.clone())))
        .collect();
    if wanted.is_empty() {
        wanted = config.wanted.clone();
    }
    if wanted.is_empty() {
        return Err(ClientError::new(format!(
            "Nothing to install: name packages (or --asset NAME), or run in a server folder whose Config.toml names them ({}).",
            server.join("Config.toml").display()
        )));
    }
    let lock = read_lock(&server)?;
    if args.locked && lock.resources.is_empty() {
        return Err(ClientError::new(format!(
            "--locked needs {LOCK_FILE} in {}: run install once without --locked.",
            server.display()
        )));
    }
    let pinned: HashMap<(Kind, String), Locked> = if update && !args.locked {
        HashMap::new()
    } else {
        lock.resources
            .iter()
            .map(|l| ((l.kind, l.name.clone()), l.clone()))
            .collect()
    };
    let installed_before: HashSet<(Kind, String)> = lock
        .resources
        .iter()
        .map(|l| (l.kind, l.name.clone()))
        .collect();
    let mut resolver = Resolver {
        remote: &remote,
        channel,
        pinned: &pinned,
        installed_before: &installed_before,
        locked: args.locked,
        server: &server,
        picks: Vec::new(),
        seen: HashSet::new(),
        provided: Vec::new(),
    };
    for (kind, name) in &wanted {
        resolver.resolve(*kind, name, &mut Vec::new()).await?;
    }
    let (picks, provided) = (resolver.picks, resolver.provided);
    let downloads = server.join(".nanos-store").join("downloads");
    tokio::fs::create_dir_all(&downloads).await?;
    let bars = indicatif::MultiProgress::new();
    if args.remote.json {
        bars.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let slots = Arc::new(tokio::sync::Semaphore::new(PARALLEL_DOWNLOADS));
    let mut tasks = tokio::task::JoinSet::new();
    for pick in picks.clone() {
        let (remote, downloads, slots) = (remote.clone(), downloads.clone(), slots.clone());
        let bar = bars.add(indicatif::ProgressBar::new(pick.size));
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{msg:30} {bar:25} {bytes}/{total_bytes} {bytes_per_sec}",
        ) {
            bar.set_style(style);
        }
        bar.set_message(format!("{} {}", pick.locked.name, pick.locked.version));
        tasks.spawn(async move {
            let _slot = slots.acquire_owned().await;
            let file = download(&remote, &pick, &downloads, &bar).await;
            bar.finish_and_clear();
            file.map(|file| (pick, file))
        });
    }
    let mut fetched = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let done = done.map_err(|e| ClientError::new(format!("a download stopped: {e}")))?;
        fetched.push(done?);
    }
    // Every file is here and verified before any folder changes.
    let mut checked: Vec<Staged> = Vec::new();
    for (pick, file) in fetched {
        let target = server
            .join(folder_of(pick.locked.kind))
            .join(&pick.locked.name);
        let staged = tokio::task::spawn_blocking(move || stage(&pick.locked, &file, &target))
            .await
            .map_err(|e| ClientError::new(format!("unpacking stopped: {e}")));
        match staged {
            Ok(Ok(staged)) => checked.push(staged),
            Ok(Err(error)) | Err(error) => {
                // Nothing changes unless everything could: the others unpacked so far go too.
                for staged in &checked {
                    let _ = std::fs::remove_dir_all(&staged.staged);
                }
                return Err(error);
            }
        }
    }
    for staged in &checked {
        staged.swap_in()?;
    }
    let mut installed: Vec<Locked> = picks.into_iter().map(|p| p.locked).collect();
    installed.sort_by(|a, b| (a.kind.as_str(), &a.name).cmp(&(b.kind.as_str(), &b.name)));
    write_lock(&server, &installed, &lock)?;
    Ok(Installed {
        installed,
        provided_by_server: provided,
    })
}

/// The server folder's sub-folder for a kind.
fn folder_of(kind: Kind) -> &'static str {
    match kind {
        Kind::Package => "Packages",
        Kind::AssetPack => "Assets",
    }
}

/// What a server's `Config.toml` says: what it loads, and its store token.
#[derive(Debug)]
struct ServerConfig {
    wanted: Vec<(Kind, String)>,
    token: Option<String>,
}

/// Reads `[game]` (map, game_mode, loading_screen and packages are packages; assets are asset
/// packs; empty names are none) and `[general] token` of the server's Config.toml, when it has
/// one.
fn read_server_config(server: &Path) -> Result<ServerConfig, ClientError> {
    let path = server.join("Config.toml");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(ServerConfig {
                wanted: Vec::new(),
                token: None,
            })
        }
        Err(e) => {
            return Err(ClientError::new(format!(
                "cannot read {}: {e}",
                path.display()
            )))
        }
    };
    let value: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        ClientError::new(format!(
            "{} is not valid TOML: {}",
            path.display(),
            e.message()
        ))
    })?;
    let game = value.get("game").and_then(|g| g.as_table());
    let strings = |key: &str| -> Vec<String> {
        match game.and_then(|g| g.get(key)) {
            Some(toml::Value::String(s)) => vec![s.clone()],
            Some(toml::Value::Array(items)) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    let mut wanted = Vec::new();
    for key in ["map", "game_mode", "loading_screen", "packages"] {
        wanted.extend(strings(key).into_iter().map(|n| (Kind::Package, n)));
    }
    wanted.extend(strings("assets").into_iter().map(|n| (Kind::AssetPack, n)));
    wanted.retain(|(_, name)| !name.trim().is_empty());
    let token = value
        .get("general")
        .and_then(|g| g.get("token"))
        .and_then(|t| t.as_str())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    Ok(ServerConfig { wanted, token })
}

/// ` (required by a → b)` for the chain of names that led to a name; nothing for a name asked
/// for directly.
fn required_by(chain: &[String]) -> String {
    if chain.is_empty() {
        String::new()
    } else {
        format!(" (required by {})", chain.join(" → "))
    }
}

/// Walks the requirements from the names wanted, depth first, keeping the chain that led to each
/// name for the messages about cycles and missing names.
struct Resolver<'a> {
    remote: &'a Remote,
    channel: Channel,
    pinned: &'a HashMap<(Kind, String), Locked>,
    /// What the lock file says this command installed before: the only folders it replaces.
    installed_before: &'a HashSet<(Kind, String)>,
    locked: bool,
    server: &'a Path,
    picks: Vec<Pick>,
    seen: HashSet<(Kind, String)>,
    provided: Vec<String>,
}

impl Resolver<'_> {
    async fn resolve(
        &mut self,
        kind: Kind,
        name: &str,
        chain: &mut Vec<String>,
    ) -> Result<(), ClientError> {
        let label = format!(
            "{}{name}",
            if kind == Kind::AssetPack {
                "assets/"
            } else {
                ""
            }
        );
        // A name becomes a folder of the server: only a store's name rules let it in.
        if !validate::manifest::is_resource_name(name) {
            let wanted_by = required_by(chain);
            return Err(ClientError::new(format!(
                "{name:?} is not a resource name{wanted_by}: names are lowercase letters, digits and '-'."
            )));
        }
        if chain.contains(&label) {
            return Err(ClientError::new(format!(
                "The requirements go round in a cycle: {} → {label}. Break it in one of these manifests.",
                chain.join(" → ")
            )));
        }
        if !self.seen.insert((kind, name.to_string())) {
            return Ok(());
        }
        // A folder this command did not install (the server's default map, a game mode being
        // written there) is the server's own: kept, never replaced by a store's resource that
        // happens to have its name.
        let key = (kind, name.to_string());
        let local = !self.installed_before.contains(&key)
            && self.server.join(folder_of(kind)).join(name).exists();
        if local {
            self.provided.push(label);
            return Ok(());
        }
        if self.locked && !self.pinned.contains_key(&key) {
            return Err(ClientError::new(format!(
                "{label} is not in {LOCK_FILE}, and --locked installs only what it names: run install without --locked to add it."
            )));
        }
        let release = match self.release(kind, name).await {
            Ok(release) => release,
            Err(error) if error.code.as_deref() == Some("not-found") => {
                let wanted_by = required_by(chain);
                return Err(ClientError::new(format!(
                    "{label} cannot be installed{wanted_by}: {}",
                    error.message
                )));
            }
            Err(error) => return Err(error),
        };
        if release.state != ReleaseState::Published
            || !validate::manifest::is_canonical_version(&release.version)
            || release.sha256.len() != 64
            || !release.sha256.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(ClientError::new(format!(
                "{label} {} is not a published release this command can install (a draft, or an answer that is not a store's).",
                release.version
            )));
        }
        let pinned = self.pinned.get(&key);
        if let Some(pinned) = pinned.filter(|p| p.sha256 != release.sha256) {
            return Err(ClientError::new(format!(
                "{label} {} on the store is not the file {LOCK_FILE} names (SHA-256 {} there, {} on the store): someone replaced it; check before trusting it.",
                pinned.version, pinned.sha256, release.sha256
            )));
        }
        let requirements = release
            .manifest
            .as_ref()
            .map(|m| {
                m.packages_requirements
                    .iter()
                    .map(|n| (Kind::Package, n.clone()))
                    .chain(
                        m.assets_requirements
                            .iter()
                            .map(|n| (Kind::AssetPack, n.clone())),
                    )
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        self.picks.push(Pick {
            locked: Locked {
                kind,
                name: name.to_string(),
                version: release.version.clone(),
                sha256: release.sha256.clone(),
            },
            size: u64::try_from(release.size).unwrap_or(0),
        });
        chain.push(label);
        for (kind, requirement) in requirements {
            Box::pin(self.resolve(kind, &requirement, chain)).await?;
        }
        chain.pop();
        Ok(())
    }

    /// The release to install: the locked version when there is one (even yanked), else the
    /// newest published on the channel or a more stable one that is not yanked.
    async fn release(&self, kind: Kind, name: &str) -> Result<ReleaseInfo, ClientError> {
        let base = format!("/store/v1/{}/{name}/releases", path_of_kind(kind));
        if let Some(pinned) = self.pinned.get(&(kind, name.to_string())) {
            if !validate::manifest::is_canonical_version(&pinned.version) {
                return Err(ClientError::new(format!(
                    "{LOCK_FILE} names {name} {:?}, which is not a version (X.Y.Z): fix or delete the lock file.",
                    pinned.version
                )));
            }
            return self
                .remote
                .get_json(&format!("{base}/{}", pinned.version))
                .await;
        }
        let releases: Vec<ReleaseInfo> = self.remote.get_json(&base).await?;
        releases
            .into_iter()
            // A yanked release is installed only when locked (above), never chosen.
            .find(|r| {
                r.state == ReleaseState::Published
                    && r.yanked.is_none()
                    && r.takedown.is_none()
                    && r.channel >= self.channel
            })
            .ok_or_else(|| ClientError {
                message: format!(
                    "{name} has no published release (that is not yanked) on the {} channel{}.",
                    self.channel.as_str(),
                    if self.remote.token.is_some() {
                        ""
                    } else {
                        " that can be seen without a token"
                    }
                ),
                code: Some("not-found".into()),
                details: Vec::new(),
            })
    }
}

/// Downloads a release into `dir` (`<name>-<version>.zip`), continuing a partial download with
/// `Range` (and `If-Range`, so a changed file starts over), and checks its SHA-256.
async fn download(
    remote: &Remote,
    pick: &Pick,
    dir: &Path,
    bar: &indicatif::ProgressBar,
) -> Result<PathBuf, ClientError> {
    let locked = &pick.locked;
    let file = dir.join(format!(
        "{}-{}-{}.zip",
        locked.kind.as_str(),
        locked.name,
        locked.version
    ));
    if file.is_file() && sha256_of(&file).await? == locked.sha256 {
        bar.set_position(pick.size);
        return Ok(file);
    }
    let part = file.with_extension("zip.part");
    let have = tokio::fs::metadata(&part)
        .await
        .map(|m| m.len())
        .unwrap_or(0);
    let mut request = remote.get(&format!(
        "/store/v1/{}/{}/releases/{}/download",
        path_of_kind(locked.kind),
        locked.name,
        locked.version
    ));
    if have > 0 {
        request = request
            .header(reqwest::header::RANGE, format!("bytes={have}-"))
            .header(reqwest::header::IF_RANGE, format!("\"{}\"", locked.sha256));
    }
    let mut response = request
        .send()
        .await
        .map_err(|e| ClientError::unreachable(&remote.store, &e))?;
    let status = response.status();
    // A part that holds the whole file already (stopped before its last step) is checked below.
    let whole_already = status == reqwest::StatusCode::RANGE_NOT_SATISFIABLE && have > 0;
    let mut out = if whole_already || status == reqwest::StatusCode::PARTIAL_CONTENT {
        bar.set_position(have);
        tokio::fs::OpenOptions::new()
            .append(true)
            .open(&part)
            .await?
    } else if status.is_success() {
        tokio::fs::File::create(&part).await?
    } else {
        return Err(ClientError::from_response(response).await);
    };
    if !whole_already {
        while let Some(chunk) = response.chunk().await.map_err(|e| {
            ClientError::new(format!(
                "the download of {} {} broke off ({e}); run the command again to continue it.",
                locked.name, locked.version
            ))
        })? {
            out.write_all(&chunk).await?;
            bar.inc(chunk.len() as u64);
        }
    }
    out.sync_all().await?;
    drop(out);
    let got = sha256_of(&part).await?;
    if got != locked.sha256 {
        let _ = tokio::fs::remove_file(&part).await;
        return Err(ClientError::new(format!(
            "{} {} arrived damaged (SHA-256 {got}, expected {}); it was deleted, run the command again.",
            locked.name, locked.version, locked.sha256
        )));
    }
    tokio::fs::rename(&part, &file).await?;
    Ok(file)
}

/// The SHA-256 of a file, in hex.
async fn sha256_of(path: &Path) -> Result<String, ClientError> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || -> std::io::Result<String> {
        let mut file = std::fs::File::open(path)?;
        let mut hasher = Sha256::new();
        std::io::copy(&mut file, &mut hasher)?;
        Ok(hex::encode(hasher.finalize()))
    })
    .await
    .map_err(|e| ClientError::new(e.to_string()))?
    .map_err(ClientError::from)
}

/// A release unpacked next to its target folder, ready to replace it.
struct Staged {
    staged: PathBuf,
    target: PathBuf,
}

impl Staged {
    /// Puts the unpacked folder in place of the old one (moved aside, then deleted): the target
    /// is never a half-written folder.
    fn swap_in(&self) -> Result<(), ClientError> {
        let io = |e: std::io::Error| {
            ClientError::new(format!(
                "cannot put {} in place: {e}",
                self.target.display()
            ))
        };
        let old = self.target.with_file_name(format!(
            ".{}.old-{}",
            self.target
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("x"),
            std::process::id()
        ));
        let had_old = self.target.exists();
        if had_old {
            std::fs::rename(&self.target, &old).map_err(io)?;
        }
        std::fs::rename(&self.staged, &self.target).map_err(io)?;
        if had_old {
            std::fs::remove_dir_all(&old).map_err(io)?;
        }
        Ok(())
    }
}

/// Checks the zip with the store's validator (its paths, manifest, kind and version) and unpacks
/// it beside `target`; nothing is written when the check fails.
fn stage(locked: &Locked, zip_path: &Path, target: &Path) -> Result<Staged, ClientError> {
    let source = validate::source::FileSource::open(zip_path)?;
    let options = validate::Options {
        mode: validate::Mode::Full,
        expected_kind: Some(locked.kind),
        expected_version: Some(locked.version.clone()),
        limits: crate::resources::UploadLimits::new(super::CLIENT_SIZE_LIMIT).validator,
    };
    let report = validate::source::block_on(validate::validate(&source, &options))?;
    if !report.valid {
        return Err(ClientError {
            message: format!(
                "{} {} is not a valid {}, so nothing of it was written.",
                locked.name,
                locked.version,
                locked.kind.as_str()
            ),
            code: Some("invalid-zip".into()),
            details: report
                .diagnostics
                .iter()
                .map(super::diagnostic_line)
                .collect(),
        });
    }
    let parent = target
        .parent()
        .ok_or_else(|| ClientError::new("the target has no folder"))?;
    std::fs::create_dir_all(parent)?;
    let staged = parent.join(format!(".{}.new-{}", locked.name, std::process::id()));
    let _ = std::fs::remove_dir_all(&staged);
    let unzip =
        |e: zip::result::ZipError| ClientError::new(format!("cannot unpack {}: {e}", locked.name));
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip_path)?).map_err(unzip)?;
    let result = (|| {
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).map_err(unzip)?;
            let Some(relative) = entry.enclosed_name() else {
                return Err(ClientError::new(format!(
                    "{} has an entry that would be written outside its folder ({}), so nothing of it was written.",
                    locked.name,
                    entry.name()
                )));
            };
            let path = staged.join(relative);
            if entry.is_dir() {
                std::fs::create_dir_all(&path)?;
                continue;
            }
            if let Some(folder) = path.parent() {
                std::fs::create_dir_all(folder)?;
            }
            let mut out = std::fs::File::create(&path)?;
            std::io::copy(&mut entry, &mut out)?;
        }
        Ok(())
    })();
    if let Err(error) = result {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(error);
    }
    Ok(Staged {
        staged,
        target: target.to_path_buf(),
    })
}

fn read_lock(server: &Path) -> Result<LockFile, ClientError> {
    let path = server.join(LOCK_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text).map_err(|e| {
            ClientError::new(format!(
                "{} is not a valid lock file: {}",
                path.display(),
                e.message()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(LockFile::default()),
        Err(e) => Err(ClientError::new(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

/// Writes the lock file: what was installed now, and what it held of other resources before.
fn write_lock(server: &Path, installed: &[Locked], before: &LockFile) -> Result<(), ClientError> {
    let mut all: BTreeMap<(&str, &str), Locked> = before
        .resources
        .iter()
        .map(|l| ((l.kind.as_str(), l.name.as_str()), l.clone()))
        .collect();
    for l in installed {
        all.insert((l.kind.as_str(), l.name.as_str()), l.clone());
    }
    let lock = LockFile {
        resources: all.into_values().collect(),
    };
    let text = format!(
        "# Written by nanos-store install: the exact releases this server runs. Keep it with Config.toml;\n# `nanos-store install --locked` installs exactly these.\n{}",
        toml::to_string(&lock).map_err(|e| ClientError::new(e.to_string()))?
    );
    let path = server.join(LOCK_FILE);
    let temp = server.join(format!(".{LOCK_FILE}.{}", std::process::id()));
    std::fs::write(&temp, text)?;
    std::fs::rename(&temp, &path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zip whose entries are `files`, names taken as they are (even hostile ones).
    fn zip_with(path: &Path, files: &[(&str, &str)]) {
        let mut writer = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
        for (name, text) in files {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut writer, text.as_bytes()).unwrap();
        }
        writer.finish().unwrap();
    }

    #[test]
    fn a_zip_that_would_write_outside_its_folder_writes_nothing() {
        let dir = std::env::temp_dir().join(format!("nanos-install-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let packages = dir.join("srv/Packages");
        std::fs::create_dir_all(&packages).unwrap();
        let manifest = "[meta]\ntitle = \"T\"\nauthor = \"A\"\nversion = \"1.0.0\"\n[script]\n";
        let locked = Locked {
            kind: Kind::Package,
            name: "evil".into(),
            version: "1.0.0".into(),
            sha256: String::new(),
        };
        for hostile in [
            "../escaped.lua",
            "../../escaped.lua",
            "/tmp/escaped.lua",
            "Server/../../escaped.lua",
        ] {
            let zip = dir.join("evil.zip");
            zip_with(
                &zip,
                &[
                    ("Package.toml", manifest),
                    (hostile, "os.execute('rm -rf /')"),
                ],
            );
            let error = match stage(&locked, &zip, &packages.join("evil")) {
                Err(error) => error,
                Ok(_) => panic!("{hostile} was unpacked"),
            };
            assert!(
                error.message.contains("nothing of it was written"),
                "{hostile}: {error:?}"
            );
            assert!(
                !error.details.is_empty(),
                "{hostile}: the validator says why"
            );
            let left: Vec<_> = std::fs::read_dir(&packages).unwrap().collect();
            assert!(left.is_empty(), "{hostile}: {left:?}");
            assert!(!dir.join("srv/escaped.lua").exists() && !dir.join("escaped.lua").exists());
        }
        // The same zip without the hostile entry unpacks beside the target, then takes its place.
        let zip = dir.join("good.zip");
        zip_with(
            &zip,
            &[("Package.toml", manifest), ("Server/Index.lua", "print(1)")],
        );
        std::fs::create_dir_all(packages.join("evil/Old")).unwrap();
        let staged = stage(&locked, &zip, &packages.join("evil")).unwrap();
        assert!(
            packages.join("evil/Old").exists(),
            "the old folder stays until the swap"
        );
        staged.swap_in().unwrap();
        assert!(packages.join("evil/Server/Index.lua").is_file());
        assert!(!packages.join("evil/Old").exists());
        assert_eq!(std::fs::read_dir(&packages).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_server_config_names_what_to_install_and_its_token() {
        let dir = std::env::temp_dir().join(format!("nanos-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("Config.toml"),
            "[general]\n    token = \" nwst_x \"\n[game]\n    map = \"default-blank-map\"\n    game_mode = \"race\"\n    loading_screen = \"\"\n    packages = [\"hud\", \"\"]\n    assets = [\"cars\"]\n",
        )
        .unwrap();
        let config = read_server_config(&dir).unwrap();
        assert_eq!(
            config.wanted,
            [
                (Kind::Package, "default-blank-map".to_string()),
                (Kind::Package, "race".to_string()),
                (Kind::Package, "hud".to_string()),
                (Kind::AssetPack, "cars".to_string()),
            ]
        );
        assert_eq!(config.token.as_deref(), Some("nwst_x"));
        std::fs::write(dir.join("Config.toml"), "[game\n").unwrap();
        assert!(read_server_config(&dir)
            .unwrap_err()
            .message
            .contains("not valid TOML"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
