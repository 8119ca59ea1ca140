//! The access policy: what a caller may do, decided in one place for the HTTP API, the server
//! functions and the pages alike.
//!
//! Who decides what:
//! - **The adapters** (the API's extractors in `api::auth`, and `accounts::session` for server
//!   functions and page renders) only find out who is calling: they check the credential (a token
//!   or the session cookie) and build a [`Caller`] with [`Caller::session`] or [`Caller::token`].
//!   Each route and server function then states, in one line, the [`Need`] it has of its caller.
//! - **This module** checks that need against the credential ([`Caller::require`]: a session may
//!   do everything its user may; a token only what its scopes allow, else `403 missing-scope`), and
//!   gives the [`Actor`] the services take, which carries a token's team restriction
//!   ([`Actor::may_act_in`]). It alone builds an `Actor` from a credential. It also decides who
//!   sees a team's drafts and private releases ([`sees_private`]), for the API, the pages and the
//!   downloads.
//! - **The services** decide what the actor's role in a team allows (`teams::service::authorize`:
//!   a member, a developer, an admin, an owner), on top of the team restriction.
//!
//! This module imports neither axum nor Leptos, and no service, so every service can use it.

use crate::accounts::user::User;
use crate::db::Pool;
use crate::error::{AppError, ErrorCode};
use crate::moderation::SiteRole;
use crate::tokens::Scope;

/// What an operation needs of its caller's credential. A session meets every need; a token meets
/// [`Need::Account`] always and the others only with their scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Any valid credential: reading and changing the caller's own account.
    Account,
    /// The `download` scope: private releases and drafts of the caller's teams.
    Download,
    /// The `publish` scope: uploading releases.
    Publish,
    /// The `manage` scope: editing resources, releases and teams, and reading a team's audit log.
    Manage,
}

impl Need {
    /// The scope a token must carry; `None` for any valid credential.
    pub const fn scope(self) -> Option<Scope> {
        match self {
            Need::Account => None,
            Need::Download => Some(Scope::Download),
            Need::Publish => Some(Scope::Publish),
            Need::Manage => Some(Scope::Manage),
        }
    }
}

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Credential {
    /// The web UI's session cookie: everything the user may do.
    Session,
    /// An API token: limited to its scopes, and to its team when restricted.
    Token {
        scopes: Vec<Scope>,
        team_id: Option<String>,
    },
}

/// An authenticated caller, before any need is checked: the user and their credential.
#[derive(Debug, Clone)]
pub struct Caller {
    user: User,
    credential: Credential,
}

impl Caller {
    /// A user logged in with the session cookie.
    pub fn session(user: User) -> Caller {
        Caller {
            user,
            credential: Credential::Session,
        }
    }

    /// A user calling with an API token that carries `scopes`, restricted to the team `team_id`
    /// when given.
    pub fn token(user: User, scopes: Vec<Scope>, team_id: Option<String>) -> Caller {
        Caller {
            user,
            credential: Credential::Token { scopes, team_id },
        }
    }

    /// The user behind the credential.
    pub fn user(&self) -> &User {
        &self.user
    }

    /// The user behind the credential, taken out of it.
    pub fn into_user(self) -> User {
        self.user
    }

    /// Whether the credential meets `need`.
    pub fn meets(&self, need: Need) -> bool {
        match (&self.credential, need.scope()) {
            (_, None) | (Credential::Session, _) => true,
            (Credential::Token { scopes, .. }, Some(scope)) => scopes.contains(&scope),
        }
    }

    /// The caller, allowed to act for `need`; `403 missing-scope` when a token lacks its scope.
    pub fn require(self, need: Need) -> Result<Permit, AppError> {
        if let (false, Some(scope)) = (self.meets(need), need.scope()) {
            return Err(AppError::Forbidden {
                code: ErrorCode::MissingScope,
                message: format!(
                    "This token lacks the {} scope (needed to {}). Create a token with it in Settings → Tokens.",
                    scope.as_str(),
                    scope.description()
                ),
            });
        }
        Ok(Permit { caller: self })
    }

    /// The caller as the services see it: the user, and the team a token is restricted to.
    fn actor(&self) -> Actor<'_> {
        Actor {
            user: &self.user,
            restricted_to_team: match &self.credential {
                Credential::Session => None,
                Credential::Token { team_id, .. } => team_id.as_deref(),
            },
        }
    }
}

/// A caller whose credential was checked against the need of what they are doing
/// ([`Caller::require`]). The only way to an [`Actor`] from a credential.
#[derive(Debug, Clone)]
pub struct Permit {
    caller: Caller,
}

impl Permit {
    /// The user behind the credential.
    pub fn user(&self) -> &User {
        &self.caller.user
    }

    /// The caller, for [`sees_private`].
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The caller as the services take it.
    pub fn actor(&self) -> Actor<'_> {
        self.caller.actor()
    }
}

/// Who is acting, as the services take it: the user, and the team their credential is restricted
/// to (a team-restricted token). Built here only: from a [`Permit`], or by [`Actor::user`] for
/// code that acts outside a request.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    /// The acting user.
    pub user: &'a User,
    restricted_to_team: Option<&'a str>,
}

impl<'a> Actor<'a> {
    /// A user acting with full rights, as through a web session: for tests and tools that act
    /// outside a request. Requests get theirs from [`Permit::actor`].
    pub fn user(user: &'a User) -> Self {
        Actor {
            user,
            restricted_to_team: None,
        }
    }

    /// Whether the credential may act in the team `team_id` at all: a team-restricted token only
    /// in its own team. The one place a token's team restriction is decided; membership and role
    /// are checked on top of it.
    pub fn may_act_in(&self, team_id: &str) -> bool {
        self.restricted_to_team.is_none_or(|own| own == team_id)
    }

    /// Whether the credential is restricted to one team (then it cannot act beyond teams, such as
    /// creating one).
    pub fn is_team_restricted(&self) -> bool {
        self.restricted_to_team.is_some()
    }
}

/// Whether `viewer` sees what only the team `team_id` sees: its drafts, its private releases,
/// and what the staff took down (with the reason). That is a member of the team, through a
/// session or a token with the `download` scope that may act in this team, and the store's staff
/// (a moderator or an admin, through a session or an unrestricted token with that scope).
/// Anonymous visitors (`None`) see what everyone sees. Used by the API, the pages and the
/// downloads.
pub async fn sees_private(
    pool: &Pool,
    viewer: Option<&Caller>,
    team_id: &str,
) -> Result<bool, AppError> {
    let Some(viewer) = viewer else {
        return Ok(false);
    };
    if !viewer.meets(Need::Download) {
        return Ok(false);
    }
    if viewer.actor().may_act_in(team_id) && is_member(pool, team_id, &viewer.user.id).await? {
        return Ok(true);
    }
    Ok(!viewer.actor().is_team_restricted() && site_role(pool, &viewer.user.id).await?.is_some())
}

/// The site role `viewer` acts with as the store's staff: `None` for anonymous visitors, users
/// without one, and tokens without the `manage` scope or restricted to a team (as
/// [`require_staff`] decides). The pages show the staff's panels by it.
pub async fn staff_role(
    pool: &Pool,
    viewer: Option<&Caller>,
) -> Result<Option<SiteRole>, AppError> {
    match viewer {
        Some(viewer) if viewer.meets(Need::Manage) && !viewer.actor().is_team_restricted() => {
            site_role(pool, &viewer.user.id).await
        }
        _ => Ok(None),
    }
}

/// Whether the user `user_id` is a member of the team `team_id`, in any role.
async fn is_member(pool: &Pool, team_id: &str, user_id: &str) -> Result<bool, AppError> {
    let member: Option<(String,)> =
        sqlx::query_as("SELECT user_id FROM team_members WHERE team_id = $1 AND user_id = $2")
            .bind(team_id)
            .bind(user_id)
            .fetch_optional(pool)
            .await?;
    Ok(member.is_some())
}

/// A caller acting as the store's staff (a moderator or an admin), made only by
/// [`require_staff`] from a request, or by [`Staff::operator`] for the command line.
#[derive(Debug, Clone)]
pub struct Staff {
    /// Who acts, as the moderation log names them.
    name: String,
    role: SiteRole,
    /// The acting user; `None` for the machine's operator (the command line).
    user_id: Option<String>,
}

impl Staff {
    /// The person at the machine's command line: an admin, logged as `command line`.
    pub fn operator() -> Staff {
        Staff {
            name: "command line".into(),
            role: SiteRole::Admin,
            user_id: None,
        }
    }

    /// Who acts, as the moderation log names them.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The staff member's site role.
    pub fn role(&self) -> SiteRole {
        self.role
    }

    /// Whether `user_id` is the acting staff member themselves.
    pub fn is(&self, user_id: &str) -> bool {
        self.user_id.as_deref() == Some(user_id)
    }
}

/// The site role of the user `user_id`, if they have one.
pub async fn site_role(pool: &Pool, user_id: &str) -> Result<Option<SiteRole>, AppError> {
    let row: Option<(String,)> = sqlx::query_as("SELECT role FROM site_roles WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(pool)
        .await?;
    row.map(|(role,)| SiteRole::parse(&role).map_err(AppError::Internal))
        .transpose()
}

/// The caller as staff with at least `at_least`, for every moderation action. `403 forbidden`
/// for everyone else, and for a token restricted to one team (staff act across teams).
pub async fn require_staff(
    pool: &Pool,
    permit: &Permit,
    at_least: SiteRole,
) -> Result<Staff, AppError> {
    if permit.actor().is_team_restricted() {
        return Err(AppError::Forbidden {
            code: ErrorCode::TokenTeamRestricted,
            message: "This token is restricted to one team; the store's staff act with an \
                      unrestricted token or their session."
                .into(),
        });
    }
    match site_role(pool, &permit.user().id).await? {
        Some(role) if role >= at_least => Ok(Staff {
            name: permit.user().username.clone(),
            role,
            user_id: Some(permit.user().id.clone()),
        }),
        _ => Err(AppError::forbidden(match at_least {
            SiteRole::Moderator => "Only the store's moderators and admins may do this.",
            SiteRole::Admin => "Only the store's admins may do this.",
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> User {
        User {
            id: "u".into(),
            username: "u".into(),
            display_name: "U".into(),
            created_at: 0,
        }
    }

    #[test]
    fn scopes_limit_tokens_but_not_sessions() {
        let session = Caller::session(user());
        for need in [Need::Account, Need::Download, Need::Publish, Need::Manage] {
            assert!(session.clone().require(need).is_ok(), "{need:?}");
        }
        let token = Caller::token(user(), vec![Scope::Download], None);
        assert!(token.clone().require(Need::Download).is_ok());
        assert!(token.clone().require(Need::Account).is_ok());
        for need in [Need::Publish, Need::Manage] {
            let error = token.clone().require(need).unwrap_err();
            assert_eq!(error.status().as_u16(), 403);
            assert_eq!(error.body().code, ErrorCode::MissingScope);
        }
    }

    #[test]
    fn restricted_tokens_act_only_in_their_team() {
        let restricted = Caller::token(user(), Scope::ALL.to_vec(), Some("team-a".into()))
            .require(Need::Manage)
            .unwrap();
        assert!(restricted.actor().may_act_in("team-a"));
        assert!(!restricted.actor().may_act_in("team-b"));
        let session = Caller::session(user()).require(Need::Manage).unwrap();
        assert!(session.actor().may_act_in("team-b"));
        let unrestricted = Caller::token(user(), vec![Scope::Manage], None)
            .require(Need::Manage)
            .unwrap();
        assert!(unrestricted.actor().may_act_in("team-b"));
    }
}
