//! Server functions behind Settings → Tokens, at stable URLs under `/api/tokens/`.

use leptos::prelude::*;

use super::{CreatedToken, TokenInfo};
use crate::error::ErrorBody;

/// The signed-in user's active tokens.
#[server(prefix = "/api/tokens", endpoint = "list")]
pub async fn list_tokens() -> Result<Vec<TokenInfo>, ErrorBody> {
    use crate::{access::Need, accounts::session, db, state::state, tokens::service};
    let state = state()?;
    let caller = session::authorize(&state, Need::Account).await?;
    Ok(service::list(&state.pool, &caller.user().id, db::now()).await?)
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
    use crate::error::{AppError, ErrorCode};
    use crate::tokens::service::{self, Expiry, NewToken};
    use crate::tokens::Scope;
    use crate::{access::Need, accounts::session, db, state::state};
    let state = state()?;
    let caller = session::authorize(&state, Need::Account).await?;
    let expiry = match expiry.as_str() {
        "date" => Expiry::Date(expires_on.unwrap_or_default()),
        days => Expiry::Days(days.parse().map_err(|_| {
            ErrorBody::from(AppError::field(
                ErrorCode::InvalidExpiry,
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
    let created = service::create(&state.pool, &caller.user().id, new, db::now()).await;
    let created = crate::form_posts::keep_on_error(
        <CreateToken as leptos::server_fn::ServerFn>::PATH,
        &[("label", &label)],
        created,
    )?;
    if crate::form_posts::is_plain_form_post() {
        // Without JavaScript the answer is a redirect back to the tokens page, which shows the
        // new token once from this short-lived cookie (see `take_new_token`).
        let headers: axum::http::HeaderMap = leptos_axum::extract()
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        set_cookie(&new_token_cookie(
            &created.token,
            NEW_TOKEN_COOKIE_SECS,
            crate::accounts::session::is_https(&state, &headers),
        ));
    }
    Ok(created)
}

/// The cookie that carries a token just created by a plain form post to the tokens page.
#[cfg(feature = "ssr")]
const NEW_TOKEN_COOKIE: &str = "nanos_new_token";

/// How long that cookie lasts: long enough for the redirect, no longer.
#[cfg(feature = "ssr")]
const NEW_TOKEN_COOKIE_SECS: i64 = 120;

/// The `Set-Cookie` value for [`NEW_TOKEN_COOKIE`]: sent only to the tokens page, never to
/// scripts or other sites.
#[cfg(feature = "ssr")]
fn new_token_cookie(token: &str, max_age_secs: i64, secure: bool) -> String {
    cookie::Cookie::build((NEW_TOKEN_COOKIE, token.to_string()))
        .path("/settings/tokens")
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build()
        .to_string()
}

#[cfg(feature = "ssr")]
fn set_cookie(value: &str) {
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        axum::http::HeaderValue::from_str(value),
    ) {
        response.append_header(axum::http::header::SET_COOKIE, value);
    }
}

/// The token created by a plain form post (without JavaScript) just before this render of the
/// tokens page, if any: shown once, as with JavaScript, then its cookie is removed.
#[server(prefix = "/api/tokens", endpoint = "take-new")]
pub async fn take_new_token() -> Result<Option<CreatedToken>, ErrorBody> {
    use crate::{access::Need, accounts::session, db, state::state, tokens::service};
    let state = state()?;
    let headers: axum::http::HeaderMap = leptos_axum::extract()
        .await
        .map_err(|e| crate::error::AppError::Internal(e.to_string()))?;
    let Some(secret) = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == NEW_TOKEN_COOKIE)
        .map(|c| c.value().to_string())
    else {
        return Ok(None);
    };
    set_cookie(&new_token_cookie(
        "",
        0,
        session::is_https(&state, &headers),
    ));
    let caller = session::authorize(&state, Need::Account).await?;
    let info = service::find_own(&state.pool, &caller.user().id, &secret, db::now()).await?;
    Ok(info.map(|info| CreatedToken {
        token: secret,
        info,
    }))
}

/// Revokes one of the signed-in user's tokens.
#[server(prefix = "/api/tokens", endpoint = "revoke")]
pub async fn revoke_token(id: String) -> Result<(), ErrorBody> {
    use crate::{access::Need, accounts::session, db, state::state, tokens::service};
    let state = state()?;
    let caller = session::authorize(&state, Need::Account).await?;
    Ok(service::revoke(&state.pool, &caller.user().id, &id, db::now()).await?)
}
