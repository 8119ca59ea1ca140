//! The application's shared state: what every handler, server function and page render reaches,
//! and how it is opened at start-up. Imports no domain, so every layer above can use it.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::config::{Settings, Storage};
use crate::db::{self, Pool};
use crate::download_counts::DownloadCounts;
use crate::storage::BlobStore;

/// What every handler and server function can reach.
#[derive(Clone)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub pool: Pool,
    pub blobs: BlobStore,
    /// Downloads noted and not yet written to the database.
    pub downloads: DownloadCounts,
    pub settings: Arc<Settings>,
    /// Markdown previews rendering at once (one: previews are open to everyone).
    pub previewer: Arc<tokio::sync::Semaphore>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

/// The shared state inside a server function or a page render (provided by the router).
pub fn state() -> Result<AppState, crate::error::AppError> {
    leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| crate::error::AppError::Internal("application state missing".into()))
}

impl AppState {
    /// Creates the data dir, opens the database and runs the migrations.
    pub async fn open(settings: Settings) -> Result<AppState, StartError> {
        std::fs::create_dir_all(&settings.data_dir).map_err(|e| StartError::DataDir {
            path: settings.data_dir.display().to_string(),
            reason: e.to_string(),
        })?;
        let pool = db::connect(&settings.database_url)
            .await
            .map_err(|e| StartError::Database {
                url: redact_password(&settings.database_url),
                reason: e.to_string(),
            })?;
        let blobs = BlobStore::open(&settings.storage)
            .await
            .map_err(|e| StartError::Storage {
                storage: match &settings.storage {
                    Storage::Local(dir) => dir.display().to_string(),
                    Storage::S3(s3) => s3.to_string(),
                },
                reason: e.to_string(),
            })?;
        Ok(AppState {
            leptos: settings.leptos.clone(),
            pool,
            blobs,
            downloads: DownloadCounts::new(settings.download_count_window),
            settings: Arc::new(settings),
            previewer: Arc::new(tokio::sync::Semaphore::new(1)),
        })
    }
}

/// Why the store could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create the data dir {path} (NANOS_STORE_DATA_DIR): {reason}")]
    DataDir { path: String, reason: String },
    #[error("cannot open the release file storage {storage} (NANOS_STORE_STORAGE): {reason}")]
    Storage { storage: String, reason: String },
    #[error("cannot open the database {url} (DATABASE_URL): {reason}")]
    Database { url: String, reason: String },
    #[error("cannot listen on {addr} (LEPTOS_SITE_ADDR): {reason}")]
    Listen { addr: SocketAddr, reason: String },
}

/// A database URL fit for logs: any password replaced by `***`.
fn redact_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted_from_database_urls() {
        assert_eq!(
            super::redact_password("postgres://store:hunter2@db:5432/store"),
            "postgres://store:***@db:5432/store"
        );
        assert_eq!(
            super::redact_password("postgres://postgres@127.0.0.1/x"),
            "postgres://postgres@127.0.0.1/x"
        );
    }
}
