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
        sqlx::query("SELECT 1")
            .execute(&state.pool)
            .await
            .map(|_| ())
    });
    let storage = tokio::time::timeout(READY_TIMEOUT, state.blobs.check());
    let (database, storage) = tokio::join!(database, storage);
    let mut down = Vec::new();
    match database {
        Ok(Ok(())) => {}
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: the database does not answer");
            down.push("the database");
        }
        Err(_) => {
            tracing::warn!("readiness: the database did not answer in time");
            down.push("the database");
        }
    }
    match storage {
        Ok(Ok(())) => {}
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: the release file storage does not answer");
            down.push("the release file storage");
        }
        Err(_) => {
            tracing::warn!("readiness: the release file storage did not answer in time");
            down.push("the release file storage");
        }
    }
    if down.is_empty() {
        Ok(Json(Ready { status: "ready" }))
    } else {
        Err(AppError::Unavailable(format!(
            "Not ready: {} does not answer.",
            down.join(" and ")
        )))
    }
}
