//! `nanos-store login`: checks a token with the store and saves it for the other client commands,
//! like `cargo login`.

use std::io::BufRead;
use std::process::ExitCode;

use serde::Deserialize;

use super::credentials::{Credentials, SavedStore};
use super::{normalise_store, ClientError, Remote, RemoteArgs};

/// What `login` is asked to do.
#[derive(Debug, Clone, clap::Args)]
pub struct LoginArgs {
    /// The token; read from the first line of standard input when not given (so it stays out of
    /// the shell's history).
    #[arg(value_name = "TOKEN")]
    pub given_token: Option<String>,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// Runs `login`.
pub async fn run(args: LoginArgs) -> ExitCode {
    let json = args.remote.json;
    match login(args).await {
        Ok((store, username, path)) => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({"store": store, "username": username, "saved_in": path})
                );
            } else {
                println!(
                    "Logged in to {store} as {username}; the token is saved in {path} (readable by you only)."
                );
            }
            ExitCode::SUCCESS
        }
        Err(error) => error.report(json),
    }
}

async fn login(args: LoginArgs) -> Result<(String, String, String), ClientError> {
    let token = match args.given_token.or(args.remote.token.clone()) {
        Some(token) => token,
        None => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| ClientError::new(format!("cannot read the token: {e}")))?;
            line
        }
    };
    let token = token.trim().to_string();
    if token.is_empty() {
        return Err(ClientError::new(
            "No token given: pass it, or type it on standard input. Create one in Settings → Tokens.",
        ));
    }
    let mut saved = Credentials::load()?;
    let store = match args.remote.store.as_deref() {
        Some(store) => normalise_store(store)?,
        None => saved.default_store.clone().ok_or_else(|| {
            ClientError::new("No store given: pass --store URL or set NANOS_STORE_URL.")
        })?,
    };
    let remote = Remote {
        store: store.clone(),
        token: Some(token.clone()),
        http: super::http_client()?,
    };
    let username = whoami(&remote).await?;
    saved.default_store = Some(store.clone());
    saved.stores.insert(store.clone(), SavedStore { token });
    let path = saved.save()?;
    Ok((store, username, path.display().to_string()))
}

/// The username the remote's token acts for (`GET /store/v1/user/me`).
pub async fn whoami(remote: &Remote) -> Result<String, ClientError> {
    #[derive(Deserialize)]
    struct Me {
        username: String,
    }
    let me: Me = remote.get_json("/store/v1/user/me").await?;
    Ok(me.username)
}
