//! Who is calling the API: a token (`Authorization: Token …` or `Bearer …`) or, for the web UI, the
//! session cookie, which is accepted for changes only from the store's own pages (CSRF).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method};

use crate::accounts::service::{self as accounts, User};
use crate::accounts::session;
use crate::db;
use crate::error::AppError;
use crate::server::AppState;
use crate::tokens::service as tokens;
use crate::tokens::Scope;

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Credential {
    /// The web UI's session cookie: everything the user may do.
    Session,
    /// An API token: limited to its scopes (and its team, when restricted).
    Token {
        token_id: String,
        scopes: Vec<Scope>,
        team_id: Option<String>,
    },
}

/// An authenticated caller. As an extractor it answers `401` when there are no credentials.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub credential: Credential,
}

impl Caller {
    /// Refuses (`403`) a token that lacks `scope`; a session has every scope.
    pub fn require(&self, scope: Scope) -> Result<(), AppError> {
        match &self.credential {
            Credential::Session => Ok(()),
            Credential::Token { scopes, .. } if scopes.contains(&scope) => Ok(()),
            Credential::Token { .. } => Err(AppError::Forbidden {
                code: "missing-scope",
                message: format!(
                    "This token lacks the {} scope (needed to {}). Create a token with it in Settings → Tokens.",
                    scope.as_str(),
                    scope.description()
                ),
            }),
        }
    }
}

/// The caller if there are credentials, `None` for an anonymous request. Bad credentials are still
/// refused.
#[derive(Debug, Clone)]
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let now = db::now();
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let token = bearer_token(value.to_str().unwrap_or_default())?;
            let grant = tokens::authenticate(&state.pool, token, now).await?;
            return Ok(MaybeCaller(Some(Caller {
                user: grant.user,
                credential: Credential::Token {
                    token_id: grant.token_id,
                    scopes: grant.scopes,
                    team_id: grant.team_id,
                },
            })));
        }
        let Some(secret) = session::token_from_headers(&parts.headers) else {
            return Ok(MaybeCaller(None));
        };
        let Some(user) = accounts::session_user(&state.pool, &secret, now).await? else {
            return Ok(MaybeCaller(None));
        };
        if !is_safe(&parts.method) && !same_origin(parts, state) {
            return Err(AppError::Forbidden {
                code: "cross-site-request",
                message: "This change came from another site. Use the store's own pages, or an API token.".into(),
            });
        }
        Ok(MaybeCaller(Some(Caller {
            user,
            credential: Credential::Session,
        })))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        MaybeCaller::from_request_parts(parts, state)
            .await?
            .0
            .ok_or_else(|| AppError::Unauthorized {
                code: "missing-credentials",
                message: "This needs authentication: send the header Authorization: Token <token> \
                          (create one in Settings → Tokens), or log in."
                    .into(),
            })
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
            code: "invalid-authorization",
            message: "The Authorization header must be 'Token <token>' or 'Bearer <token>'.".into(),
        });
    }
    Ok(token)
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether a request comes from the store's own pages: its `Origin` names this host, or the browser
/// says it is same-origin.
fn same_origin(parts: &Parts, state: &AppState) -> bool {
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(origin) = header("origin") {
        let origin_host = origin
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or(origin);
        let public_host = state
            .settings
            .public_url
            .as_deref()
            .and_then(|url| url.split_once("://"))
            .map(|(_, rest)| rest.trim_end_matches('/'));
        return header("host") == Some(origin_host) || public_host == Some(origin_host);
    }
    matches!(header("sec-fetch-site"), Some("same-origin") | Some("none"))
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

    #[test]
    fn scopes_limit_tokens_but_not_sessions() {
        let user = User {
            id: "u".into(),
            username: "u".into(),
            display_name: "U".into(),
            created_at: 0,
        };
        let session = Caller {
            user: user.clone(),
            credential: Credential::Session,
        };
        assert!(session.require(Scope::Manage).is_ok());
        let token = Caller {
            user,
            credential: Credential::Token {
                token_id: "t".into(),
                scopes: vec![Scope::Download],
                team_id: None,
            },
        };
        assert!(token.require(Scope::Download).is_ok());
        let error = token.require(Scope::Publish).unwrap_err();
        assert_eq!(error.status(), axum::http::StatusCode::FORBIDDEN);
        assert_eq!(error.body().code, "missing-scope");
    }
}
