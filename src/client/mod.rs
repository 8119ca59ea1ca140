//! The client commands of the `nanos-store` binary (`login`, `publish`): the same program that
//! runs a store talks to any store over its HTTP API, for authors and CI.
//!
//! A command finds its store and token once ([`Remote::resolve`]) and reports every failure as one
//! sentence ([`ClientError`]), never a stack trace; `--json` prints one JSON object for scripts.

pub mod credentials;
pub mod install;
pub mod login;
pub mod publish;

use std::fmt;

use serde::Deserialize;

/// The upload size the client's checks assume (1 TiB, more than any store takes). The size limit
/// is each store's own setting, which a client does not know: the store answers `413` with its
/// limit when a zip is over it, and every other check gives the store's verdict.
pub const CLIENT_SIZE_LIMIT: u64 = 1 << 40;

/// The store and the token a client command uses, from its flags and environment (`--store` /
/// `NANOS_STORE_URL`, `--token` / `NANOS_STORE_TOKEN`), else from `nanos-store login`.
#[derive(Debug, Clone, clap::Args)]
pub struct RemoteArgs {
    /// The store's address, such as https://store.example.com (default: the one `login` saved).
    #[arg(long, env = "NANOS_STORE_URL")]
    pub store: Option<String>,
    /// An API token (default: the one `login` saved for the store).
    #[arg(long, env = "NANOS_STORE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Print one JSON object instead of readable lines.
    #[arg(long)]
    pub json: bool,
}

/// A store to talk to: its address (no trailing `/`), a token when there is one, and the HTTP
/// client.
#[derive(Debug, Clone)]
pub struct Remote {
    pub store: String,
    pub token: Option<String>,
    pub http: reqwest::Client,
}

impl Remote {
    /// The store from `--store` / `NANOS_STORE_URL` or the saved default, and the token from
    /// `--token` / `NANOS_STORE_TOKEN` or the one saved for that store.
    pub fn resolve(args: &RemoteArgs) -> Result<Remote, ClientError> {
        let saved = credentials::Credentials::load()?;
        let store = match args.store.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(store) => normalise_store(store)?,
            None => saved.default_store.clone().ok_or_else(|| {
                ClientError::new(
                    "No store given: pass --store URL, set NANOS_STORE_URL, or run \
                     `nanos-store login --store URL` once.",
                )
            })?,
        };
        let token = args
            .token
            .clone()
            .filter(|t| !t.trim().is_empty())
            .map(|t| t.trim().to_string())
            .or_else(|| saved.token_for(&store).map(str::to_string));
        Ok(Remote {
            store,
            token,
            http: http_client()?,
        })
    }

    /// The address of an API path (`/store/v1/…`) or page path on this store.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.store)
    }

    /// The token, or an error saying how to give one for `what`.
    pub fn require_token(&self, what: &str) -> Result<&str, ClientError> {
        self.token.as_deref().ok_or_else(|| {
            ClientError::new(format!(
                "{what} needs a token: pass --token, set NANOS_STORE_TOKEN, or run \
                 `nanos-store login --store {}`.",
                self.store
            ))
        })
    }

    /// The `Authorization` header's value for this remote's token, if any.
    pub fn authorization(&self) -> Option<String> {
        self.token.as_ref().map(|t| format!("Token {t}"))
    }

    /// A GET of `path` on this store, with the token when there is one.
    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        let request = self.http.get(self.url(path));
        match self.authorization() {
            Some(authorization) => request.header(reqwest::header::AUTHORIZATION, authorization),
            None => request,
        }
    }

    /// The JSON answer of `GET path`, or the store's error.
    pub async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<T, ClientError> {
        let response = self
            .get(path)
            .send()
            .await
            .map_err(|e| ClientError::unreachable(&self.store, &e))?;
        if !response.status().is_success() {
            return Err(ClientError::from_response(response).await);
        }
        let url = response.url().clone();
        response.json().await.map_err(|_| {
            ClientError::new(format!(
                "{url} did not answer as a nanos store does: is the address right?"
            ))
        })
    }
}

/// The HTTP client of every command: a user agent naming this program, and a time limit on
/// connecting (a transfer itself may take as long as it needs).
pub fn http_client() -> Result<reqwest::Client, ClientError> {
    reqwest::Client::builder()
        .user_agent(concat!("nanos-store/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(std::time::Duration::from_secs(15))
        .build()
        .map_err(|e| ClientError::new(format!("cannot set up HTTP: {}", chain(&e))))
}

/// A store's address as typed, checked and without a trailing `/`: `http` or `https`, a host, no
/// query.
pub fn normalise_store(address: &str) -> Result<String, ClientError> {
    let invalid = |why: &str| {
        ClientError::new(format!(
            "{address:?} is not a store address ({why}): give one such as https://store.example.com."
        ))
    };
    let url = url::Url::parse(address.trim()).map_err(|_| invalid("not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("it must start with https:// or http://"));
    }
    if url.host_str().is_none() || url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "it must be a host and perhaps a path, nothing more",
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// A failed client command: one sentence for people, the store's error code when it gave one,
/// and lines of detail (a refused zip's diagnostics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientError {
    pub message: String,
    pub code: Option<String>,
    pub details: Vec<String>,
}

impl ClientError {
    pub fn new(message: impl Into<String>) -> ClientError {
        ClientError {
            message: message.into(),
            code: None,
            details: Vec::new(),
        }
    }

    /// A request that got no answer from `store`.
    pub fn unreachable(store: &str, error: &reqwest::Error) -> ClientError {
        ClientError::new(format!("Cannot reach {store}: {}.", chain(error)))
    }

    /// The error a store answered with: its `{ "error", "message" }` body (and `diagnostics`),
    /// or the status when the body is not the store's.
    pub async fn from_response(response: reqwest::Response) -> ClientError {
        #[derive(Deserialize)]
        struct Body {
            error: String,
            message: String,
            #[serde(default)]
            diagnostics: Vec<crate::validate::Diagnostic>,
        }
        let status = response.status();
        let url = response.url().clone();
        match response.json::<Body>().await {
            Ok(body) => ClientError {
                message: body.message,
                code: Some(body.error),
                details: body.diagnostics.iter().map(diagnostic_line).collect(),
            },
            Err(_) => ClientError::new(format!(
                "{url} answered {status}, which is not a nanos store's answer: is the address right?"
            )),
        }
    }

    /// Prints the error (to stderr, or as JSON to stdout) and gives the exit code 1.
    pub fn report(&self, json: bool) -> std::process::ExitCode {
        if json {
            println!(
                "{}",
                serde_json::json!({
                    "error": self.code.as_deref().unwrap_or("client-error"),
                    "message": self.message,
                    "details": self.details,
                })
            );
        } else {
            eprintln!("error: {}", self.message);
            for line in &self.details {
                eprintln!("  {line}");
            }
        }
        std::process::ExitCode::from(1)
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<std::io::Error> for ClientError {
    fn from(error: std::io::Error) -> ClientError {
        ClientError::new(error.to_string())
    }
}

/// A validator diagnostic as one line: severity, code, path and message.
pub fn diagnostic_line(d: &crate::validate::Diagnostic) -> String {
    let severity = match d.severity {
        crate::validate::Severity::Error => "error",
        crate::validate::Severity::Warning => "warning",
    };
    let path = d
        .path
        .as_deref()
        .map(|p| format!("{p}: "))
        .unwrap_or_default();
    format!("{severity} [{}] {path}{}", d.code, d.message)
}

/// An error and its causes, joined by `: ` (reqwest's own text leaves out why a connection
/// failed).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_addresses_are_checked_and_normalised() {
        assert_eq!(
            normalise_store("https://store.example.com/").unwrap(),
            "https://store.example.com"
        );
        assert_eq!(
            normalise_store(" http://127.0.0.1:3000 ").unwrap(),
            "http://127.0.0.1:3000"
        );
        assert_eq!(
            normalise_store("https://example.com/store/").unwrap(),
            "https://example.com/store"
        );
        for bad in [
            "store.example.com",
            "ftp://x",
            "https://x?a=1",
            "",
            "https://",
        ] {
            assert!(normalise_store(bad).is_err(), "{bad}");
        }
    }
}
