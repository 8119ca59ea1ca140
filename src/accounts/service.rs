//! Account services: plain async functions over the pool, used by the server functions, the
//! admin command and the tests.

use std::net::IpAddr;
use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::rngs::OsRng;

use super::throttle::{LogInAttempt, RegistrationSlot};
use super::{
    check_display_name, check_password, check_username, BlockingTeam, DeletionPlan, Profile,
};
use crate::db::{conflict_on_unique, new_id, Pool};
use crate::error::{AppError, ErrorCode, FieldChecks};
use crate::secrets::sha256_hex;
use crate::teams::Role;

pub use super::user::User;

/// What a new account needs.
#[derive(Debug, Clone)]
pub struct Registration {
    pub username: String,
    pub display_name: String,
    pub password: String,
}

/// Creates an account after checking every field; a refusal names every wrong field at once.
pub async fn register(pool: &Pool, new: Registration, now: i64) -> Result<User, AppError> {
    let username = new.username.trim().to_string();
    let mut checks = FieldChecks::default();
    checks.check(
        ErrorCode::InvalidUsername,
        "username",
        check_username(&username),
    );
    checks.check(
        ErrorCode::InvalidDisplayName,
        "display_name",
        check_display_name(&new.display_name),
    );
    checks.check(
        ErrorCode::InvalidPassword,
        "password",
        check_password(&new.password),
    );
    checks.finish()?;

    let password_hash = hash_password(new.password).await?;
    let user = User {
        id: new_id(),
        username,
        display_name: new.display_name.trim().to_string(),
        created_at: now,
    };
    sqlx::query(
        "INSERT INTO users (id, username, display_name, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&user.id)
    .bind(&user.username)
    .bind(&user.display_name)
    .bind(&password_hash)
    .bind(user.created_at)
    .execute(pool)
    .await
    .map_err(|e| {
        conflict_on_unique(e, || AppError::Conflict {
            code: ErrorCode::UsernameTaken,
            field: Some("username"),
            message: format!("The username '{}' is taken. Pick another.", user.username),
        })
    })?;
    Ok(user)
}

/// [`register`] for a visitor at `address`, who may create at most `per_hour` accounts an hour
/// (attempts that create none do not count).
pub async fn register_from(
    pool: &Pool,
    new: Registration,
    address: Option<IpAddr>,
    per_hour: i64,
    now: i64,
) -> Result<User, AppError> {
    let slot = RegistrationSlot::take(pool, address, per_hour, now).await?;
    match register(pool, new, now).await {
        Ok(user) => Ok(user),
        Err(error) => {
            slot.release(pool).await?;
            Err(error)
        }
    }
}

/// A user row with its password hash, as log-in reads it.
#[derive(sqlx::FromRow)]
struct UserWithHash {
    #[sqlx(flatten)]
    user: User,
    password_hash: String,
}

/// Checks a username and password from a visitor at `address`, refusing for a while after
/// repeated failures (see [`super::throttle`] for the limits).
pub async fn log_in(
    pool: &Pool,
    username: &str,
    password: &str,
    address: Option<IpAddr>,
    now: i64,
) -> Result<User, AppError> {
    let username = username.trim().to_lowercase();
    // The slot is taken before the password is checked, so concurrent guesses cannot overrun it.
    let attempt = LogInAttempt::begin(pool, &username, address, now).await?;

    let row: Option<UserWithHash> = sqlx::query_as(
        "SELECT id, username, display_name, password_hash, created_at FROM users WHERE username = $1",
    )
    .bind(&username)
    .fetch_optional(pool)
    .await?;

    // Verify against a dummy hash for unknown names so that timing does not reveal which exist.
    let stored_hash = row
        .as_ref()
        .map(|r| r.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.clone());
    let password_ok = verify_password(password.to_string(), stored_hash).await?;

    match row {
        Some(UserWithHash { user, .. }) if password_ok => {
            attempt.succeeded(pool, now).await?;
            // Said only to who knows the password: a suspended account is told why and until when.
            match crate::moderation::service::active_suspension(pool, &user.id, now).await? {
                Some(suspension) => Err(crate::moderation::service::suspended(&suspension)),
                None => Ok(user),
            }
        }
        _ => {
            attempt.failed(pool, now).await?;
            Err(AppError::Unauthorized {
                code: ErrorCode::InvalidCredentials,
                message: "Wrong username or password.".into(),
            })
        }
    }
}

/// A session just started: the secret for the cookie (never stored) and its expiry.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub expires_at: i64,
}

/// Starts a session for `user_id` lasting `lifetime_secs`.
pub async fn start_session(
    pool: &Pool,
    user_id: &str,
    lifetime_secs: i64,
    now: i64,
) -> Result<NewSession, AppError> {
    let token = crate::secrets::random_alphanumeric(43);
    let expires_at = now + lifetime_secs;
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(sha256_hex(&token))
    .bind(user_id)
    .bind(now)
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(NewSession { token, expires_at })
}

/// The user a session token belongs to, if the session exists, has not expired and its account is
/// not suspended.
pub async fn session_user(pool: &Pool, token: &str, now: i64) -> Result<Option<User>, AppError> {
    Ok(sqlx::query_as::<_, User>(
        "SELECT u.id, u.username, u.display_name, u.created_at \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT EXISTS \
         (SELECT 1 FROM suspensions x WHERE x.user_id = u.id AND (x.ends_at IS NULL OR x.ends_at > $2))",
    )
    .bind(sha256_hex(token))
    .bind(now)
    .fetch_optional(pool)
    .await?)
}

/// Ends a session; later requests with its cookie are anonymous. Also sweeps expired sessions.
pub async fn end_session(pool: &Pool, token: &str, now: i64) -> Result<(), AppError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires_at <= $2")
        .bind(sha256_hex(token))
        .bind(now)
        .execute(pool)
        .await?;
    Ok(())
}

/// A user's public profile by username: who they are, their teams and those teams' resources.
pub async fn profile(pool: &Pool, username: &str) -> Result<Option<Profile>, AppError> {
    let row: Option<User> = sqlx::query_as(
        "SELECT id, username, display_name, created_at FROM users WHERE username = $1",
    )
    .bind(username)
    .fetch_optional(pool)
    .await?;
    let Some(User {
        id,
        username,
        display_name,
        created_at: joined_at,
    }) = row
    else {
        return Ok(None);
    };
    let teams = crate::teams::service::user_teams(pool, &id).await?;
    let mut resources = Vec::new();
    for team in &teams {
        resources.extend(crate::resources::service::public_resources(pool, &team.name).await?);
    }
    Ok(Some(Profile {
        site_role: crate::access::site_role(pool, &id).await?,
        username,
        display_name,
        joined_at,
        teams,
        resources,
    }))
}

/// Changes a user's display name.
pub async fn change_display_name(
    pool: &Pool,
    user_id: &str,
    display_name: &str,
) -> Result<String, AppError> {
    check_display_name(display_name)
        .map_err(|m| AppError::field(ErrorCode::InvalidDisplayName, "display_name", m))?;
    let display_name = display_name.trim().to_string();
    sqlx::query("UPDATE users SET display_name = $1 WHERE id = $2")
        .bind(&display_name)
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(display_name)
}

/// Checks `password` against the user's stored password.
async fn password_matches(pool: &Pool, user_id: &str, password: &str) -> Result<bool, AppError> {
    let (hash,): (String,) = sqlx::query_as("SELECT password_hash FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(pool)
        .await?;
    verify_password(password.to_string(), hash).await
}

fn wrong_current_password(field: &'static str) -> AppError {
    AppError::field(
        ErrorCode::WrongPassword,
        field,
        "This is not your current password.",
    )
}

/// Changes a user's password after checking the current one, and ends every other session of the
/// account (`keep_session` is the secret of the session making the change, which stays).
pub async fn change_password(
    pool: &Pool,
    user_id: &str,
    current: &str,
    new: &str,
    keep_session: Option<&str>,
) -> Result<(), AppError> {
    let mut checks = FieldChecks::default();
    if !password_matches(pool, user_id, current).await? {
        checks.add(wrong_current_password("current_password"))?;
    }
    checks.check(
        ErrorCode::InvalidPassword,
        "new_password",
        check_password(new),
    );
    if current == new && !new.is_empty() {
        checks.check(
            ErrorCode::SamePassword,
            "new_password",
            Err("The new password is the same as the current one.".into()),
        );
    }
    checks.finish()?;
    let hash = hash_password(new.to_string()).await?;
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(&hash)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep_session.map(sha256_hex).unwrap_or_default())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// One team of a user whose account would be deleted: the user's role, its other owners and
/// other members.
#[derive(Debug, sqlx::FromRow)]
struct TeamOfUser {
    id: String,
    name: String,
    title: String,
    role: Role,
    other_owners: i64,
    other_members: i64,
}

/// What deleting the account `user_id` would do (see [`DeletionPlan`]).
pub async fn deletion_plan(pool: &Pool, user_id: &str) -> Result<DeletionPlan, AppError> {
    let teams: Vec<TeamOfUser> = sqlx::query_as(
        "SELECT t.id, t.name, t.title, m.role, \
                (SELECT COUNT(*) FROM team_members o WHERE o.team_id = t.id AND o.user_id <> $1 AND o.role = 'owner') AS other_owners, \
                (SELECT COUNT(*) FROM team_members o WHERE o.team_id = t.id AND o.user_id <> $1) AS other_members \
         FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.user_id = $1 ORDER BY t.name",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    let mut plan = DeletionPlan::default();
    for TeamOfUser {
        id: team_id,
        name,
        title,
        role,
        other_owners,
        other_members,
    } in teams
    {
        if role != Role::Owner || other_owners > 0 {
            plan.left_teams.push(name);
            continue;
        }
        let resources: Vec<String> =
            sqlx::query_scalar("SELECT name FROM resources WHERE team_id = $1 ORDER BY name")
                .bind(&team_id)
                .fetch_all(pool)
                .await?;
        if resources.is_empty() && other_members == 0 {
            plan.deleted_teams.push(name);
        } else {
            plan.blocking.push(BlockingTeam {
                name,
                title,
                resources,
                other_members,
            });
        }
    }
    Ok(plan)
}

/// Deletes an account, once the person has typed their username (`confirm`) and password: their
/// sessions, tokens, invitations and memberships go with it, and so do the teams that only they
/// were in and that hold nothing. Refused while the account is the only owner of a team that
/// holds resources or has other members (the error names them).
pub async fn delete_account(
    pool: &Pool,
    user: &User,
    confirm: &str,
    password: &str,
    now: i64,
) -> Result<(), AppError> {
    let mut checks = FieldChecks::default();
    if confirm.trim() != user.username {
        checks.check(
            ErrorCode::ConfirmationMismatch,
            "confirm",
            Err(format!(
                "Type your username, {}, to confirm.",
                user.username
            )),
        );
    }
    if !password_matches(pool, &user.id, password).await? {
        checks.add(wrong_current_password("password"))?;
    }
    checks.finish()?;
    let plan = deletion_plan(pool, &user.id).await?;
    if !plan.blocking.is_empty() {
        let names: Vec<String> = plan
            .blocking
            .iter()
            .map(|t| format!("'{}'", t.name))
            .collect();
        return Err(AppError::Conflict {
            code: ErrorCode::LastOwner,
            field: None,
            message: format!(
                "You are the only owner of {}. Make someone else an owner, or remove what the team holds, first.",
                names.join(", ")
            ),
        });
    }
    let mut tx = pool.begin().await?;
    for name in &plan.left_teams {
        sqlx::query(
            "INSERT INTO team_audit (id, team_id, actor, action, subject, detail, created_at)              SELECT $1, id, $2, 'deleted their account and left the team', NULL, NULL, $3              FROM teams WHERE name = $4",
        )
        .bind(new_id())
        .bind(&user.username)
        .bind(now)
        .bind(name)
        .execute(&mut *tx)
        .await?;
    }
    for name in &plan.deleted_teams {
        sqlx::query("DELETE FROM teams WHERE name = $1")
            .bind(name)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(&user.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A hash of a random password, verified against when the username is unknown.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_password_blocking(&crate::secrets::random_alphanumeric(32)).unwrap_or_default()
});

fn hash_password_blocking(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Hashes a password with argon2id (off the async threads: it is slow on purpose).
async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_password_blocking(&password))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
}

/// Checks a password against a stored argon2 hash (in constant time, by the argon2 crate).
async fn verify_password(password: String, hash: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(
            verify_password("correct horse battery".into(), hash.clone())
                .await
                .unwrap()
        );
        assert!(!verify_password("wrong horse battery".into(), hash)
            .await
            .unwrap());
        assert!(!verify_password("x".into(), "not a hash".into())
            .await
            .unwrap());
    }
}
