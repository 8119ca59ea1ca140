//! Server functions behind Settings → Tokens, at stable URLs under `/api/tokens/`.

use leptos::prelude::*;

use super::{CreatedToken, TokenInfo};
use crate::error::ErrorBody;

/// The signed-in user's active tokens.
#[server(prefix = "/api/tokens", endpoint = "list")]
pub async fn list_tokens() -> Result<Vec<TokenInfo>, ErrorBody> {
    use crate::{accounts::session, db, server::state, tokens::service};
    let state = state()?;
    let user = session::require_user(&state).await?;
    Ok(service::list(&state.pool, &user.id, db::now()).await?)
}

/// Creates a token. `expiry` is a number of days, or `date` with `expires_on` as `YYYY-MM-DD`;
/// each scope is on when its field is present (checkboxes); `team` restricts it to one team.
#[server(prefix = "/api/tokens", endpoint = "create")]
pub async fn create_token(
    label: String,
    expiry: String,
    #[server(default)] expires_on: Option<String>,
    #[server(default)] download: Option<String>,
    #[server(default)] publish: Option<String>,
    #[server(default)] manage: Option<String>,
    #[server(default)] team: Option<String>,
) -> Result<CreatedToken, ErrorBody> {
    use crate::error::AppError;
    use crate::tokens::service::{self, Expiry, NewToken};
    use crate::tokens::Scope;
    use crate::{accounts::session, db, server::state};
    let state = state()?;
    let user = session::require_user(&state).await?;
    let expiry = match expiry.as_str() {
        "date" => Expiry::Date(expires_on.unwrap_or_default()),
        days => Expiry::Days(days.parse().map_err(|_| {
            ErrorBody::from(AppError::field(
                "invalid-expiry",
                "expiry",
                "Pick when the token expires.",
            ))
        })?),
    };
    let scopes = [
        (download, Scope::Download),
        (publish, Scope::Publish),
        (manage, Scope::Manage),
    ]
    .into_iter()
    .filter_map(|(on, scope)| on.map(|_| scope))
    .collect();
    let new = NewToken {
        label: label.clone(),
        expiry,
        scopes,
        team,
    };
    let created = service::create(&state.pool, &user.id, new, db::now()).await;
    crate::ui::forms::keep_on_error(
        <CreateToken as leptos::server_fn::ServerFn>::PATH,
        &[("label", &label)],
        created,
    )
}

/// Revokes one of the signed-in user's tokens.
#[server(prefix = "/api/tokens", endpoint = "revoke")]
pub async fn revoke_token(id: String) -> Result<(), ErrorBody> {
    use crate::{accounts::session, db, server::state, tokens::service};
    let state = state()?;
    let user = session::require_user(&state).await?;
    Ok(service::revoke(&state.pool, &user.id, &id, db::now()).await?)
}
