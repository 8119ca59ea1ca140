//! The HTTP server: the router and start-up (the shared state is in [`crate::state`]).

use std::sync::LazyLock;

use axum::routing::get;
use axum::Router;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};

use crate::app::{shell, App};
use crate::config::Settings;
use crate::connections::{serve_on, ConnectionLimits};
use crate::state::{AppState, StartError};

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

/// The whole application: pages, server functions, the browser bundle, static files and security
/// headers.
pub fn router(state: AppState) -> Router {
    crate::observability::install();
    let routes = page_routes();
    let public_files = crate::bundle::PUBLIC_FILES
        .iter()
        .fold(Router::new(), |files, name| {
            files.nest_service(
                &format!("/{name}"),
                crate::bundle::public_file(&state.leptos, name),
            )
        });
    Router::new()
        .route("/healthz", get(crate::api::health::healthz))
        .route("/readyz", get(crate::api::health::readyz))
        .route("/metrics", get(crate::observability::metrics_endpoint))
        .merge(public_files)
        .nest("/store/v1", crate::api::router())
        .route("/media/{file}", get(crate::api::media::serve_media))
        .nest_service(
            &format!("/{}", state.leptos.site_pkg_dir),
            crate::bundle::service(&state.leptos),
        )
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
        .route_layer(axum::middleware::from_fn(crate::observability::label_route))
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
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::observability::track,
        ))
        .with_state(state)
}

/// What every page render and server function gets: the state, and the page's security policy.
fn page_context(state: &AppState) {
    leptos::prelude::provide_context(state.clone());
    crate::security::provide_page_policy(state.settings.live_reload_port);
}

/// How often a running store sweeps what interrupted uploads left (it also does at start-up).
const SWEEP_PERIOD: std::time::Duration = std::time::Duration::from_secs(3600);

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
    let (stop_counting, stopped) = tokio::sync::oneshot::channel::<()>();
    let counting = tokio::spawn({
        let (downloads, pool) = (state.downloads.clone(), state.pool.clone());
        async move {
            downloads
                .run(pool, async {
                    let _ = stopped.await;
                })
                .await;
        }
    });
    let (stop_sweeping, sweeping_stopped) = tokio::sync::oneshot::channel::<()>();
    let sweeping = tokio::spawn({
        let blobs = state.blobs.clone();
        async move {
            blobs
                .sweep_every(SWEEP_PERIOD, crate::storage::STALE_TEMP_AGE, async {
                    let _ = sweeping_stopped.await;
                })
                .await;
        }
    });
    let upkeep = tokio::spawn(crate::observability::upkeep());
    serve_on(listener, router(state), limits, stop_signal()).await;
    upkeep.abort();
    let _ = stop_sweeping.send(());
    let _ = sweeping.await;
    // The last downloads are written before the process ends.
    let _ = stop_counting.send(());
    if let Err(error) = counting.await {
        tracing::warn!(%error, "download counting stopped abnormally");
    }
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
