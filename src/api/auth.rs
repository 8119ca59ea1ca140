//! Who is calling the API: a token (`Authorization: Token …` or `Bearer …`) or, for the web UI,
//! the session cookie (changes with it are accepted only from the store's own pages, checked for
//! every route in `crate::security`). An adapter over [`crate::access`], which decides what the
//! caller may do.
//!
//! A handler cannot see the caller without naming what it needs: the only extractors are
//! [`Authorized<S>`] (refuses anonymous requests with `401` and tokens without the scope with `403
//! missing-scope`) and [`MaybeAuthorized<S>`] (for routes open to everyone, where the scope only
//! unlocks member-only data). `S` is one of the marker types [`ReadAccount`], [`Download`],
//! [`Publish`] and [`Manage`], each naming a [`Need`]; which route needs which is tabled in
//! `api/mod.rs`. Team restrictions of tokens are carried by the [`Actor`] that
//! [`Authorized::actor`] gives the services.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::access::{Actor, Caller, Need, Permit};
use crate::accounts::service::{self as accounts, User};
use crate::accounts::session;
use crate::db;
use crate::error::{AppError, ErrorCode};
use crate::state::AppState;
use crate::tokens::service as tokens;

/// What a route needs of its caller's credential. Implemented only by the marker types of this
/// module.
pub trait RequiredScope: std::fmt::Debug + Clone + Send + Sync + 'static {
    /// The need the caller's credential must meet.
    const NEED: Need;
}

/// Any valid credential: reading the caller's own account (`/user/me`, `/user/teams`).
#[derive(Debug, Clone, Copy)]
pub enum ReadAccount {}
/// The `download` scope: private releases and drafts of the caller's teams.
#[derive(Debug, Clone, Copy)]
pub enum Download {}
/// The `publish` scope: uploading releases.
#[derive(Debug, Clone, Copy)]
pub enum Publish {}
/// The `manage` scope: editing resources, releases and teams, and reading a team's audit log.
#[derive(Debug, Clone, Copy)]
pub enum Manage {}

impl RequiredScope for ReadAccount {
    const NEED: Need = Need::Account;
}
impl RequiredScope for Download {
    const NEED: Need = Need::Download;
}
impl RequiredScope for Publish {
    const NEED: Need = Need::Publish;
}
impl RequiredScope for Manage {
    const NEED: Need = Need::Manage;
}

/// The caller from the request's credentials, `None` for an anonymous request. Bad credentials
/// are refused.
async fn caller(parts: &Parts, state: &AppState) -> Result<Option<Caller>, AppError> {
    let now = db::now();
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let token = bearer_token(value.to_str().unwrap_or_default())?;
        let grant = tokens::authenticate(&state.pool, token, now).await?;
        return Ok(Some(Caller::token(grant.user, grant.scopes, grant.team_id)));
    }
    let Some(secret) = session::token_from_headers(&parts.headers) else {
        return Ok(None);
    };
    Ok(accounts::session_user(&state.pool, &secret, now)
        .await?
        .map(Caller::session))
}

/// An authenticated caller whose credential carries the scope `S`. As an extractor it answers
/// `401` without credentials and `403 missing-scope` when a token lacks `S`.
#[derive(Debug, Clone)]
pub struct Authorized<S: RequiredScope> {
    permit: Permit,
    scope: PhantomData<fn() -> S>,
}

impl<S: RequiredScope> Authorized<S> {
    /// The caller, with the need of `S` checked.
    fn new(caller: Caller) -> Result<Self, AppError> {
        Ok(Authorized {
            permit: caller.require(S::NEED)?,
            scope: PhantomData,
        })
    }

    /// The user behind the credential.
    pub fn user(&self) -> &User {
        self.permit.user()
    }

    /// The caller, for [`crate::access::sees_private`].
    pub fn caller(&self) -> &Caller {
        self.permit.caller()
    }

    /// The caller as the services see it: the user, and the team a token is restricted to.
    pub fn actor(&self) -> Actor<'_> {
        self.permit.actor()
    }

    /// The checked credential, for [`crate::access::require_staff`].
    pub fn permit(&self) -> &Permit {
        &self.permit
    }
}

impl<S: RequiredScope> FromRequestParts<AppState> for Authorized<S> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let caller = caller(parts, state)
            .await?
            .ok_or_else(|| AppError::Unauthorized {
                code: ErrorCode::MissingCredentials,
                message: "This needs authentication: send the header Authorization: Token <token> \
                          (create one in Settings → Tokens), or log in."
                    .into(),
            })?;
        Authorized::new(caller)
    }
}

/// For routes open to everyone: the caller when their credential carries `S`, `None` for an
/// anonymous request or a token without `S` (which then sees what everyone sees). Bad
/// credentials are still refused.
#[derive(Debug, Clone)]
pub struct MaybeAuthorized<S: RequiredScope>(pub Option<Authorized<S>>);

impl<S: RequiredScope> MaybeAuthorized<S> {
    /// The caller, when there is one with `S`, for [`crate::access::sees_private`].
    pub fn caller(&self) -> Option<&Caller> {
        self.0.as_ref().map(Authorized::caller)
    }
}

impl<S: RequiredScope> FromRequestParts<AppState> for MaybeAuthorized<S> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let caller = caller(parts, state).await?;
        Ok(MaybeAuthorized(
            caller.and_then(|caller| Authorized::new(caller).ok()),
        ))
    }
}

/// The token in an `Authorization` header: `Token <token>` (nanos world tools) or `Bearer <token>`.
fn bearer_token(value: &str) -> Result<&str, AppError> {
    let (scheme, token) = value.trim().split_once(' ').unwrap_or((value, ""));
    let token = token.trim();
    if !(scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer"))
        || token.is_empty()
    {
        return Err(AppError::Unauthorized {
            code: ErrorCode::InvalidAuthorization,
            message: "The Authorization header must be 'Token <token>' or 'Bearer <token>'.".into(),
        });
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_schemes() {
        assert_eq!(bearer_token("Token nwst_abc").unwrap(), "nwst_abc");
        assert_eq!(bearer_token("Bearer nwst_abc").unwrap(), "nwst_abc");
        assert_eq!(bearer_token("token  nwst_abc ").unwrap(), "nwst_abc");
        assert!(bearer_token("Basic dXNlcjpwYXNz").is_err());
        assert!(bearer_token("Token").is_err());
        assert!(bearer_token("nwst_abc").is_err());
    }
}
