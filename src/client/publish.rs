//! `nanos-store publish`: a package's or asset pack's folder zipped the way the store wants it,
//! checked by the store's own validator before anything is sent, and streamed to the store with a
//! progress bar.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use futures_util::StreamExt;
use serde::Serialize;

use super::{ClientError, Remote, RemoteArgs};
use crate::moderation::ReviewState;
use crate::resources::{path_of_kind, Channel, ReleaseInfo, ReleaseState};
use crate::validate::source::FileSource;
use crate::validate::{self, Kind, Report};

/// Folders never packed, hidden or not asked: version control and the game's caches.
const NEVER_PACKED: [&str; 2] = [".git", ".cache"];

/// What `publish` is asked to do.
#[derive(Debug, Clone, clap::Args)]
pub struct PublishArgs {
    /// The package's or asset pack's folder, with its Package.toml or Assets.toml at the root.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The resource's name on the store (default: the folder's name, as nanos world names it).
    #[arg(long)]
    pub name: Option<String>,
    /// The changelog (Markdown).
    #[arg(long, conflicts_with = "changelog_file")]
    pub changelog: Option<String>,
    /// A file holding the changelog.
    #[arg(long)]
    pub changelog_file: Option<PathBuf>,
    /// The channel: stable, beta, alpha or private.
    #[arg(long, default_value = "stable")]
    pub channel: String,
    /// Publish the release at once; without it the release is a draft.
    #[arg(long)]
    pub publish: bool,
    /// Stop after building and checking the zip, and list what would be sent.
    #[arg(long)]
    pub dry_run: bool,
    /// Also pack hidden files and folders (names starting with `.`), except .git and .cache.
    #[arg(long)]
    pub include_hidden: bool,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// A file of the folder that goes into the zip.
#[derive(Debug, Clone, Serialize)]
pub struct PackedFile {
    /// Its path in the zip, `/`-separated.
    pub path: String,
    pub size: u64,
    #[serde(skip)]
    source: PathBuf,
}

/// What a successful `publish` did.
#[derive(Debug, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
enum Outcome {
    /// `--dry-run`: what would have been sent.
    DryRun {
        kind: Kind,
        name: String,
        version: Option<String>,
        zip_size: u64,
        files: Vec<PackedFile>,
        warnings: Vec<String>,
    },
    /// The store took the release.
    Uploaded {
        name: String,
        url: String,
        release: Box<ReleaseInfo>,
        warnings: Vec<String>,
    },
}

/// Runs `publish`, printing what it did or why it failed.
pub async fn run(args: PublishArgs) -> ExitCode {
    let json = args.remote.json;
    match publish(&args).await {
        Ok(outcome) => {
            print_outcome(&outcome, json);
            ExitCode::SUCCESS
        }
        Err(error) => error.report(json),
    }
}

async fn publish(args: &PublishArgs) -> Result<Outcome, ClientError> {
    let channel = Channel::parse(&args.channel).map_err(ClientError::new)?;
    let changelog = match (&args.changelog, &args.changelog_file) {
        (Some(text), _) => text.clone(),
        (None, Some(file)) => std::fs::read_to_string(file).map_err(|e| {
            ClientError::new(format!("cannot read the changelog {}: {e}", file.display()))
        })?,
        (None, None) => String::new(),
    };
    let dir = std::fs::canonicalize(&args.dir).map_err(|e| {
        ClientError::new(format!(
            "cannot open the folder {}: {e}",
            args.dir.display()
        ))
    })?;
    let kind = manifest_kind(&dir)?;
    let name = match &args.name {
        Some(name) => name.clone(),
        None => dir
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
            .ok_or_else(|| ClientError::new("the folder has no name: pass --name NAME"))?,
    };
    if !validate::manifest::is_resource_name(&name) {
        return Err(ClientError::new(format!(
            "{name:?} is not a store name (lowercase letters, digits and '-'): pass --name NAME."
        )));
    }
    let files = collect_files(&dir, args.include_hidden)?;
    let zip = TempZip::create()?;
    let zip_path = zip.path.clone();
    let packed = files.clone();
    blocking(move || write_zip(&packed, &zip_path)).await??;
    let zip_path = zip.path.clone();
    let report = blocking(move || check_zip(&zip_path, kind)).await??;
    let warnings: Vec<String> = report
        .diagnostics
        .iter()
        .map(super::diagnostic_line)
        .collect();
    if !report.valid {
        let errors = report
            .diagnostics
            .iter()
            .filter(|d| d.severity == validate::Severity::Error)
            .count();
        return Err(ClientError {
            message: format!(
                "The store would refuse this {} ({errors} error{}), so nothing was sent.",
                kind.as_str(),
                if errors == 1 { "" } else { "s" }
            ),
            code: Some("invalid-zip".into()),
            details: warnings,
        });
    }
    let zip_size = std::fs::metadata(&zip.path)?.len();
    if args.dry_run {
        return Ok(Outcome::DryRun {
            kind,
            name,
            version: report.manifest.and_then(|m| m.version),
            zip_size,
            files,
            warnings,
        });
    }
    let remote = Remote::resolve(&args.remote)?;
    let release = upload(
        &remote, kind, &name, &zip.path, zip_size, changelog, channel, args,
    )
    .await?;
    Ok(Outcome::Uploaded {
        url: remote.url(&format!(
            "/{}/{name}/releases/{}",
            path_of_kind(kind),
            release.version
        )),
        name,
        release: Box::new(release),
        warnings,
    })
}

/// The kind of the folder's manifest: `Package.toml` or `Assets.toml` at its root.
fn manifest_kind(dir: &Path) -> Result<Kind, ClientError> {
    let has = |kind: Kind| dir.join(kind.manifest_name()).is_file();
    match (has(Kind::Package), has(Kind::AssetPack)) {
        (true, false) => Ok(Kind::Package),
        (false, true) => Ok(Kind::AssetPack),
        (true, true) => Err(ClientError::new(format!(
            "{} has both a Package.toml and an Assets.toml: a folder is one package or one asset pack.",
            dir.display()
        ))),
        (false, false) => Err(ClientError::new(format!(
            "{} has no Package.toml or Assets.toml: run publish in a package's or an asset pack's folder, or name one.",
            dir.display()
        ))),
    }
}

/// The folder's files, sorted by path: never `.git` or `.cache`, hidden ones only when asked,
/// symbolic links never (they could point outside the folder).
fn collect_files(dir: &Path, include_hidden: bool) -> Result<Vec<PackedFile>, ClientError> {
    let mut files = Vec::new();
    let mut folders = vec![(dir.to_path_buf(), String::new())];
    while let Some((folder, prefix)) = folders.pop() {
        let entries = std::fs::read_dir(&folder)
            .map_err(|e| ClientError::new(format!("cannot read {}: {e}", folder.display())))?;
        for entry in entries {
            let entry = entry
                .map_err(|e| ClientError::new(format!("cannot read {}: {e}", folder.display())))?;
            let file_name = entry.file_name();
            let Some(file_name) = file_name.to_str() else {
                return Err(ClientError::new(format!(
                    "{} has a name that is not UTF-8: rename it, zips name files in UTF-8.",
                    entry.path().display()
                )));
            };
            if NEVER_PACKED.contains(&file_name) || (file_name.starts_with('.') && !include_hidden)
            {
                continue;
            }
            let path = format!("{prefix}{file_name}");
            let file_type = entry.file_type()?;
            if file_type.is_dir() {
                folders.push((entry.path(), format!("{path}/")));
            } else if file_type.is_file() {
                files.push(PackedFile {
                    path,
                    size: entry.metadata()?.len(),
                    source: entry.path(),
                });
            } else if file_type.is_symlink() {
                eprintln!("warning: {path} is a symbolic link and is not packed");
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// How much of a file is compressed to decide whether deflating it is worth it.
const SAMPLE_BYTES: usize = 256 * 1024;

/// Whether deflating the file at `path` saves at least a tenth of its sample: text and most
/// assets do; already compressed data (textures, audio, packed archives) would only grow and slow
/// both ends down, so it is stored.
fn worth_deflating(path: &Path) -> std::io::Result<bool> {
    use std::io::{Read, Write};
    let mut sample = Vec::with_capacity(SAMPLE_BYTES);
    std::fs::File::open(path)?
        .take(SAMPLE_BYTES as u64)
        .read_to_end(&mut sample)?;
    if sample.len() < 512 {
        return Ok(true);
    }
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&sample)?;
    Ok(encoder.finish()?.len() * 10 < sample.len() * 9)
}

/// Writes `files` into a zip at `path`, each deflated at a fast level when that is worth it
/// (see [`worth_deflating`]), else stored.
fn write_zip(files: &[PackedFile], path: &Path) -> Result<(), ClientError> {
    let io = |e: std::io::Error| ClientError::new(format!("cannot write the zip: {e}"));
    let zip_error =
        |e: zip::result::ZipError| ClientError::new(format!("cannot write the zip: {e}"));
    let out = std::fs::File::create(path).map_err(io)?;
    let mut writer = zip::ZipWriter::new(std::io::BufWriter::new(out));
    for file in files {
        let deflate = worth_deflating(&file.source)
            .map_err(|e| ClientError::new(format!("cannot read {}: {e}", file.source.display())))?;
        let options = if deflate {
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .compression_level(Some(1))
        } else {
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored)
        }
        .large_file(file.size >= u64::from(u32::MAX));
        writer
            .start_file(file.path.as_str(), options)
            .map_err(zip_error)?;
        let mut source = std::fs::File::open(&file.source)
            .map_err(|e| ClientError::new(format!("cannot read {}: {e}", file.source.display())))?;
        std::io::copy(&mut source, &mut writer).map_err(io)?;
    }
    let out = writer.finish().map_err(zip_error)?;
    out.into_inner()
        .map_err(|e| io(e.into_error()))?
        .sync_all()
        .map_err(io)
}

/// The store's verdict on the zip at `path`: the validator in full mode, the kind the folder's
/// manifest gives, and the store's limits except its size limit. That one is each store's own
/// setting, which the client does not know: the store answers `413` with its limit when the zip
/// is over it.
fn check_zip(path: &Path, kind: Kind) -> Result<Report, ClientError> {
    let source = FileSource::open(path)?;
    let options = crate::resources::releases::upload_options(kind, super::CLIENT_SIZE_LIMIT);
    validate::source::block_on(validate::validate(&source, &options))
        .map_err(|e| ClientError::new(format!("cannot read the zip: {e}")))
}

/// Streams the zip to the store as a release of `name`, with a progress bar on a terminal.
#[allow(clippy::too_many_arguments)]
async fn upload(
    remote: &Remote,
    kind: Kind,
    name: &str,
    zip: &Path,
    size: u64,
    changelog: String,
    channel: Channel,
    args: &PublishArgs,
) -> Result<ReleaseInfo, ClientError> {
    let authorization = format!("Token {}", remote.require_token("Publishing")?);
    // The token and the size are checked before any byte is sent: a store refusing either answers
    // at once and closes the connection, which a client still writing the zip sees only as a
    // broken pipe.
    super::login::whoami(remote).await?;
    if let Some(limit) = upload_limit(remote).await.filter(|limit| size > *limit) {
        return Err(ClientError::new(format!(
            "The zip is {}, more than {} takes ({}): make the release smaller, or ask the store's \
             admin to raise NANOS_STORE_MAX_UPLOAD_SIZE.",
            validate::human_size(size),
            remote.store,
            validate::human_size(limit)
        )));
    }
    let file = tokio::fs::File::open(zip).await?;
    let bar = progress_bar(size, args.remote.json);
    let counted = bar.clone();
    let stream = tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024).map(move |chunk| {
        if let Ok(chunk) = &chunk {
            counted.inc(chunk.len() as u64);
        }
        chunk
    });
    let part =
        reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(stream), size)
            .file_name("release.zip")
            .mime_str("application/zip")
            .map_err(|e| ClientError::new(e.to_string()))?;
    let form = reqwest::multipart::Form::new()
        .text("changelog", changelog)
        .text("channel", channel.as_str())
        .text("publish", if args.publish { "true" } else { "false" })
        .part("file", part);
    let url = remote.url(&format!("/store/v1/{}/{name}/releases", path_of_kind(kind)));
    let response = remote
        .http
        .post(&url)
        .header(reqwest::header::AUTHORIZATION, authorization)
        .multipart(form)
        .send()
        .await
        .map_err(|e| ClientError::unreachable(&remote.store, &e));
    bar.finish_and_clear();
    let response = response?;
    if !response.status().is_success() {
        return Err(ClientError::from_response(response).await);
    }
    response.json::<ReleaseInfo>().await.map_err(|e| {
        ClientError::new(format!(
            "{url} answered with a release this program cannot read: {e}"
        ))
    })
}

/// The largest upload the store takes (`GET /store/v1/upload-limits`); `None` when it does not
/// say.
async fn upload_limit(remote: &Remote) -> Option<u64> {
    #[derive(serde::Deserialize)]
    struct Limits {
        max_upload_size: u64,
    }
    let response = remote
        .http
        .get(remote.url("/store/v1/upload-limits"))
        .send()
        .await
        .ok()?;
    if !response.status().is_success() {
        return None;
    }
    Some(response.json::<Limits>().await.ok()?.max_upload_size)
}

/// A progress bar of `size` bytes on standard error, drawn only on a terminal and not for
/// `--json`.
fn progress_bar(size: u64, json: bool) -> indicatif::ProgressBar {
    if json {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(size);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:30} {bytes}/{total_bytes} {bytes_per_sec} {eta} left",
    ) {
        bar.set_style(style);
    }
    bar
}

fn print_outcome(outcome: &Outcome, json: bool) {
    if json {
        match serde_json::to_string(outcome) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("error: {e}"),
        }
        return;
    }
    match outcome {
        Outcome::DryRun {
            kind,
            name,
            version,
            zip_size,
            files,
            warnings,
        } => {
            for file in files {
                println!("{:>12}  {}", validate::human_size(file.size), file.path);
            }
            for warning in warnings {
                eprintln!("{warning}");
            }
            println!(
                "Would send {} {name} {} ({} file{}, {} zipped). Nothing was sent (--dry-run).",
                kind.as_str(),
                version.as_deref().unwrap_or("(no version)"),
                files.len(),
                if files.len() == 1 { "" } else { "s" },
                validate::human_size(*zip_size)
            );
        }
        Outcome::Uploaded {
            name,
            url,
            release,
            warnings,
        } => {
            for warning in warnings {
                eprintln!("{warning}");
            }
            let in_review = release
                .review
                .as_ref()
                .is_some_and(|r| r.state == ReviewState::Pending);
            let what = match release.state {
                ReleaseState::Published => format!("Published on {}", release.channel.as_str()),
                ReleaseState::Draft if in_review => {
                    "Uploaded; it waits for the store's review, and is published once a moderator approves it".into()
                }
                ReleaseState::Draft => "Uploaded as a draft (publish it from its page)".into(),
            };
            println!("{what}: {name} {}\n{url}", release.version);
        }
    }
}

/// Runs blocking file work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ClientError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ClientError::new(format!("the zip could not be built: {e}")))
}

/// A zip in the temporary folder, deleted when dropped.
struct TempZip {
    path: PathBuf,
}

impl TempZip {
    fn create() -> Result<TempZip, ClientError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!(
            "nanos-store-publish-{}-{nanos}.zip",
            std::process::id()
        ));
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| ClientError::new(format!("cannot create {}: {e}", path.display())))?;
        Ok(TempZip { path })
    }
}

impl Drop for TempZip {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_files_and_version_control_stay_out() {
        let dir = std::env::temp_dir().join(format!("nanos-publish-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for path in [
            "Package.toml",
            "Server/Index.lua",
            ".git/config",
            ".cache/x",
            ".env",
            "Client/.hidden.lua",
        ] {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        let names = |hidden| -> Vec<String> {
            collect_files(&dir, hidden)
                .unwrap()
                .into_iter()
                .map(|f| f.path)
                .collect()
        };
        assert_eq!(names(false), ["Package.toml", "Server/Index.lua"]);
        assert_eq!(
            names(true),
            [
                ".env",
                "Client/.hidden.lua",
                "Package.toml",
                "Server/Index.lua"
            ]
        );
        assert_eq!(manifest_kind(&dir).unwrap(), Kind::Package);
        // Text is deflated; random bytes (like compressed assets) are stored.
        std::fs::write(dir.join("text.lua"), "print('hello') -- ".repeat(5_000)).unwrap();
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let noise: Vec<u8> = (0..300_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        std::fs::write(dir.join("noise.bin"), &noise).unwrap();
        assert!(worth_deflating(&dir.join("text.lua")).unwrap());
        assert!(!worth_deflating(&dir.join("noise.bin")).unwrap());
        std::fs::write(dir.join("Assets.toml"), "x").unwrap();
        assert!(manifest_kind(&dir).unwrap_err().message.contains("both"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
