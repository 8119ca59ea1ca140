//! Server functions for accounts, at stable URLs under `/api/accounts/`.

use leptos::prelude::*;

use super::{DeletionPlan, Profile, SignedInUser};
use crate::error::ErrorBody;

#[cfg(feature = "ssr")]
mod server {
    pub use super::super::{service, session};
    pub use crate::access::Need;
    pub use crate::db;
    pub use crate::error::AppError;
    pub use crate::form_posts::keep_on_error;
    pub use crate::state::{state, AppState};
    pub use axum::http::{header, HeaderMap, HeaderValue};
    pub use leptos::server_fn::ServerFn;

    /// Where to go after logging in or registering: `next` when it is a page of this site.
    pub fn return_to(next: Option<&str>, otherwise: String) -> String {
        next.and_then(super::super::safe_return_path)
            .map(str::to_string)
            .unwrap_or(otherwise)
    }

    /// The session secret of the current request, if any.
    pub async fn session_token() -> Result<Option<String>, AppError> {
        let headers: HeaderMap = leptos_axum::extract()
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(session::token_from_headers(&headers))
    }

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

/// Creates an account and logs it in, then goes to `next` (a page of this site) or the new
/// profile.
#[server(prefix = "/api/accounts", endpoint = "register")]
pub async fn register(
    username: String,
    display_name: String,
    password: String,
    #[server(default)] next: Option<String>,
) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let address = client_address(&state).await?;
    let registered = service::register_from(
        &state.pool,
        service::Registration {
            username: username.clone(),
            display_name: display_name.clone(),
            password,
        },
        address,
        state.settings.registrations_per_hour,
        db::now(),
    )
    .await;
    let keep = [
        ("username", username.as_str()),
        ("display_name", display_name.as_str()),
    ];
    let user = keep_on_error(<Register as ServerFn>::PATH, &keep, registered)?;
    sign_in(&state, &user).await?;
    leptos_axum::redirect(&return_to(next.as_deref(), format!("/u/{}", user.username)));
    Ok(())
}

/// Logs in with a username and password, then goes to `next` (a page of this site) or the front
/// page.
#[server(prefix = "/api/accounts", endpoint = "login")]
pub async fn login(
    username: String,
    password: String,
    #[server(default)] next: Option<String>,
) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let address = client_address(&state).await?;
    let logged_in = service::log_in(&state.pool, &username, &password, address, db::now()).await;
    let user = keep_on_error(
        <Login as ServerFn>::PATH,
        &[("username", &username)],
        logged_in,
    )?;
    sign_in(&state, &user).await?;
    leptos_axum::redirect(&return_to(next.as_deref(), "/".into()));
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
    let Some(caller) = session::caller(&state).await? else {
        return Ok(None);
    };
    let site_role = crate::access::site_role(&state.pool, &caller.user().id).await?;
    Ok(Some(SignedInUser {
        site_role,
        ..caller.into_user().into()
    }))
}

/// A user's public profile, or `None` when no such user exists.
#[server(prefix = "/api/accounts", endpoint = "profile")]
pub async fn user_profile(username: String) -> Result<Option<Profile>, ErrorBody> {
    use server::*;
    let state = state()?;
    Ok(service::profile(&state.pool, &username).await?)
}

/// Changes the signed-in user's display name; returns the new one.
#[server(prefix = "/api/accounts", endpoint = "display-name")]
pub async fn change_display_name(display_name: String) -> Result<String, ErrorBody> {
    use server::*;
    let state = state()?;
    let caller = session::authorize(&state, Need::Account).await?;
    let changed = service::change_display_name(&state.pool, &caller.user().id, &display_name).await;
    keep_on_error(
        <ChangeDisplayName as ServerFn>::PATH,
        &[("display_name", &display_name)],
        changed,
    )
}

/// Changes the signed-in user's password (the current one is needed) and logs out every other
/// session of the account.
#[server(prefix = "/api/accounts", endpoint = "password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let caller = session::authorize(&state, Need::Account).await?;
    let token = session_token().await?;
    Ok(service::change_password(
        &state.pool,
        &caller.user().id,
        &current_password,
        &new_password,
        token.as_deref(),
    )
    .await?)
}

/// What deleting the signed-in user's account would do.
#[server(prefix = "/api/accounts", endpoint = "deletion-plan")]
pub async fn account_deletion_plan() -> Result<DeletionPlan, ErrorBody> {
    use server::*;
    let state = state()?;
    let caller = session::authorize(&state, Need::Account).await?;
    Ok(service::deletion_plan(&state.pool, &caller.user().id).await?)
}

/// Deletes the signed-in user's account; `confirm` repeats the username, `password` is the
/// current password. Logs out and goes to the front page.
#[server(prefix = "/api/accounts", endpoint = "delete")]
pub async fn delete_account(confirm: String, password: String) -> Result<(), ErrorBody> {
    use server::*;
    let state = state()?;
    let caller = session::authorize(&state, Need::Account).await?;
    service::delete_account(&state.pool, caller.user(), &confirm, &password, db::now()).await?;
    let headers: HeaderMap = leptos_axum::extract()
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    set_cookie(&session::cleared_cookie(session::is_https(
        &state, &headers,
    )));
    leptos_axum::redirect("/");
    Ok(())
}
