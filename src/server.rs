//! The HTTP server: shared state, the router, and start-up.

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};

use axum::extract::FromRef;
use axum::routing::get;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};

use crate::app::{shell, App};
use crate::config::Settings;
use crate::connections::{serve_on, ConnectionLimits};
use crate::db::{self, Pool};
use crate::storage::BlobStore;

/// What every handler and server function can reach.
#[derive(Clone)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub pool: Pool,
    pub blobs: BlobStore,
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
        let blobs = BlobStore::open(&settings.data_dir).map_err(|e| StartError::DataDir {
            path: settings.data_dir.display().to_string(),
            reason: e.to_string(),
        })?;
        Ok(AppState {
            leptos: settings.leptos.clone(),
            pool,
            blobs,
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

/// The app's page routes, generated once per process and shared by every router.
///
/// Generating them renders the app once with resource loading switched off, and Leptos switches
/// it off for the whole process (leptos_server's `SuppressResourceLoad` is a global flag): a
/// resource that first polls in another render at that moment waits forever, and so does that
/// render (leptos-rs/leptos#4773). Generated once, before any router exists, no render can meet
/// it; this is what hung tests whose stores (each with its own router) ran at once.
fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));
    ROUTES.clone()
}

/// The whole application: pages, server functions, static files and security headers.
pub fn router(state: AppState) -> Router {
    let routes = page_routes();
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .nest("/store/v1", crate::api::router())
        .route("/media/{file}", get(crate::api::media::serve_media))
        .merge(
            utoipa_swagger_ui::SwaggerUi::new("/store/docs")
                .config(utoipa_swagger_ui::Config::from("/store/v1/openapi.json")),
        )
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let state = state.clone();
                move || page_context(&state)
            },
            {
                let options = state.leptos.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(
            {
                let state = state.clone();
                move || page_context(&state)
            },
            shell,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::security::protect,
        ))
        .with_state(state)
}

/// What every page render and server function gets: the state, and the page's security policy.
fn page_context(state: &AppState) {
    leptos::prelude::provide_context(state.clone());
    crate::security::provide_page_policy();
}

/// Opens the store and serves it until the process gets Ctrl-C or SIGTERM; requests in flight
/// then get up to [`crate::connections::SHUTDOWN_GRACE`] to finish.
pub async fn serve(settings: Settings) -> Result<(), StartError> {
    let addr = settings.leptos.site_addr;
    let limits = ConnectionLimits::from_settings(&settings);
    let state = AppState::open(settings).await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| StartError::Listen {
            addr,
            reason: e.to_string(),
        })?;
    tracing::info!("nanos-store listening on http://{addr}");
    serve_on(listener, router(state), limits, stop_signal()).await;
    tracing::info!("nanos-store stopped");
    Ok(())
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM. A signal that cannot be watched is logged and ignored.
async fn stop_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot watch for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot watch for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("stopping: no new connections; finishing requests in flight");
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
