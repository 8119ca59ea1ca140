//! Token services: create, list, revoke, and authenticate a request's token.

use super::format;
use super::{
    check_label, check_lifetime_days, CreatedToken, Scope, TokenInfo, MAX_ACTIVE_TOKENS,
    MAX_LIFETIME_DAYS,
};
use crate::accounts::service::User;
use crate::dates::format_date;
use crate::db::{new_id, Pool};
use crate::error::{AppError, ErrorCode, FieldChecks};
use crate::moderation::Suspension;
use crate::secrets::{random_alphanumeric, sha256_hex};

const DAY: i64 = 24 * 60 * 60;
/// `last_used_at` is written at most this often per token.
pub const LAST_USED_RESOLUTION_SECS: i64 = 60;

/// When a new token expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expiry {
    /// This many days from now.
    Days(i64),
    /// Through this day (UTC), written `YYYY-MM-DD`: the token works until its last second.
    Date(String),
}

impl Expiry {
    /// The expiry as Unix seconds, if it is within the allowed range.
    pub fn resolve(&self, now: i64) -> Result<i64, AppError> {
        let invalid = |m: String| AppError::field(ErrorCode::InvalidExpiry, "expiry", m);
        match self {
            Expiry::Days(days) => {
                check_lifetime_days(*days).map_err(invalid)?;
                Ok(now + days * DAY)
            }
            Expiry::Date(text) => {
                let date = parse_date(text).ok_or_else(|| {
                    invalid(format!("{text:?} is not a date; use the form YYYY-MM-DD."))
                })?;
                let today = time::OffsetDateTime::from_unix_timestamp(now)
                    .map_err(|e| AppError::Internal(e.to_string()))?
                    .date();
                let days_ahead = (date - today).whole_days();
                if days_ahead < 0 {
                    return Err(invalid("Pick today or a later date.".into()));
                }
                if days_ahead > MAX_LIFETIME_DAYS {
                    let latest = today + time::Duration::days(MAX_LIFETIME_DAYS);
                    return Err(invalid(format!(
                        "A token can last at most 2 years: pick {latest} or earlier."
                    )));
                }
                // The token works through that day, UTC: it expires at its last second, so the
                // date shown for it (the day of `expires_at`) is the date picked.
                Ok(date.midnight().assume_utc().unix_timestamp() + DAY - 1)
            }
        }
    }
}

fn parse_date(text: &str) -> Option<time::Date> {
    let mut parts = text.trim().splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

/// What a new token needs.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub label: String,
    pub expiry: Expiry,
    pub scopes: Vec<Scope>,
    /// Restrict the token to this team (by name); the user must belong to it.
    pub team: Option<String>,
}

/// Creates a token for `user_id`. The secret is in the result and nowhere else.
pub async fn create(
    pool: &Pool,
    user_id: &str,
    new: NewToken,
    now: i64,
) -> Result<CreatedToken, AppError> {
    let mut checks = FieldChecks::default();
    checks.check(ErrorCode::InvalidLabel, "label", check_label(&new.label));
    let expires_at = match new.expiry.resolve(now) {
        Ok(expires_at) => expires_at,
        Err(error) => {
            checks.add(error)?;
            now
        }
    };
    if new.scopes.is_empty() {
        checks.check(
            ErrorCode::InvalidScopes,
            "scopes",
            Err("Pick at least one scope.".into()),
        );
    }
    checks.finish()?;
    let (active,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(user_id)
    .bind(now)
    .fetch_one(pool)
    .await?;
    if active >= MAX_ACTIVE_TOKENS {
        return Err(AppError::Invalid {
            code: ErrorCode::TooManyTokens,
            field: None,
            message: format!(
                "You have {active} active tokens, the most allowed. Revoke tokens you no longer use first."
            ),
        });
    }

    let team = new.team.filter(|t| !t.trim().is_empty());
    let team_id = match &team {
        Some(name) => {
            let row: Option<(String,)> = sqlx::query_as(
                "SELECT t.id FROM teams t JOIN team_members m ON m.team_id = t.id \
                 WHERE t.name = $1 AND m.user_id = $2",
            )
            .bind(name.trim())
            .bind(user_id)
            .fetch_optional(pool)
            .await?;
            Some(row.map(|(id,)| id).ok_or_else(|| {
                AppError::field(
                    ErrorCode::InvalidTeam,
                    "team",
                    format!("You are not a member of a team named '{}'.", name.trim()),
                )
            })?)
        }
        None => None,
    };

    let token = format::assemble(&random_alphanumeric(format::RANDOM_LEN));
    let info = TokenInfo {
        id: new_id(),
        label: new.label.trim().to_string(),
        scopes: new.scopes,
        team: team.map(|t| t.trim().to_string()),
        created_at: now,
        expires_at,
        last_used_at: None,
    };
    sqlx::query(
        "INSERT INTO api_tokens (id, user_id, label, token_hash, scopes, team_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&info.id)
    .bind(user_id)
    .bind(&info.label)
    .bind(sha256_hex(&token))
    .bind(Scope::join(&info.scopes))
    .bind(&team_id)
    .bind(info.created_at)
    .bind(info.expires_at)
    .execute(pool)
    .await?;
    Ok(CreatedToken { token, info })
}

/// A token's scopes as stored: their names, comma-separated (`download,publish`). A name that is
/// not a scope is a decode error, never dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StoredScopes(Vec<Scope>);

impl std::str::FromStr for StoredScopes {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Scope::parse_list(text).map(StoredScopes)
    }
}

crate::db::text_columns!(StoredScopes);

/// A token row as its owner sees it, with its team's name.
#[derive(Debug, sqlx::FromRow)]
struct TokenRow {
    id: String,
    label: String,
    scopes: StoredScopes,
    team: Option<String>,
    created_at: i64,
    expires_at: i64,
    last_used_at: Option<i64>,
}

impl From<TokenRow> for TokenInfo {
    fn from(row: TokenRow) -> Self {
        TokenInfo {
            id: row.id,
            label: row.label,
            scopes: row.scopes.0,
            team: row.team,
            created_at: row.created_at,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
        }
    }
}

/// The columns of a [`TokenRow`], from `api_tokens k` and `teams t`.
const TOKEN_COLUMNS: &str =
    "k.id, k.label, k.scopes, t.name AS team, k.created_at, k.expires_at, k.last_used_at \
     FROM api_tokens k LEFT JOIN teams t ON t.id = k.team_id";

/// The user's active tokens, newest first.
pub async fn list(pool: &Pool, user_id: &str, now: i64) -> Result<Vec<TokenInfo>, AppError> {
    let rows: Vec<TokenRow> = sqlx::query_as(&format!(
        "SELECT {TOKEN_COLUMNS} WHERE k.user_id = $1 AND k.revoked_at IS NULL AND k.expires_at > $2 \
         ORDER BY k.created_at DESC, k.id DESC"
    ))
    .bind(user_id)
    .bind(now)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(TokenInfo::from).collect())
}

/// One of the user's active tokens, by its secret (never another user's).
pub async fn find_own(
    pool: &Pool,
    user_id: &str,
    secret: &str,
    now: i64,
) -> Result<Option<TokenInfo>, AppError> {
    let row: Option<TokenRow> = sqlx::query_as(&format!(
        "SELECT {TOKEN_COLUMNS} \
         WHERE k.token_hash = $1 AND k.user_id = $2 AND k.revoked_at IS NULL AND k.expires_at > $3"
    ))
    .bind(sha256_hex(secret))
    .bind(user_id)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(TokenInfo::from))
}

/// Revokes one of the user's tokens; it stops working at once. Other users' tokens are `404`.
pub async fn revoke(pool: &Pool, user_id: &str, token_id: &str, now: i64) -> Result<(), AppError> {
    let result = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(token_id)
    .bind(user_id)
    .execute(pool)
    .await?;
    if result.rows_affected() == 0 {
        return Err(AppError::NotFound(
            "No such active token. It may already be revoked.".into(),
        ));
    }
    Ok(())
}

/// A token row with its user, as a request's token is checked.
#[derive(Debug, sqlx::FromRow)]
struct GrantRow {
    token_id: String,
    scopes: StoredScopes,
    team_id: Option<String>,
    expires_at: i64,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
    /// The account's suspension in force, if any (its reason, and its end or `None` for good).
    suspension_reason: Option<String>,
    suspension_ends_at: Option<i64>,
    #[sqlx(flatten)]
    user: User,
}

/// Who a valid token acts for, and what it may do.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    pub token_id: String,
    pub user: User,
    pub scopes: Vec<Scope>,
    pub team_id: Option<String>,
}

fn unauthorized(code: ErrorCode, message: impl Into<String>) -> AppError {
    AppError::Unauthorized {
        code,
        message: message.into(),
    }
}

/// Checks a token from a request. Malformed tokens fail before any lookup; expired and revoked
/// ones say so. Marks the token used (at most once a minute).
pub async fn authenticate(pool: &Pool, token: &str, now: i64) -> Result<TokenGrant, AppError> {
    match format::check(token) {
        Ok(()) => {}
        Err(format::Malformed::NotAToken) => {
            return Err(unauthorized(
                ErrorCode::MalformedToken,
                format!(
                    "This is not a nanos store token: tokens start with {} and have {} characters. \
                     Copy it again from Settings → Tokens.",
                    format::PREFIX,
                    format::TOKEN_LEN
                ),
            ))
        }
        Err(format::Malformed::Mistyped) => {
            return Err(unauthorized(
                ErrorCode::MalformedToken,
                "This token looks mistyped: its last characters do not match the rest. \
                 Copy it again from Settings → Tokens rather than typing it.",
            ))
        }
    }
    let row: Option<GrantRow> = sqlx::query_as(
        "SELECT t.id AS token_id, t.scopes, t.team_id, t.expires_at, t.revoked_at, t.last_used_at, \
                s.reason AS suspension_reason, s.ends_at AS suspension_ends_at, \
                u.id, u.username, u.display_name, u.created_at \
         FROM api_tokens t JOIN users u ON u.id = t.user_id \
         LEFT JOIN suspensions s ON s.user_id = u.id AND (s.ends_at IS NULL OR s.ends_at > $2) \
         WHERE t.token_hash = $1",
    )
    .bind(sha256_hex(token))
    .bind(now)
    .fetch_optional(pool)
    .await?;
    let Some(GrantRow {
        token_id,
        scopes,
        team_id,
        expires_at,
        revoked_at,
        last_used_at,
        suspension_reason,
        suspension_ends_at,
        user,
    }) = row
    else {
        return Err(unauthorized(
            ErrorCode::UnknownToken,
            "This token is not known to this store. It may have been deleted, or be meant for another store.",
        ));
    };
    if let Some(revoked_at) = revoked_at {
        return Err(unauthorized(
            ErrorCode::RevokedToken,
            format!(
                "This token was revoked on {}. Create a new one in Settings → Tokens.",
                format_date(revoked_at)
            ),
        ));
    }
    if expires_at <= now {
        return Err(unauthorized(
            ErrorCode::ExpiredToken,
            format!(
                "This token expired on {}. Create a new one in Settings → Tokens.",
                format_date(expires_at)
            ),
        ));
    }
    if let Some(reason) = suspension_reason {
        return Err(crate::moderation::service::suspended(&Suspension {
            reason,
            ends_at: suspension_ends_at,
        }));
    }
    if last_used_at.is_none_or(|t| t <= now - LAST_USED_RESOLUTION_SECS) {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(&token_id)
            .execute(pool)
            .await?;
    }
    Ok(TokenGrant {
        token_id,
        user,
        scopes: scopes.0,
        team_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000; // 2026-11-18T08:26:40Z

    #[test]
    fn expiry_in_days() {
        assert_eq!(Expiry::Days(7).resolve(NOW).unwrap(), NOW + 7 * DAY);
        assert_eq!(Expiry::Days(730).resolve(NOW).unwrap(), NOW + 730 * DAY);
        assert!(Expiry::Days(731).resolve(NOW).is_err());
        assert!(Expiry::Days(0).resolve(NOW).is_err());
    }

    #[test]
    fn expiry_on_a_date() {
        // Through 2026-11-19, UTC: its last second, so the date shown is the date picked.
        let end = Expiry::Date("2026-11-19".into()).resolve(NOW).unwrap();
        assert_eq!(format_date(end), "2026-11-19");
        assert_eq!(format_date(end + 1), "2026-11-20");
        let picked = Expiry::Date("2027-06-01".into()).resolve(NOW).unwrap();
        assert_eq!(format_date(picked), "2027-06-01", "listed as picked");
        // Today still counts (it ends tonight); yesterday does not.
        assert!(Expiry::Date("2026-11-18".into()).resolve(NOW).is_ok());
        assert!(Expiry::Date("2026-11-17".into()).resolve(NOW).is_err());
        // Two years ahead is the limit.
        assert!(Expiry::Date("2028-11-17".into()).resolve(NOW).is_ok());
        let error = Expiry::Date("2028-11-19".into()).resolve(NOW).unwrap_err();
        assert!(error.to_string().contains("2 years"), "{error}");
        assert!(Expiry::Date("2027-02-30".into()).resolve(NOW).is_err());
        assert!(Expiry::Date("soon".into()).resolve(NOW).is_err());
    }
}
