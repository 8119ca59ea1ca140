//! Probes for load balancers and orchestrators, outside the versioned API: `GET /healthz` (the
//! process answers) and `GET /readyz` (it can do its work: the database and the release file
//! storage both answer). A store that is not ready answers `503 not-ready`, saying which part does
//! not answer; the details go to the log.

use std::time::Duration;

use axum::extract::State;
use axum::Json;
use serde::Serialize;

use crate::error::AppError;
use crate::state::AppState;

/// How long each part may take to answer before the store counts as not ready.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /healthz`: the process is alive.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The body of a ready store.
#[derive(Debug, Serialize)]
pub struct Ready {
    pub status: &'static str,
}

/// `GET /readyz`: `200 {"status":"ready"}` when the database and the storage answer within
/// [`READY_TIMEOUT`], else `503 not-ready`.
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Ready>, AppError> {
    let database = tokio::time::timeout(READY_TIMEOUT, async {
        let answer = sqlx::query("SELECT 1").execute(&state.pool).await;
        answer.map(|_| ()).map_err(|e| e.to_string())
    });
    let storage = tokio::time::timeout(READY_TIMEOUT, async {
        state.blobs.check().await.map_err(|e| e.to_string())
    });
    let (database, storage) = tokio::join!(database, storage);
    let down: Vec<&str> = [
        ("the database", database),
        ("the release file storage", storage),
    ]
    .into_iter()
    .filter_map(|(part, outcome)| {
        match outcome {
            Ok(Ok(())) => return None,
            Ok(Err(error)) => tracing::warn!(%error, "readiness: {part} does not answer"),
            Err(_) => tracing::warn!("readiness: {part} did not answer in time"),
        }
        Some(part)
    })
    .collect();
    if down.is_empty() {
        Ok(Json(Ready { status: "ready" }))
    } else {
        Err(AppError::Unavailable(format!(
            "Not ready: {} does not answer.",
            down.join(" and ")
        )))
    }
}
