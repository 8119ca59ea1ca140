//! Server functions for accounts, at stable URLs under `/api/accounts/`.

use leptos::prelude::*;

use super::{Profile, SignedInUser};
use crate::error::ErrorBody;

#[cfg(feature = "ssr")]
mod server {
    pub use super::super::{service, session};
    pub use crate::db;
    pub use crate::error::AppError;
    pub use crate::server::{state, AppState};
    pub use axum::http::{header, HeaderMap, HeaderValue};

    /// Starts a session for `user` and sets its cookie on the response.
    pub async fn sign_in(state: &AppState, user: &service::User) -> Result<(), AppError> {
        let headers: HeaderMap = leptos_axum::extract()
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let lifetime = state.settings.session_days * 24 * 60 * 60;
        let new = service::start_session(&state.pool, &user.id, lifetime, db::now()).await?;
        set_cookie(&session::session_cookie(
            &new.token,
            lifetime,
            session::is_https(state, &headers),
        ));
        Ok(())
    }

    /// The client's address: the connecting peer, or the client a trusted proxy names (see
    /// [`super::super::client_address`]); `None` when the server was started without peer
    /// addresses.
    pub async fn client_address(state: &AppState) -> Result<Option<std::net::IpAddr>, AppError> {
        let headers: HeaderMap = leptos_axum::extract()
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(
            leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .await
                .ok()
                .map(|info| {
                    super::super::client_address::client_address(
                        info.0.ip(),
                        &headers,
                        &state.settings.trusted_proxies,
                    )
                }),
        )
    }

    pub fn set_cookie(value: &str) {
        if let (Some(response), Ok(value)) = (
            leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
            HeaderValue::from_str(value),
        ) {
            response.append_header(header::SET_COOKIE, value);
        }
    }
}

/// Creates an account and logs it in.
#[server(prefix = "/api/accounts", endpoint = "register")]
pub async fn register(
    username: String,
    display_name: String,
    password: String,
) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let address = client_address(&state).await?;
    let user = service::register_from(
        &state.pool,
        service::Registration {
            username,
            display_name,
            password,
        },
        address,
        state.settings.registrations_per_hour,
        db::now(),
    )
    .await?;
    sign_in(&state, &user).await?;
    leptos_axum::redirect(&format!("/u/{}", user.username));
    Ok(())
}

/// Logs in with a username and password.
#[server(prefix = "/api/accounts", endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let address = client_address(&state).await?;
    let user = service::log_in(&state.pool, &username, &password, address, db::now()).await?;
    sign_in(&state, &user).await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Logs out: ends the session on the server and clears the cookie.
#[server(prefix = "/api/accounts", endpoint = "logout")]
pub async fn logout() -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let headers: HeaderMap = leptos_axum::extract()
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    if let Some(token) = session::token_from_headers(&headers) {
        service::end_session(&state.pool, &token, db::now()).await?;
    }
    set_cookie(&session::cleared_cookie(session::is_https(
        &state, &headers,
    )));
    leptos_axum::redirect("/");
    Ok(())
}

/// The logged-in user, or `None` for an anonymous visitor.
#[server(prefix = "/api/accounts", endpoint = "me")]
pub async fn current_user() -> Result<Option<SignedInUser>, ErrorBody> {
    use server::*;
    let state = state()?;
    Ok(session::current_user(&state).await?.map(Into::into))
}

/// A user's public profile, or `None` when no such user exists.
#[server(prefix = "/api/accounts", endpoint = "profile")]
pub async fn user_profile(username: String) -> Result<Option<Profile>, ErrorBody> {
    use server::*;
    let state = state()?;
    Ok(service::profile(&state.pool, &username).await?)
}
