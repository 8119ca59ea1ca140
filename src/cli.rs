//! The `nanos-store` command line.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::access::Staff;
use crate::accounts::service;
use crate::bench_seed;
use crate::config::{self, Settings};
use crate::db;
use crate::moderation::service as moderation;
use crate::moderation::SiteRole;
use crate::server;
use crate::state::AppState;
use crate::tokens::service::{Expiry, NewToken};
use crate::tokens::{self, Scope};
use crate::validate::source::FileSource;
use crate::validate::{self, Mode, Options, Report, Severity};

/// A self-hostable store for nanos world packages and asset packs.
#[derive(Debug, Parser)]
#[command(name = "nanos-store", version)]
pub struct Cli {
    /// The settings file; environment variables override what it says.
    #[arg(
        long,
        global = true,
        env = "NANOS_STORE_CONFIG",
        default_value = "Leptos.toml"
    )]
    config: PathBuf,
    /// What to do; without one, the store runs (as `serve`), which is how `cargo leptos watch`
    /// starts it.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the store.
    Serve,
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Manage the release file storage.
    Storage {
        #[command(subcommand)]
        command: StorageCommand,
    },
    /// Fill an empty database with a generated catalogue, for measuring (scripts/bench-listings).
    #[command(hide = true)]
    BenchSeed {
        /// How many resources.
        #[arg(long, default_value_t = 100_000)]
        resources: u32,
        /// How many teams they belong to.
        #[arg(long, default_value_t = 5_000)]
        teams: u32,
    },
    /// Write a file into the blob store as an upload does, and delete it: the storage's own speed,
    /// the baseline of an upload's (scripts/measure-upload).
    #[command(hide = true)]
    BenchS3Copy {
        /// The file to write.
        file: PathBuf,
    },
    /// Save a token for the client commands (checked with the store first), like `cargo login`.
    Login(crate::client::login::LoginArgs),
    /// Install packages and asset packs into a game server's folder, with their requirements
    /// (what its Config.toml names when no name is given), and record them in nanos-store.lock.
    Install(crate::client::install::InstallArgs),
    /// Like install, but move every resource to its newest release on the channel.
    Update(crate::client::install::InstallArgs),
    /// Zip a package's or asset pack's folder, check it as the store would, and upload it as a
    /// release.
    Publish(crate::client::publish::PublishArgs),
    /// Check a release zip the way the store does (full mode). Exit status: 0 valid, 1 invalid,
    /// 2 usage or I/O error.
    Validate {
        /// The zip to check.
        zip: PathBuf,
        /// What the zip must be; defaults to what its manifest says.
        #[arg(long, value_parser = ["package", "asset-pack"])]
        kind: Option<String>,
        /// The version the manifest must have (X.Y.Z).
        #[arg(long)]
        version: Option<String>,
        /// Print one JSON object instead of a readable report.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account, for scripted set-up.
    Create {
        /// The username (lowercase letters, digits and '-').
        name: String,
        /// Read the password from standard input (its first line).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// The name other people see; defaults to the username.
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Give a user a site role: moderator (reports, reviews, takedowns, suspensions) or admin
    /// (also grants roles). Logged in the moderation log as done from the command line.
    Grant {
        /// The username.
        name: String,
        /// The role.
        #[arg(value_parser = ["moderator", "admin"])]
        role: String,
    },
    /// Take a user's site role away.
    Revoke {
        /// The username.
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum StorageCommand {
    /// Delete what interrupted uploads left: temporary files no running upload holds, and (object
    /// storage) temporary objects and unfinished multipart uploads older than `--older-than`. The
    /// store does this at start-up with the default age.
    Sweep {
        /// Seconds after which an object-storage upload counts as abandoned; lower it only when no
        /// upload is running on any instance.
        #[arg(long, default_value_t = crate::storage::STALE_TEMP_AGE.as_secs())]
        older_than: u64,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a token for a user and print it, for scripted set-up and tests.
    Create {
        /// The user the token acts for.
        user: String,
        /// A label only the user sees.
        #[arg(long)]
        label: String,
        /// Lifetime in days (1 to 730).
        #[arg(long, default_value_t = 90)]
        expires_in_days: i64,
        /// Comma-separated scopes: download, publish, manage.
        #[arg(long, default_value = "download,publish,manage")]
        scopes: String,
    },
}

/// Exit code for bad usage, settings or I/O.
const EXIT_USAGE: u8 = 2;

/// Parses the arguments and runs the command.
pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    if let Err(message) = init_tracing() {
        return fail(EXIT_USAGE, message);
    }
    let settings = || config::load(&cli.config);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => match settings() {
            Ok(settings) => match server::serve(settings).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(1, e),
            },
            Err(e) => fail(EXIT_USAGE, e),
        },
        Command::User {
            command:
                UserCommand::Create {
                    ref name,
                    password_stdin: _,
                    ref display_name,
                },
        } => match settings() {
            Ok(settings) => create_user(settings, name.clone(), display_name.clone()).await,
            Err(e) => fail(EXIT_USAGE, e),
        },
        Command::User {
            command: UserCommand::Grant { ref name, ref role },
        } => {
            let role = match SiteRole::parse(role) {
                Ok(role) => role,
                Err(e) => return fail(EXIT_USAGE, e),
            };
            match settings() {
                Ok(settings) => {
                    let outcome = with_store(settings, |pool| async move {
                        moderation::grant(&pool, &Staff::operator(), name, role, db::now()).await
                    });
                    match outcome.await {
                        Ok(()) => {
                            println!("{name} is now {} {}", article(role), role.as_str());
                            ExitCode::SUCCESS
                        }
                        Err(e) => fail(1, e),
                    }
                }
                Err(e) => fail(EXIT_USAGE, e),
            }
        }
        Command::User {
            command: UserCommand::Revoke { ref name },
        } => match settings() {
            Ok(settings) => {
                let outcome = with_store(settings, |pool| async move {
                    moderation::revoke(&pool, &Staff::operator(), name, db::now()).await
                });
                match outcome.await {
                    Ok(true) => {
                        println!("{name} has no site role any more");
                        ExitCode::SUCCESS
                    }
                    Ok(false) => {
                        println!("{name} had no site role");
                        ExitCode::SUCCESS
                    }
                    Err(e) => fail(1, e),
                }
            }
            Err(e) => fail(EXIT_USAGE, e),
        },
        Command::Token {
            command:
                TokenCommand::Create {
                    ref user,
                    ref label,
                    expires_in_days,
                    ref scopes,
                },
        } => {
            let scopes = match Scope::parse_list(scopes) {
                Ok(scopes) => scopes,
                Err(e) => return fail(EXIT_USAGE, e),
            };
            match settings() {
                Ok(settings) => {
                    let new = NewToken {
                        label: label.clone(),
                        expiry: Expiry::Days(expires_in_days),
                        scopes,
                        team: None,
                    };
                    create_token(settings, user, new).await
                }
                Err(e) => fail(EXIT_USAGE, e),
            }
        }
        Command::BenchSeed { resources, teams } => match settings() {
            Ok(settings) => match AppState::open(settings).await {
                Ok(state) => match bench_seed::seed(&state.pool, resources, teams).await {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => fail(1, e),
                },
                Err(e) => fail(1, e),
            },
            Err(e) => fail(EXIT_USAGE, e),
        },
        Command::Storage {
            command: StorageCommand::Sweep { older_than },
        } => match settings() {
            Ok(settings) => match sweep_storage(settings, older_than).await {
                Ok(removed) => {
                    println!("removed {removed} left by interrupted uploads");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(1, e),
            },
            Err(e) => fail(EXIT_USAGE, e),
        },
        Command::BenchS3Copy { ref file } => match settings() {
            Ok(settings) => match copy_into_storage(settings, file).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(1, e),
            },
            Err(e) => fail(EXIT_USAGE, e),
        },
        Command::Validate {
            ref zip,
            ref kind,
            ref version,
            json,
        } => validate_zip(zip, kind.as_deref(), version.clone(), json),
        Command::Login(args) => crate::client::login::run(args).await,
        Command::Publish(args) => crate::client::publish::run(args).await,
        Command::Install(args) => crate::client::install::run(args, false).await,
        Command::Update(args) => crate::client::install::run(args, true).await,
    }
}

/// Opens the store of `settings` and runs `action` on its database.
async fn with_store<T, F, Fut>(settings: Settings, action: F) -> Result<T, String>
where
    F: FnOnce(db::Pool) -> Fut,
    Fut: std::future::Future<Output = Result<T, crate::error::AppError>>,
{
    let state = AppState::open(settings).await.map_err(|e| e.to_string())?;
    action(state.pool.clone()).await.map_err(|e| e.to_string())
}

/// "a" or "an", before a site role's name.
fn article(role: SiteRole) -> &'static str {
    match role {
        SiteRole::Admin => "an",
        SiteRole::Moderator => "a",
    }
}

/// Sweeps the settings' blob store, counting object-storage uploads older than `older_than`
/// seconds as abandoned.
async fn sweep_storage(settings: Settings, older_than: u64) -> Result<usize, String> {
    let blobs = crate::storage::BlobStore::open_without_sweep(&settings.storage).map_err(|e| {
        format!(
            "cannot open {:?} (NANOS_STORE_STORAGE): {e}",
            settings.storage
        )
    })?;
    blobs
        .sweep_temp_older_than(std::time::Duration::from_secs(older_than))
        .await
        .map_err(|e| e.to_string())
}

/// Writes `file` into the settings' blob store in 1 MiB pieces, as an upload does, and deletes it.
async fn copy_into_storage(settings: Settings, file: &Path) -> Result<(), String> {
    use tokio::io::AsyncReadExt;
    let blobs = crate::storage::BlobStore::open(&settings.storage)
        .await
        .map_err(|e| e.to_string())?;
    let mut source = tokio::fs::File::open(file)
        .await
        .map_err(|e| format!("{}: {e}", file.display()))?;
    let mut temp = blobs.create_temp().await.map_err(|e| e.to_string())?;
    let mut buffer = vec![0; 1024 * 1024];
    loop {
        let read = source.read(&mut buffer).await.map_err(|e| e.to_string())?;
        if read == 0 {
            break;
        }
        temp.write(&buffer[..read])
            .await
            .map_err(|e| e.to_string())?;
    }
    temp.finish()
        .await
        .map_err(|e| e.to_string())?
        .discard()
        .await;
    Ok(())
}

async fn create_token(settings: Settings, username: &str, new: NewToken) -> ExitCode {
    let state = match AppState::open(settings).await {
        Ok(state) => state,
        Err(e) => return fail(1, e),
    };
    let user_id: Option<(String,)> =
        match sqlx::query_as("SELECT id FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&state.pool)
            .await
        {
            Ok(row) => row,
            Err(e) => return fail(1, e),
        };
    let Some((user_id,)) = user_id else {
        return fail(1, format!("no user named {username:?}"));
    };
    match tokens::service::create(&state.pool, &user_id, new, db::now()).await {
        Ok(created) => {
            println!("{}", created.token);
            ExitCode::SUCCESS
        }
        Err(e) => fail(1, e),
    }
}

fn validate_zip(path: &Path, kind: Option<&str>, version: Option<String>, json: bool) -> ExitCode {
    let source = match FileSource::open(path) {
        Ok(source) => source,
        Err(e) => return fail(EXIT_USAGE, format!("cannot open {}: {e}", path.display())),
    };
    let options = Options {
        mode: Mode::Full,
        expected_kind: kind.and_then(|k| k.parse().ok()),
        expected_version: version,
        ..Options::default()
    };
    let report = match validate::source::block_on(validate::validate(&source, &options)) {
        Ok(report) => report,
        Err(e) => return fail(EXIT_USAGE, format!("cannot read {}: {e}", path.display())),
    };
    if json {
        match serde_json::to_string(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => return fail(EXIT_USAGE, e),
        }
    } else {
        print!("{}", readable_report(&path.display().to_string(), &report));
    }
    if report.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The report as people read it in a terminal.
fn readable_report(name: &str, report: &Report) -> String {
    let count = |severity| {
        report
            .diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    };
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    let mut out = if report.valid {
        format!("OK   {name} is valid ({})\n", plural(warnings, "warning"))
    } else {
        format!(
            "FAIL {name} is not valid: {}, {}\n",
            plural(errors, "error"),
            plural(warnings, "warning")
        )
    };
    if let Some(m) = &report.manifest {
        out.push_str(&format!(
            "     {} {:?} {} by {}{}\n",
            m.kind.as_str(),
            m.title.as_deref().unwrap_or("(no title)"),
            m.version.as_deref().unwrap_or("(no version)"),
            m.author.as_deref().unwrap_or("(no author)"),
            m.package_type
                .map(|t| format!(" ({})", t.as_str()))
                .unwrap_or_default()
        ));
    }
    for d in &report.diagnostics {
        let severity = match d.severity {
            Severity::Error => "error  ",
            Severity::Warning => "warning",
        };
        let path = d
            .path
            .as_deref()
            .map(|p| format!("{p}: "))
            .unwrap_or_default();
        out.push_str(&format!("{severity} [{}] {path}{}\n", d.code, d.message));
    }
    out
}

async fn create_user(settings: Settings, name: String, display_name: Option<String>) -> ExitCode {
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        return fail(
            EXIT_USAGE,
            format!("cannot read the password from standard input: {e}"),
        );
    }
    let password = input.lines().next().unwrap_or_default().to_string();
    let state = match AppState::open(settings).await {
        Ok(state) => state,
        Err(e) => return fail(1, e),
    };
    let registration = service::Registration {
        display_name: display_name.unwrap_or_else(|| name.clone()),
        username: name,
        password,
    };
    match service::register(&state.pool, registration, db::now()).await {
        Ok(user) => {
            println!("created user {}", user.username);
            ExitCode::SUCCESS
        }
        Err(e) => fail(1, e),
    }
}

fn fail(code: u8, error: impl std::fmt::Display) -> ExitCode {
    eprintln!("nanos-store: {error}");
    ExitCode::from(code)
}

/// Logs to stderr, as text or, with `NANOS_STORE_LOG_FORMAT=json`, one JSON object per line (with
/// the request's id and span fields on each line logged while a request is handled). Read before
/// the settings, so that their own errors are logged in the chosen format.
fn init_tracing() -> Result<(), String> {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match std::env::var("NANOS_STORE_LOG_FORMAT").as_deref() {
        Ok("json") => {
            let _ = logs
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .try_init();
        }
        Ok("text") | Ok("") | Err(_) => {
            let _ = logs.try_init();
        }
        Ok(other) => {
            return Err(format!(
                "invalid setting NANOS_STORE_LOG_FORMAT={other:?}: expected text or json"
            ))
        }
    }
    Ok(())
}
