//! The session cookie: how a browser proves who is logged in.

use axum::http::{header, HeaderMap};
use cookie::{Cookie, SameSite};

use super::service;
use crate::access::{Caller, Need, Permit};
use crate::db;
use crate::error::AppError;
use crate::state::AppState;

/// Name of the cookie that carries the session secret.
pub const SESSION_COOKIE: &str = "nanos_session";

/// The session secret sent by the browser, if any.
pub fn token_from_headers(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == SESSION_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

/// Whether the request reached the store over https, directly or through a proxy that says so.
pub fn is_https(state: &AppState, headers: &HeaderMap) -> bool {
    state.settings.https()
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// The `Set-Cookie` value that stores a new session: `HttpOnly`, `SameSite=Lax`, `Secure` over
/// https, expiring with the session.
pub fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> String {
    Cookie::build((SESSION_COOKIE, token.to_string()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build()
        .to_string()
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn cleared_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}

/// The caller of the current request (inside a server function or a page render): the user
/// logged in with the session cookie, or `None` for an anonymous visitor. Server functions take
/// no tokens.
pub async fn caller(state: &AppState) -> Result<Option<Caller>, AppError> {
    let headers: HeaderMap = leptos_axum::extract()
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(match token_from_headers(&headers) {
        Some(token) => service::session_user(&state.pool, &token, db::now())
            .await?
            .map(Caller::session),
        None => None,
    })
}

/// The caller of the current request, allowed to act for `need` (a session meets every need),
/// or `401 login-required`. The one line with which a server function states what it needs.
pub async fn authorize(state: &AppState, need: Need) -> Result<Permit, AppError> {
    caller(state)
        .await?
        .ok_or_else(AppError::login_required)?
        .require(need)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_attributes() {
        let cookie = session_cookie("s3cret", 60, false);
        assert!(cookie.starts_with("nanos_session=s3cret"), "{cookie}");
        assert!(cookie.contains("HttpOnly"));
        assert!(cookie.contains("SameSite=Lax"));
        assert!(cookie.contains("Max-Age=60"));
        assert!(!cookie.contains("Secure"));
        assert!(session_cookie("s3cret", 60, true).contains("Secure"));
    }

    #[test]
    fn reads_the_session_among_other_cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "theme=dark; nanos_session=abc123; x=y".parse().unwrap(),
        );
        assert_eq!(token_from_headers(&headers).as_deref(), Some("abc123"));
        headers.insert(header::COOKIE, "nanos_session=".parse().unwrap());
        assert_eq!(token_from_headers(&headers), None);
    }
}
