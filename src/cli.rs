//! The `nanos-store` command line.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::accounts::service;
use crate::config::{self, Settings};
use crate::db;
use crate::server::{self, AppState};

/// A self-hostable store for nanos world packages and asset packs.
#[derive(Debug, Parser)]
#[command(name = "nanos-store", version)]
pub struct Cli {
    /// The settings file; environment variables override what it says.
    #[arg(long, global = true, env = "NANOS_STORE_CONFIG", default_value = "Leptos.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
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
}

/// Exit code for bad usage, settings or I/O.
const EXIT_USAGE: u8 = 2;

/// Parses the arguments and runs the command.
pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let settings = match config::load(&cli.config) {
        Ok(settings) => settings,
        Err(e) => return fail(EXIT_USAGE, e),
    };
    match cli.command {
        Command::Serve => match server::serve(settings).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(1, e),
        },
        Command::User {
            command:
                UserCommand::Create {
                    name,
                    password_stdin: _,
                    display_name,
                },
        } => create_user(settings, name, display_name).await,
    }
}

async fn create_user(settings: Settings, name: String, display_name: Option<String>) -> ExitCode {
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        return fail(EXIT_USAGE, format!("cannot read the password from standard input: {e}"));
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

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
