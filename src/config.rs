//! Runtime settings: `Leptos.toml`, overridden by environment variables.
//!
//! Every setting has a default, so the store runs with no file and no variables at all. A bad value
//! stops start-up with one message that names the setting and the value.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use leptos::config::LeptosOptions;
use serde::Deserialize;

/// Default listening address.
pub const DEFAULT_SITE_ADDR: &str = "127.0.0.1:3000";
/// Port of cargo-leptos' live-reload socket unless `LEPTOS_RELOAD_PORT` says otherwise.
const DEFAULT_RELOAD_PORT: u32 = 3001;
/// The file, in the site root, that names the browser bundle's content-hashed files (`js: H`,
/// `wasm: H`, `css: H`, for `pkg/<output-name>.H.js` and so on). `scripts/lib.sh` writes it when
/// it builds the site; Leptos reads it when it writes a page's script and stylesheet tags.
pub const HASH_FILE_NAME: &str = "hash.txt";
/// Name of the SQLite file created in the data dir when no `DATABASE_URL` is given.
pub const SQLITE_FILE_NAME: &str = "nanos-store.db";

/// A setting that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The settings file exists but cannot be read or parsed.
    #[error("cannot read settings file {path}: {reason}")]
    File { path: PathBuf, reason: String },
    /// One setting has a value that cannot work.
    #[error("invalid setting {name}={value:?}: {reason}")]
    Value {
        name: &'static str,
        value: String,
        reason: String,
    },
}

/// The store's settings after defaults, `Leptos.toml` and the environment are combined.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Leptos's own options (bundle name, site root, listening address).
    pub leptos: LeptosOptions,
    /// Where the database file (SQLite) and uploads live.
    pub data_dir: PathBuf,
    /// `sqlite:` or `postgres:` URL.
    pub database_url: String,
    /// The public address of the store, if configured.
    pub public_url: Option<String>,
    /// Session lifetime in days.
    pub session_days: i64,
    /// Largest accepted upload, in bytes.
    pub max_upload_size: u64,
    /// Proxies whose `X-Forwarded-For` names the client; empty trusts none.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// New accounts one address may register per hour.
    pub registrations_per_hour: i64,
    /// How long a client may take to send a request's head, counted from the connection opening
    /// (first request) or from the head's first byte (later requests).
    pub header_read_timeout: Duration,
    /// How long a connection may stay open with no byte moving and no request being handled.
    pub idle_timeout: Duration,
    /// How long an upload may send nothing; also the grace period before its average rate counts.
    pub upload_stall_timeout: Duration,
    /// Time any request but an upload has, from its head to its answer (body included).
    pub request_timeout: Duration,
    /// Most connections served at once; more wait in the kernel's listen queue.
    pub max_connections: usize,
    /// Downloads of one release from one address within this time count once.
    pub download_count_window: Duration,
    /// Where release files are kept.
    pub storage: Storage,
    /// Whether downloads from an object store are answered with a redirect to a short-lived
    /// presigned URL (so the bytes come from the object store or its CDN) instead of through the
    /// store.
    pub download_redirect: bool,
    /// The bearer token `/metrics` wants; `None` turns `/metrics` off.
    pub metrics_token: Option<crate::secrets::Secret>,
    /// Which releases wait for the staff's review before they are published.
    pub review_policy: ReviewPolicy,
    /// Under `cargo leptos watch` (`LEPTOS_WATCH` set): the port of its live-reload socket, which
    /// the pages connect to.
    pub live_reload_port: Option<u32>,
}

impl Settings {
    /// Whether cookies must carry the `Secure` attribute because the store is served over https.
    pub fn https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://"))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    #[serde(default)]
    leptos: LeptosSection,
    #[serde(default)]
    store: StoreSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct LeptosSection {
    output_name: Option<String>,
    site_root: Option<String>,
    site_pkg_dir: Option<String>,
    site_addr: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct StoreSection {
    data_dir: Option<String>,
    database_url: Option<String>,
    public_url: Option<String>,
    session_days: Option<i64>,
    max_upload_size: Option<u64>,
    trusted_proxies: Option<String>,
    registrations_per_hour: Option<i64>,
    header_read_timeout_secs: Option<u64>,
    idle_timeout_secs: Option<u64>,
    upload_stall_timeout_secs: Option<u64>,
    request_timeout_secs: Option<u64>,
    max_connections: Option<u64>,
    download_count_window_secs: Option<u64>,
    storage: Option<String>,
    download_redirect: Option<bool>,
    metrics_token: Option<String>,
    review_policy: Option<String>,
}

/// Loads the settings from `file` (when it exists) and the process environment.
pub fn load(file: &Path) -> Result<Settings, ConfigError> {
    let parsed = match std::fs::read_to_string(file) {
        Ok(text) => toml::from_str::<FileSettings>(&text).map_err(|e| ConfigError::File {
            path: file.to_path_buf(),
            reason: e.to_string(),
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileSettings::default(),
        Err(e) => {
            return Err(ConfigError::File {
                path: file.to_path_buf(),
                reason: e.to_string(),
            })
        }
    };
    resolve(parsed, |name| std::env::var(name).ok())
}

/// Combines file settings with variables looked up through `env`.
fn resolve(
    file: FileSettings,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Settings, ConfigError> {
    // An empty variable counts as unset, like an empty value in the file.
    let pick = |name: &str, from_file: Option<String>| -> Option<String> {
        env(name)
            .filter(|v| !v.is_empty())
            .or(from_file.filter(|v| !v.is_empty()))
    };

    let site_addr_text = pick("LEPTOS_SITE_ADDR", file.leptos.site_addr)
        .unwrap_or_else(|| DEFAULT_SITE_ADDR.to_string());
    let site_addr: SocketAddr = site_addr_text.parse().map_err(|_| ConfigError::Value {
        name: "LEPTOS_SITE_ADDR",
        value: site_addr_text.clone(),
        reason: "expected an IP address and port such as 127.0.0.1:3000".into(),
    })?;
    let site_root = pick("LEPTOS_SITE_ROOT", file.leptos.site_root)
        .unwrap_or_else(|| "target/site".to_string());
    let output_name = pick("LEPTOS_OUTPUT_NAME", file.leptos.output_name)
        .unwrap_or_else(|| "nanos-store".to_string());
    let site_pkg_dir =
        pick("LEPTOS_SITE_PKG_DIR", file.leptos.site_pkg_dir).unwrap_or_else(|| "pkg".to_string());

    let data_dir = PathBuf::from(
        pick("NANOS_STORE_DATA_DIR", file.store.data_dir).unwrap_or_else(|| "./data".to_string()),
    );

    let database_url = match pick("DATABASE_URL", file.store.database_url) {
        Some(url) => {
            let known = ["sqlite:", "postgres://", "postgresql://"];
            if !known.iter().any(|prefix| url.starts_with(prefix)) {
                return Err(ConfigError::Value {
                    name: "DATABASE_URL",
                    value: url,
                    reason: "expected a sqlite: or postgres:// URL".into(),
                });
            }
            url
        }
        None => sqlite_url(&data_dir.join(SQLITE_FILE_NAME)),
    };

    let public_url = pick("NANOS_STORE_PUBLIC_URL", file.store.public_url);
    if let Some(url) = &public_url {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ConfigError::Value {
                name: "NANOS_STORE_PUBLIC_URL",
                value: url.clone(),
                reason: "expected an http:// or https:// address".into(),
            });
        }
    }

    let session_days = match env("NANOS_STORE_SESSION_DAYS").filter(|v| !v.is_empty()) {
        Some(text) => text.parse::<i64>().map_err(|_| ConfigError::Value {
            name: "NANOS_STORE_SESSION_DAYS",
            value: text.clone(),
            reason: "expected a whole number of days".into(),
        })?,
        None => file.store.session_days.unwrap_or(30),
    };
    if !(1..=365).contains(&session_days) {
        return Err(ConfigError::Value {
            name: "NANOS_STORE_SESSION_DAYS",
            value: session_days.to_string(),
            reason: "expected a number of days from 1 to 365".into(),
        });
    }

    let max_upload_size = match env("NANOS_STORE_MAX_UPLOAD_SIZE").filter(|v| !v.is_empty()) {
        Some(text) => text.parse::<u64>().map_err(|_| ConfigError::Value {
            name: "NANOS_STORE_MAX_UPLOAD_SIZE",
            value: text.clone(),
            reason: "expected a number of bytes".into(),
        })?,
        None => file
            .store
            .max_upload_size
            .unwrap_or(DEFAULT_MAX_UPLOAD_SIZE),
    };
    if max_upload_size == 0 {
        return Err(ConfigError::Value {
            name: "NANOS_STORE_MAX_UPLOAD_SIZE",
            value: "0".into(),
            reason: "expected a positive number of bytes".into(),
        });
    }

    let trusted_proxies = match pick("NANOS_STORE_TRUSTED_PROXIES", file.store.trusted_proxies) {
        Some(text) => parse_trusted_proxies(&text).map_err(|entry| ConfigError::Value {
            name: "NANOS_STORE_TRUSTED_PROXIES",
            value: text.clone(),
            reason: format!(
                "{entry:?} is not an IP address or CIDR range; expected a comma-separated list \
                 such as 10.0.0.1, 192.168.0.0/16"
            ),
        })?,
        None => Vec::new(),
    };

    let registrations_per_hour =
        match env("NANOS_STORE_REGISTRATIONS_PER_HOUR").filter(|v| !v.is_empty()) {
            Some(text) => text.parse::<i64>().map_err(|_| ConfigError::Value {
                name: "NANOS_STORE_REGISTRATIONS_PER_HOUR",
                value: text.clone(),
                reason: "expected a whole number of accounts".into(),
            })?,
            None => file.store.registrations_per_hour.unwrap_or(5),
        };
    if !(1..=10_000).contains(&registrations_per_hour) {
        return Err(ConfigError::Value {
            name: "NANOS_STORE_REGISTRATIONS_PER_HOUR",
            value: registrations_per_hour.to_string(),
            reason: "expected a number of accounts from 1 to 10000".into(),
        });
    }
    let seconds = |name, from_file, default, max| -> Result<Duration, ConfigError> {
        bounded_number(&env, name, from_file, default, 1..=max, "seconds").map(Duration::from_secs)
    };
    let header_read_timeout = seconds(
        "NANOS_STORE_HEADER_READ_TIMEOUT_SECS",
        file.store.header_read_timeout_secs,
        10,
        3600,
    )?;
    let idle_timeout = seconds(
        "NANOS_STORE_IDLE_TIMEOUT_SECS",
        file.store.idle_timeout_secs,
        60,
        86_400,
    )?;
    let upload_stall_timeout = seconds(
        "NANOS_STORE_UPLOAD_STALL_TIMEOUT_SECS",
        file.store.upload_stall_timeout_secs,
        30,
        3600,
    )?;
    let request_timeout = seconds(
        "NANOS_STORE_REQUEST_TIMEOUT_SECS",
        file.store.request_timeout_secs,
        60,
        3600,
    )?;
    let download_count_window = seconds(
        "NANOS_STORE_DOWNLOAD_COUNT_WINDOW_SECS",
        file.store.download_count_window_secs,
        86_400,
        30 * 86_400,
    )?;
    let storage = match pick("NANOS_STORE_STORAGE", file.store.storage) {
        None => Storage::Local(data_dir.clone()),
        Some(text) => parse_storage(&text, &env).map_err(|reason| ConfigError::Value {
            name: "NANOS_STORE_STORAGE",
            value: text.clone(),
            reason,
        })?,
    };
    if matches!(storage, Storage::S3(_)) && max_upload_size > S3_COPY_MAX {
        return Err(ConfigError::Value {
            name: "NANOS_STORE_MAX_UPLOAD_SIZE",
            value: max_upload_size.to_string(),
            reason: format!(
                "with object storage at most {S3_COPY_MAX} bytes (5 GiB, the most S3 copies into \
                 place in one request)"
            ),
        });
    }
    let download_redirect = match env("NANOS_STORE_DOWNLOAD_REDIRECT").filter(|v| !v.is_empty()) {
        Some(text) => text.parse::<bool>().map_err(|_| ConfigError::Value {
            name: "NANOS_STORE_DOWNLOAD_REDIRECT",
            value: text.clone(),
            reason: "expected true or false".into(),
        })?,
        None => file.store.download_redirect.unwrap_or(false),
    };
    let review_policy = match env("NANOS_STORE_REVIEW_POLICY")
        .filter(|v| !v.is_empty())
        .or_else(|| file.store.review_policy.clone())
    {
        Some(text) => ReviewPolicy::parse(&text).map_err(|reason| ConfigError::Value {
            name: "NANOS_STORE_REVIEW_POLICY",
            value: text.clone(),
            reason,
        })?,
        None => ReviewPolicy::None,
    };
    if download_redirect && matches!(storage, Storage::Local(_)) {
        return Err(ConfigError::Value {
            name: "NANOS_STORE_DOWNLOAD_REDIRECT",
            value: "true".into(),
            reason: "redirects need an object store (NANOS_STORE_STORAGE=s3://bucket/prefix); \
                     local files are served by the store itself"
                .into(),
        });
    }

    let metrics_token = pick("NANOS_STORE_METRICS_TOKEN", file.store.metrics_token);
    if let Some(token) = &metrics_token {
        if token.len() < 16 {
            return Err(ConfigError::Value {
                name: "NANOS_STORE_METRICS_TOKEN",
                value: "(hidden)".into(),
                reason: "expected at least 16 characters".into(),
            });
        }
    }
    let metrics_token = metrics_token.map(crate::secrets::Secret::new);

    let max_connections = bounded_number(
        &env,
        "NANOS_STORE_MAX_CONNECTIONS",
        file.store.max_connections,
        1024,
        1..=1_000_000,
        "connections",
    )? as usize;

    // Set by `cargo leptos watch`: the port of its live-reload socket.
    let reload_port = match env("LEPTOS_RELOAD_PORT").filter(|v| !v.is_empty()) {
        Some(text) => text.parse().map_err(|_| ConfigError::Value {
            name: "LEPTOS_RELOAD_PORT",
            value: text.clone(),
            reason: "expected a port number".into(),
        })?,
        None => DEFAULT_RELOAD_PORT,
    };

    let live_reload_port = env("LEPTOS_WATCH").map(|_| reload_port);
    let (hash_files, hash_file) = bundle_hash_file(&site_root, &env)?;

    let leptos = LeptosOptions::builder()
        .output_name(output_name)
        .site_root(site_root)
        .site_pkg_dir(site_pkg_dir)
        .site_addr(site_addr)
        .reload_port(reload_port)
        .hash_files(hash_files)
        .hash_file(hash_file)
        .build();

    Ok(Settings {
        leptos,
        data_dir,
        database_url,
        public_url,
        session_days,
        max_upload_size,
        trusted_proxies,
        registrations_per_hour,
        header_read_timeout,
        idle_timeout,
        upload_stall_timeout,
        request_timeout,
        max_connections,
        download_count_window,
        storage,
        download_redirect,
        metrics_token,
        review_policy,
        live_reload_port,
    })
}

/// Which releases wait for the staff's review (`NANOS_STORE_REVIEW_POLICY`): publishing one of
/// them puts it in review, and it is published when a moderator approves it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReviewPolicy {
    /// Releases are published when their team says so.
    #[default]
    None,
    /// A resource's first published release waits for review; later ones do not.
    NewResources,
    /// Every release waits for review.
    AllReleases,
}

crate::validate::enum_names!(ReviewPolicy, "review policy", {
    None => "none",
    NewResources => "new-resources",
    AllReleases => "all-releases",
});

/// The largest upload a store accepts unless `store.max-upload-size` says otherwise: 1 GiB.
pub const DEFAULT_MAX_UPLOAD_SIZE: u64 = 1024 * 1024 * 1024;

/// The largest object S3 copies in one request (`CopyObject`), and so the largest upload a store on
/// object storage takes.
pub const S3_COPY_MAX: u64 = 5 * 1024 * 1024 * 1024;

/// Where release files are kept (`store.storage`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Storage {
    /// A folder on the local disk (the default: the data dir).
    Local(PathBuf),
    /// An S3-compatible bucket.
    S3(S3Storage),
}

/// An S3-compatible bucket and prefix, and how to reach it: `s3://bucket/prefix` with the standard
/// variables `AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Storage {
    pub bucket: String,
    /// Key prefix, without a leading or trailing `/`; may be empty.
    pub prefix: String,
    /// A self-hosted server's address; `None` for AWS itself.
    pub endpoint: Option<String>,
    /// Whether the endpoint is plain http (allowed on loopback only).
    pub allow_http: bool,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<crate::secrets::Secret>,
}

impl std::fmt::Display for S3Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)?;
        if let Some(endpoint) = &self.endpoint {
            write!(f, " at {endpoint}")?;
        }
        Ok(())
    }
}

/// Parses `store.storage`: a folder, or `s3://bucket/prefix` completed from the AWS variables
/// (looked up through `env`); the error says what is wrong.
pub fn parse_storage(text: &str, env: &impl Fn(&str) -> Option<String>) -> Result<Storage, String> {
    let Some(rest) = text.strip_prefix("s3://") else {
        if text.contains("://") {
            return Err("expected a folder or an s3://bucket/prefix address".into());
        }
        return Ok(Storage::Local(PathBuf::from(text)));
    };
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let valid_bucket = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if !valid_bucket {
        return Err(format!(
            "{bucket:?} is not a bucket name (3 to 63 lowercase letters, digits, '-' and '.')"
        ));
    }
    let prefix = prefix.trim_matches('/');
    if prefix.split('/').any(|part| part == "." || part == "..") || prefix.contains("//") {
        return Err(format!("{prefix:?} is not a key prefix"));
    }
    let var = |name: &str| env(name).filter(|v| !v.is_empty());
    let endpoint = var("AWS_ENDPOINT_URL").map(|e| e.trim_end_matches('/').to_string());
    let allow_http = match &endpoint {
        None => false,
        Some(endpoint) => {
            let parsed = url::Url::parse(endpoint)
                .map_err(|e| format!("AWS_ENDPOINT_URL={endpoint:?} is not an address: {e}"))?;
            match parsed.scheme() {
                "https" => false,
                "http" if is_loopback(&parsed) => true,
                "http" => {
                    return Err(format!(
                        "AWS_ENDPOINT_URL={endpoint:?} is plain http to another machine; use https \
                         (plain http is allowed on loopback only)"
                    ))
                }
                _ => {
                    return Err(format!(
                        "AWS_ENDPOINT_URL={endpoint:?} is not an http(s) address"
                    ))
                }
            }
        }
    };
    Ok(Storage::S3(S3Storage {
        bucket: bucket.to_string(),
        prefix: prefix.to_string(),
        endpoint,
        allow_http,
        region: var("AWS_REGION")
            .or_else(|| var("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| "us-east-1".to_string()),
        access_key_id: var("AWS_ACCESS_KEY_ID"),
        secret_access_key: var("AWS_SECRET_ACCESS_KEY").map(crate::secrets::Secret::new),
    }))
}

/// Whether `url` names this machine (`localhost`, `127.0.0.0/8`, `::1`).
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Parses a comma-separated list of IP addresses (`10.0.0.1`) and CIDR ranges (`10.0.0.0/8`);
/// the error is the first entry that is neither.
fn parse_trusted_proxies(text: &str) -> Result<Vec<ipnet::IpNet>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<ipnet::IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| entry.to_string())
        })
        .collect()
}

/// Whether the bundle's file names carry content hashes, and the file that names the hashes (an
/// absolute path, or one Leptos takes as relative to the server binary's folder).
///
/// cargo-leptos built with `hash-files = true` writes that file beside the server binary and says
/// so in `LEPTOS_HASH_FILES` (and `LEPTOS_HASH_FILE_NAME`), as Leptos' own configuration reads
/// them; otherwise the names are hashed when the site root holds [`HASH_FILE_NAME`] (the build of
/// `scripts/lib.sh`). A site without it (a plain `cargo leptos` build) keeps its plain names.
fn bundle_hash_file(
    site_root: &str,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(bool, Arc<str>), ConfigError> {
    let by_cargo_leptos = match env("LEPTOS_HASH_FILES").filter(|v| !v.is_empty()) {
        Some(text) => text.parse::<bool>().map_err(|_| ConfigError::Value {
            name: "LEPTOS_HASH_FILES",
            value: text.clone(),
            reason: "expected true or false".into(),
        })?,
        None => false,
    };
    if by_cargo_leptos {
        let name = env("LEPTOS_HASH_FILE_NAME")
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| HASH_FILE_NAME.to_string());
        return Ok((true, name.into()));
    }
    let in_site = std::path::absolute(Path::new(site_root).join(HASH_FILE_NAME));
    let found = in_site.ok().filter(|path| path.is_file());
    Ok(match found.as_deref().and_then(Path::to_str) {
        Some(path) => (true, path.into()),
        None => (false, HASH_FILE_NAME.into()),
    })
}

/// A whole-number setting from the variable `name` or the file, checked against `range`.
fn bounded_number(
    env: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    from_file: Option<u64>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
    unit: &str,
) -> Result<u64, ConfigError> {
    let value = match env(name).filter(|v| !v.is_empty()) {
        Some(text) => text.parse::<u64>().map_err(|_| ConfigError::Value {
            name,
            value: text.clone(),
            reason: format!("expected a whole number of {unit}"),
        })?,
        None => from_file.unwrap_or(default),
    };
    if !range.contains(&value) {
        return Err(ConfigError::Value {
            name,
            value: value.to_string(),
            reason: format!("expected {} to {} {unit}", range.start(), range.end()),
        });
    }
    Ok(value)
}

/// The `sqlite:` URL of a database file, created when missing.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn resolve_with(file: &str, vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        resolve(toml::from_str(file).unwrap(), |name| {
            vars.get(name).cloned()
        })
    }

    #[test]
    fn storage_is_the_data_dir_unless_a_folder_or_bucket_is_named() {
        let settings = resolve_with("", &[("NANOS_STORE_DATA_DIR", "/srv/d")]).unwrap();
        assert_eq!(settings.storage, Storage::Local(PathBuf::from("/srv/d")));
        assert!(!settings.download_redirect);
        let settings = resolve_with("[store]\nstorage = \"/mnt/files\"\n", &[]).unwrap();
        assert_eq!(
            settings.storage,
            Storage::Local(PathBuf::from("/mnt/files"))
        );

        let settings = resolve_with(
            "",
            &[
                ("NANOS_STORE_STORAGE", "s3://store-files/nanos/releases/"),
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:3900/"),
                ("AWS_REGION", "garage"),
                ("AWS_ACCESS_KEY_ID", "GK1"),
                ("AWS_SECRET_ACCESS_KEY", "hunter2hunter2"),
                ("NANOS_STORE_DOWNLOAD_REDIRECT", "true"),
            ],
        )
        .unwrap();
        let Storage::S3(s3) = &settings.storage else {
            panic!("expected S3 storage, got {:?}", settings.storage);
        };
        assert_eq!(s3.bucket, "store-files");
        assert_eq!(s3.prefix, "nanos/releases");
        assert_eq!(s3.endpoint.as_deref(), Some("http://127.0.0.1:3900"));
        assert!(s3.allow_http, "plain http is allowed on loopback");
        assert_eq!(s3.region, "garage");
        assert!(settings.download_redirect);
        let shown = format!("{settings:?} {s3}");
        assert!(
            !shown.contains("hunter2"),
            "the secret key never shows: {shown}"
        );
    }

    #[test]
    fn bad_storage_settings_stop_start_up_with_the_reason() {
        let error = |vars: &[(&str, &str)]| match resolve_with("", vars) {
            Err(ConfigError::Value { name, reason, .. }) => format!("{name}: {reason}"),
            other => panic!("expected an error, got {other:?}"),
        };
        assert!(error(&[("NANOS_STORE_STORAGE", "s3://Bad_Bucket/x")]).contains("bucket name"));
        assert!(error(&[("NANOS_STORE_STORAGE", "ftp://host/x")]).contains("s3://"));
        assert!(error(&[("NANOS_STORE_STORAGE", "s3://files/a/../b")]).contains("prefix"));
        assert!(error(&[
            ("NANOS_STORE_STORAGE", "s3://files"),
            ("AWS_ENDPOINT_URL", "http://10.0.0.5:9000")
        ])
        .contains("loopback"));
        assert!(error(&[("NANOS_STORE_DOWNLOAD_REDIRECT", "true")]).contains("object store"));
        assert!(error(&[("NANOS_STORE_DOWNLOAD_REDIRECT", "yes")]).contains("true or false"));
        assert!(error(&[("NANOS_STORE_METRICS_TOKEN", "short")]).contains("16 characters"));
        assert!(error(&[
            ("NANOS_STORE_STORAGE", "s3://files"),
            ("NANOS_STORE_MAX_UPLOAD_SIZE", "6442450944")
        ])
        .contains("5 GiB"));
    }

    #[test]
    fn defaults_need_no_file_and_no_variables() {
        let settings = resolve_with("", &[]).unwrap();
        assert_eq!(settings.leptos.site_addr.to_string(), DEFAULT_SITE_ADDR);
        assert_eq!(&*settings.leptos.site_root, "target/site");
        assert_eq!(settings.data_dir, PathBuf::from("./data"));
        assert_eq!(
            settings.database_url,
            "sqlite://./data/nanos-store.db?mode=rwc"
        );
        assert_eq!(settings.session_days, 30);
        assert!(!settings.https());
        assert!(settings.trusted_proxies.is_empty());
        assert_eq!(settings.registrations_per_hour, 5);
    }

    #[test]
    fn environment_overrides_the_file() {
        let file = "[leptos]\nsite-addr = \"127.0.0.1:4000\"\n[store]\ndata-dir = \"/srv/a\"\n";
        let settings = resolve_with(file, &[("NANOS_STORE_DATA_DIR", "/srv/b")]).unwrap();
        assert_eq!(settings.leptos.site_addr.port(), 4000);
        assert_eq!(settings.data_dir, PathBuf::from("/srv/b"));
        assert_eq!(
            settings.database_url,
            "sqlite:///srv/b/nanos-store.db?mode=rwc"
        );
        let settings = resolve_with(file, &[("LEPTOS_SITE_ADDR", "0.0.0.0:80")]).unwrap();
        assert_eq!(settings.leptos.site_addr.port(), 80);
    }

    #[test]
    fn a_bad_value_names_the_setting_and_the_value() {
        let error = resolve_with("", &[("LEPTOS_SITE_ADDR", "localhost")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("LEPTOS_SITE_ADDR"), "{error}");
        assert!(error.contains("\"localhost\""), "{error}");

        let error = resolve_with("", &[("DATABASE_URL", "mysql://x")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("DATABASE_URL=\"mysql://x\""), "{error}");

        let error = resolve_with("[store]\nsession-days = 0\n", &[])
            .unwrap_err()
            .to_string();
        assert!(error.contains("NANOS_STORE_SESSION_DAYS"), "{error}");
    }

    #[test]
    fn connection_limits_have_defaults_and_are_checked() {
        let settings = resolve_with("", &[]).unwrap();
        assert_eq!(settings.header_read_timeout, Duration::from_secs(10));
        assert_eq!(settings.idle_timeout, Duration::from_secs(60));
        assert_eq!(settings.upload_stall_timeout, Duration::from_secs(30));
        assert_eq!(settings.request_timeout, Duration::from_secs(60));
        assert_eq!(settings.max_connections, 1024);

        let file = "[store]\nidle-timeout-secs = 5\nmax-connections = 8\n";
        let settings =
            resolve_with(file, &[("NANOS_STORE_HEADER_READ_TIMEOUT_SECS", "3")]).unwrap();
        assert_eq!(settings.header_read_timeout, Duration::from_secs(3));
        assert_eq!(settings.idle_timeout, Duration::from_secs(5));
        assert_eq!(settings.max_connections, 8);

        for (name, value) in [
            ("NANOS_STORE_HEADER_READ_TIMEOUT_SECS", "0"),
            ("NANOS_STORE_IDLE_TIMEOUT_SECS", "soon"),
            ("NANOS_STORE_UPLOAD_STALL_TIMEOUT_SECS", "7200"),
            ("NANOS_STORE_MAX_CONNECTIONS", "0"),
        ] {
            let error = resolve_with("", &[(name, value)]).unwrap_err().to_string();
            assert!(error.contains(name), "{error}");
        }
        let error = resolve_with("[store]\nmax-connections = 0\n", &[])
            .unwrap_err()
            .to_string();
        assert!(error.contains("NANOS_STORE_MAX_CONNECTIONS"), "{error}");
    }

    #[test]
    fn https_public_url_means_secure_cookies() {
        let settings =
            resolve_with("", &[("NANOS_STORE_PUBLIC_URL", "https://store.example")]).unwrap();
        assert!(settings.https());
        assert!(resolve_with("", &[("NANOS_STORE_PUBLIC_URL", "store.example")]).is_err());
    }

    #[test]
    fn trusted_proxies_are_addresses_and_ranges() {
        let file = "[store]\ntrusted-proxies = \"10.0.0.1\"\n";
        let settings = resolve_with(file, &[]).unwrap();
        assert_eq!(settings.trusted_proxies, ["10.0.0.1/32".parse().unwrap()]);

        let settings = resolve_with(
            file,
            &[("NANOS_STORE_TRUSTED_PROXIES", " 192.168.0.0/16, ::1 ,")],
        )
        .unwrap();
        let expected: Vec<ipnet::IpNet> = vec![
            "192.168.0.0/16".parse().unwrap(),
            "::1/128".parse().unwrap(),
        ];
        assert_eq!(settings.trusted_proxies, expected);

        let error = resolve_with("", &[("NANOS_STORE_TRUSTED_PROXIES", "10.0.0.1, proxy")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("NANOS_STORE_TRUSTED_PROXIES"), "{error}");
        assert!(error.contains("\"proxy\""), "{error}");
    }

    #[test]
    fn registrations_per_hour_is_a_positive_number() {
        let settings = resolve_with(
            "[store]\nregistrations-per-hour = 50\n",
            &[("NANOS_STORE_REGISTRATIONS_PER_HOUR", "")],
        )
        .unwrap();
        assert_eq!(settings.registrations_per_hour, 50);
        for bad in ["0", "-1", "many"] {
            let error = resolve_with("", &[("NANOS_STORE_REGISTRATIONS_PER_HOUR", bad)])
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("NANOS_STORE_REGISTRATIONS_PER_HOUR"),
                "{error}"
            );
        }
    }

    #[test]
    fn the_review_policy_is_none_unless_set() {
        assert_eq!(
            resolve_with("", &[]).unwrap().review_policy,
            ReviewPolicy::None
        );
        let from_file = resolve_with("[store]\nreview-policy = \"new-resources\"\n", &[]).unwrap();
        assert_eq!(from_file.review_policy, ReviewPolicy::NewResources);
        let from_env = resolve_with(
            "[store]\nreview-policy = \"new-resources\"\n",
            &[("NANOS_STORE_REVIEW_POLICY", "all-releases")],
        )
        .unwrap();
        assert_eq!(from_env.review_policy, ReviewPolicy::AllReleases);
        let error = resolve_with("", &[("NANOS_STORE_REVIEW_POLICY", "strict")])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("NANOS_STORE_REVIEW_POLICY") && error.contains("all-releases"),
            "{error}"
        );
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        assert!(toml::from_str::<FileSettings>("[store]\ndata_dir = \"x\"\n").is_err());
    }

    /// cargo-leptos builds the site from the workspace metadata in Cargo.toml; the store serves it
    /// with the names in Leptos.toml. They must agree, or `cargo leptos watch` serves a page whose
    /// bundle is not found.
    #[test]
    fn cargo_leptos_metadata_agrees_with_the_shipped_file() {
        let cargo: toml::Value = toml::from_str(include_str!("../Cargo.toml")).unwrap();
        let project = &cargo["workspace"]["metadata"]["leptos"][0];
        let shipped: FileSettings = toml::from_str(include_str!("../Leptos.toml")).unwrap();
        let leptos = shipped.leptos;
        for (key, ours) in [
            ("output-name", leptos.output_name),
            ("site-root", leptos.site_root),
            ("site-pkg-dir", leptos.site_pkg_dir),
            ("site-addr", leptos.site_addr),
        ] {
            assert_eq!(project[key].as_str(), ours.as_deref(), "{key}");
        }
        assert_eq!(
            project["reload-port"].as_integer(),
            Some(i64::from(DEFAULT_RELOAD_PORT))
        );
        assert_eq!(project["style-file"].as_str(), Some("style/main.css"));
        assert!(Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("style/main.css")
            .is_file());
    }

    #[test]
    fn the_reload_port_comes_from_cargo_leptos() {
        let settings = resolve_with("", &[("LEPTOS_RELOAD_PORT", "4001")]).unwrap();
        assert_eq!(settings.leptos.reload_port, 4001);
        assert_eq!(settings.live_reload_port, None);
        let watching = resolve_with(
            "",
            &[("LEPTOS_RELOAD_PORT", "4001"), ("LEPTOS_WATCH", "ON")],
        )
        .unwrap();
        assert_eq!(watching.live_reload_port, Some(4001));
        assert!(resolve_with("", &[("LEPTOS_RELOAD_PORT", "x")]).is_err());
    }

    #[test]
    fn the_bundle_is_hashed_when_the_site_says_so() {
        let site = tempfile::tempdir().unwrap();
        let root = site.path().to_str().unwrap();
        let plain = resolve_with(&format!("[leptos]\nsite-root = {root:?}\n"), &[]).unwrap();
        assert!(!plain.leptos.hash_files, "no hash file: plain names");

        std::fs::write(site.path().join(HASH_FILE_NAME), "js: 0123456789abcdef\n").unwrap();
        let hashed = resolve_with(&format!("[leptos]\nsite-root = {root:?}\n"), &[]).unwrap();
        assert!(hashed.leptos.hash_files);
        // Absolute, so Leptos reads it there rather than beside the server binary.
        assert_eq!(
            Path::new(&*hashed.leptos.hash_file),
            site.path().join(HASH_FILE_NAME)
        );
    }

    #[test]
    fn cargo_leptos_says_when_it_hashed_the_bundle() {
        let settings = resolve_with(
            "",
            &[
                ("LEPTOS_HASH_FILES", "true"),
                ("LEPTOS_HASH_FILE_NAME", "hashes.txt"),
            ],
        )
        .unwrap();
        assert!(settings.leptos.hash_files);
        assert_eq!(&*settings.leptos.hash_file, "hashes.txt");
        let off = resolve_with(
            "[leptos]\nsite-root = \"/nonexistent\"\n",
            &[("LEPTOS_HASH_FILES", "false")],
        )
        .unwrap();
        assert!(!off.leptos.hash_files);
        assert!(resolve_with("", &[("LEPTOS_HASH_FILES", "yes")]).is_err());
    }

    #[test]
    fn the_shipped_file_parses() {
        let text = include_str!("../Leptos.toml");
        let settings = resolve(toml::from_str(text).unwrap(), |_| None).unwrap();
        assert_eq!(&*settings.leptos.output_name, "nanos-store");
    }
}
