//! Who is calling the API, and what they may do: a token (`Authorization: Token …` or
//! `Bearer …`) or, for the web UI, the session cookie (changes with it are accepted only from the
//! store's own pages, checked for every route in `crate::security`).
//!
//! A handler cannot see the caller without naming the scope it needs: the only extractors are
//! [`Authorized<S>`] (refuses anonymous requests with `401` and tokens without the scope with `403
//! missing-scope`) and [`MaybeAuthorized<S>`] (for routes open to everyone, where the scope only
//! unlocks member-only data). `S` is one of the marker types [`ReadAccount`], [`Download`],
//! [`Publish`] and [`Manage`]; which route needs which is tabled in `api/mod.rs`. Team
//! restrictions of tokens are decided by [`Actor::may_act_in`], reached through
//! [`Authorized::actor`].

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::accounts::service::{self as accounts, User};
use crate::accounts::session;
use crate::db;
use crate::error::{AppError, ErrorCode};
use crate::state::AppState;
use crate::teams::service::Actor;
use crate::tokens::service as tokens;
use crate::tokens::Scope;

/// What a route needs of its caller's credential. Implemented only by the marker types of this
/// module.
pub trait RequiredScope: std::fmt::Debug + Clone + Send + Sync + 'static {
    /// The scope a token must carry; `None` for any valid credential.
    const SCOPE: Option<Scope>;
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
    const SCOPE: Option<Scope> = None;
}
impl RequiredScope for Download {
    const SCOPE: Option<Scope> = Some(Scope::Download);
}
impl RequiredScope for Publish {
    const SCOPE: Option<Scope> = Some(Scope::Publish);
}
impl RequiredScope for Manage {
    const SCOPE: Option<Scope> = Some(Scope::Manage);
}

/// How the caller proved who they are.
#[derive(Debug, Clone)]
enum Credential {
    /// The web UI's session cookie: everything the user may do.
    Session,
    /// An API token: limited to its scopes (and its team, when restricted).
    Token {
        scopes: Vec<Scope>,
        team_id: Option<String>,
    },
}

/// An authenticated caller, before any scope is checked. Private: handlers get an
/// [`Authorized`] instead.
#[derive(Debug, Clone)]
struct Caller {
    user: User,
    credential: Credential,
}

impl Caller {
    /// Refuses (`403`) a token that lacks `scope`; a session has every scope.
    fn require(&self, scope: Option<Scope>) -> Result<(), AppError> {
        let Some(scope) = scope else {
            return Ok(());
        };
        match &self.credential {
            Credential::Session => Ok(()),
            Credential::Token { scopes, .. } if scopes.contains(&scope) => Ok(()),
            Credential::Token { .. } => Err(AppError::Forbidden {
                code: ErrorCode::MissingScope,
                message: format!(
                    "This token lacks the {} scope (needed to {}). Create a token with it in Settings → Tokens.",
                    scope.as_str(),
                    scope.description()
                ),
            }),
        }
    }

    /// The caller with the scope `S` checked.
    fn authorize<S: RequiredScope>(self) -> Result<Authorized<S>, AppError> {
        self.require(S::SCOPE)?;
        Ok(Authorized {
            caller: self,
            scope: PhantomData,
        })
    }

    /// The caller from the request's credentials, `None` for an anonymous request. Bad credentials
    /// are refused.
    async fn from_parts(parts: &Parts, state: &AppState) -> Result<Option<Caller>, AppError> {
        let now = db::now();
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let token = bearer_token(value.to_str().unwrap_or_default())?;
            let grant = tokens::authenticate(&state.pool, token, now).await?;
            return Ok(Some(Caller {
                user: grant.user,
                credential: Credential::Token {
                    scopes: grant.scopes,
                    team_id: grant.team_id,
                },
            }));
        }
        let Some(secret) = session::token_from_headers(&parts.headers) else {
            return Ok(None);
        };
        let Some(user) = accounts::session_user(&state.pool, &secret, now).await? else {
            return Ok(None);
        };
        Ok(Some(Caller {
            user,
            credential: Credential::Session,
        }))
    }
}

/// An authenticated caller whose credential carries the scope `S`. As an extractor it answers
/// `401` without credentials and `403 missing-scope` when a token lacks `S`.
#[derive(Debug, Clone)]
pub struct Authorized<S: RequiredScope> {
    caller: Caller,
    scope: PhantomData<fn() -> S>,
}

impl<S: RequiredScope> Authorized<S> {
    /// The user behind the credential.
    pub fn user(&self) -> &User {
        &self.caller.user
    }

    /// The caller as the services see it: the user, and the team a token is restricted to.
    pub fn actor(&self) -> Actor<'_> {
        match &self.caller.credential {
            Credential::Session => Actor::user(&self.caller.user),
            Credential::Token { team_id, .. } => {
                Actor::restricted(&self.caller.user, team_id.as_deref())
            }
        }
    }
}

impl<S: RequiredScope> FromRequestParts<AppState> for Authorized<S> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Caller::from_parts(parts, state)
            .await?
            .ok_or_else(|| AppError::Unauthorized {
                code: ErrorCode::MissingCredentials,
                message: "This needs authentication: send the header Authorization: Token <token> \
                          (create one in Settings → Tokens), or log in."
                    .into(),
            })?
            .authorize()
    }
}

/// For routes open to everyone: the caller when their credential carries `S`, `None` for an
/// anonymous request or a token without `S` (which then sees what everyone sees). Bad
/// credentials are still refused.
#[derive(Debug, Clone)]
pub struct MaybeAuthorized<S: RequiredScope>(pub Option<Authorized<S>>);

impl<S: RequiredScope> FromRequestParts<AppState> for MaybeAuthorized<S> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let caller = Caller::from_parts(parts, state).await?;
        Ok(MaybeAuthorized(
            caller.and_then(|caller| caller.authorize().ok()),
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

    fn caller(credential: Credential) -> Caller {
        Caller {
            user: User {
                id: "u".into(),
                username: "u".into(),
                display_name: "U".into(),
                created_at: 0,
            },
            credential,
        }
    }

    #[test]
    fn scopes_limit_tokens_but_not_sessions() {
        let session = caller(Credential::Session);
        assert!(session.clone().authorize::<Manage>().is_ok());
        assert!(session.authorize::<ReadAccount>().is_ok());
        let token = caller(Credential::Token {
            scopes: vec![Scope::Download],
            team_id: None,
        });
        assert!(token.clone().authorize::<Download>().is_ok());
        assert!(token.clone().authorize::<ReadAccount>().is_ok());
        for error in [
            token.clone().authorize::<Publish>().unwrap_err(),
            token.authorize::<Manage>().unwrap_err(),
        ] {
            assert_eq!(error.status(), axum::http::StatusCode::FORBIDDEN);
            assert_eq!(error.body().code, ErrorCode::MissingScope);
        }
    }

    #[test]
    fn restricted_tokens_act_only_in_their_team() {
        let restricted = caller(Credential::Token {
            scopes: Scope::ALL.to_vec(),
            team_id: Some("team-a".into()),
        })
        .authorize::<Manage>()
        .unwrap();
        assert!(restricted.actor().may_act_in("team-a"));
        assert!(!restricted.actor().may_act_in("team-b"));
        let session = caller(Credential::Session).authorize::<Manage>().unwrap();
        assert!(session.actor().may_act_in("team-b"));
    }
}
