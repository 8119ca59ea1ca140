//! Throttling of log-ins and registrations, kept in the database so that several store processes
//! sharing one Postgres enforce the same limits.
//!
//! Every request takes its slot *before* it does the work (the password check, the new account):
//! one conditional upsert per counter adds the attempt only when the counter allows it, and
//! answers whether it did. Concurrent requests therefore cannot all pass a check made before any
//! of them was recorded: on Postgres the upsert locks the counter's row until the transaction
//! ends, on SQLite a writing statement holds the database's write lock. A log-in that then turns
//! out right gives its slots back.
//!
//! Log-ins are counted three ways, so that nobody can lock the owner out of their account:
//! - per account *and* address, strictly: this is what stops guessing from one place;
//! - per account from all addresses, only slowing down: a stranger's failures make other new
//!   addresses wait a little, never for long, and never the addresses the owner has logged in
//!   from before;
//! - per address over all accounts, generously: this stops one address from trying passwords
//!   across many accounts (credential stuffing) while an office or school behind one address
//!   still gets by.
//!
//! IPv6 addresses count per /64 network, the block one subscriber usually gets, so that cycling
//! through addresses of one's own network gains nothing.

use std::net::IpAddr;

use sqlx::AnyConnection;

use super::USERNAME_MAX;
use crate::db::Pool;
use crate::error::AppError;

/// How long the per account-and-address and per-address log-in counts last.
pub const LOGIN_WINDOW_SECS: i64 = 15 * 60;
/// Failed log-ins to one account from one address within the window; the next attempts from
/// there are refused until the window ends. Five covers a few typos and a forgotten caps lock.
pub const MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS: i64 = 5;
/// Failed log-ins from one address over all accounts within the window. A hundred in 15 minutes
/// is far more than the people behind one shared address mistype, yet caps credential stuffing
/// from it at 400 guesses an hour.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 100;
/// How long the per-account count (over all addresses) lasts.
pub const ACCOUNT_WINDOW_SECS: i64 = 60 * 60;
/// Failed log-ins to one account from all addresses within its window before attempts from new
/// addresses slow down: twice the per-address limit, so one careless owner never meets it.
pub const ACCOUNT_FAILURES_BEFORE_DELAY: i64 = 10;
/// Each failure past the free ones makes the next attempt from a new address wait this much longer
/// after the previous attempt...
pub const ACCOUNT_DELAY_STEP_SECS: i64 = 5;
/// ...up to this. So a guesser spread over many addresses gets about 45 guesses an hour at one
/// account, while the owner, from a new address, waits two minutes at worst.
pub const ACCOUNT_MAX_DELAY_SECS: i64 = 120;
/// An address the owner logged in from skips the per-account delay for this long.
pub const KNOWN_ADDRESS_SECS: i64 = 30 * 24 * 60 * 60;
/// How long the per-address registration count lasts (its limit is a setting).
pub const REGISTRATION_WINDOW_SECS: i64 = 60 * 60;

/// When a counter refuses an attempt.
#[derive(Debug, Clone, Copy)]
enum Gate {
    /// At most this many attempts per window.
    AtMost(i64),
    /// `free` attempts per window, then each waits after the previous one for `step` seconds
    /// more than the last did, up to `cap` seconds.
    Slowing { free: i64, step: i64, cap: i64 },
    /// Counted, never refused.
    Open,
}

impl Gate {
    /// How long until this gate lets a counter at `attempts`, last tried at `last_attempt_at`,
    /// with its window ending at `window_ends_at`, take another attempt.
    fn wait_secs(self, attempts: i64, window_ends_at: i64, last_attempt_at: i64, now: i64) -> i64 {
        let ready_at = match self {
            Gate::AtMost(_) => window_ends_at,
            Gate::Slowing { free, step, cap } => {
                let delay = ((attempts - free + 1) * step).min(cap);
                (last_attempt_at + delay).min(window_ends_at)
            }
            Gate::Open => now,
        };
        (ready_at - now).max(1)
    }
}

/// Adds one attempt to `subject`'s counter if its gate allows it; otherwise leaves it unchanged
/// and answers how many seconds to wait.
async fn take_slot(
    conn: &mut AnyConnection,
    subject: &str,
    window_secs: i64,
    gate: Gate,
    now: i64,
) -> Result<Result<(), i64>, sqlx::Error> {
    // $1 subject, $2 now, $3 window length; the gate's own values from $4.
    let condition = match gate {
        Gate::AtMost(_) => {
            " WHERE attempt_counters.window_ends_at <= $2 \
                              OR attempt_counters.attempts < $4"
        }
        Gate::Slowing { .. } => {
            " WHERE attempt_counters.window_ends_at <= $2 \
               OR attempt_counters.attempts < $4 \
               OR $2 >= attempt_counters.last_attempt_at + CASE \
                    WHEN (attempt_counters.attempts - $4 + 1) * $5 > $6 THEN $6 \
                    ELSE (attempt_counters.attempts - $4 + 1) * $5 END"
        }
        Gate::Open => "",
    };
    let sql = format!(
        "INSERT INTO attempt_counters (subject, attempts, window_ends_at, last_attempt_at) \
         VALUES ($1, 1, $2 + $3, $2) \
         ON CONFLICT (subject) DO UPDATE SET \
           attempts = CASE WHEN attempt_counters.window_ends_at <= $2 THEN 1 \
                      ELSE attempt_counters.attempts + 1 END, \
           window_ends_at = CASE WHEN attempt_counters.window_ends_at <= $2 THEN $2 + $3 \
                            ELSE attempt_counters.window_ends_at END, \
           last_attempt_at = $2{condition} \
         RETURNING attempts"
    );
    let mut query = sqlx::query_scalar::<_, i64>(&sql)
        .bind(subject)
        .bind(now)
        .bind(window_secs);
    query = match gate {
        Gate::AtMost(max) => query.bind(max),
        Gate::Slowing { free, step, cap } => query.bind(free).bind(step).bind(cap),
        Gate::Open => query,
    };
    if query.fetch_optional(&mut *conn).await?.is_some() {
        return Ok(Ok(()));
    }
    let (attempts, window_ends_at, last_attempt_at): (i64, i64, i64) = sqlx::query_as(
        "SELECT attempts, window_ends_at, last_attempt_at FROM attempt_counters WHERE subject = $1",
    )
    .bind(subject)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Err(gate.wait_secs(
        attempts,
        window_ends_at,
        last_attempt_at,
        now,
    )))
}

/// Gives back one attempt taken from each of `subjects`.
async fn give_back(pool: &Pool, subjects: &[&str]) -> Result<(), sqlx::Error> {
    for subject in subjects {
        sqlx::query(
            "UPDATE attempt_counters SET attempts = attempts - 1 \
             WHERE subject = $1 AND attempts > 0",
        )
        .bind(subject)
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// Deletes counters whose window has ended and that mark no known address.
async fn sweep(pool: &Pool, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM attempt_counters \
         WHERE window_ends_at <= $1 AND (known_until IS NULL OR known_until <= $1)",
    )
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// How an address is counted: IPv4 as itself, IPv6 by its /64 network, an unknown one together
/// with all other unknown ones.
fn address_key(address: Option<IpAddr>) -> String {
    match address.map(|a| a.to_canonical()) {
        None => "unknown".to_string(),
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => ipnet::Ipv6Net::new(v6, 64)
            .map(|net| net.trunc().to_string())
            .unwrap_or_else(|_| v6.to_string()),
    }
}

/// "N seconds" for short waits, "N minutes" (rounded up) for long ones.
fn wait_phrase(secs: i64) -> String {
    let (amount, unit) = if secs < 120 {
        (secs, "second")
    } else {
        ((secs + 59) / 60, "minute")
    };
    format!("{amount} {unit}{}", if amount == 1 { "" } else { "s" })
}

fn too_many(message: &str, retry_after_secs: i64) -> AppError {
    AppError::TooManyRequests {
        message: format!("{message} Try again in {}.", wait_phrase(retry_after_secs)),
        retry_after_secs,
    }
}

/// A log-in attempt that holds its slots; report how it ended with [`LogInAttempt::succeeded`]
/// or [`LogInAttempt::failed`]. Dropped without either, it counts as a failure.
#[derive(Debug)]
pub struct LogInAttempt {
    pair: String,
    account: String,
    address: String,
}

impl LogInAttempt {
    /// Takes a slot on each of the attempt's counters, or none and a 429 when one refuses.
    pub async fn begin(
        pool: &Pool,
        username: &str,
        address: Option<IpAddr>,
        now: i64,
    ) -> Result<LogInAttempt, AppError> {
        // Longer names cannot exist; counting them as one only slows down whoever sends them.
        let account: String = username.chars().take(USERNAME_MAX + 1).collect();
        let address = address_key(address);
        let attempt = LogInAttempt {
            pair: format!("pair:{account}|{address}"),
            account: format!("account:{account}"),
            address: format!("address:{address}"),
        };

        // Always pair, account, address: one order for every request, so Postgres's row locks
        // cannot deadlock.
        let mut tx = pool.begin().await?;
        let pair_gate = Gate::AtMost(MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS);
        if let Err(wait) =
            take_slot(&mut tx, &attempt.pair, LOGIN_WINDOW_SECS, pair_gate, now).await?
        {
            return Err(too_many(
                "Too many failed log-ins for this account from your address.",
                wait,
            ));
        }
        let known_until: Option<i64> =
            sqlx::query_scalar("SELECT known_until FROM attempt_counters WHERE subject = $1")
                .bind(&attempt.pair)
                .fetch_one(&mut *tx)
                .await?;
        let account_gate = if known_until.is_some_and(|until| until > now) {
            Gate::Open
        } else {
            Gate::Slowing {
                free: ACCOUNT_FAILURES_BEFORE_DELAY,
                step: ACCOUNT_DELAY_STEP_SECS,
                cap: ACCOUNT_MAX_DELAY_SECS,
            }
        };
        if let Err(wait) = take_slot(
            &mut tx,
            &attempt.account,
            ACCOUNT_WINDOW_SECS,
            account_gate,
            now,
        )
        .await?
        {
            return Err(too_many(
                "Many failed log-ins for this account from other addresses slow it down.",
                wait,
            ));
        }
        let address_gate = Gate::AtMost(MAX_FAILURES_PER_ADDRESS);
        if let Err(wait) = take_slot(
            &mut tx,
            &attempt.address,
            LOGIN_WINDOW_SECS,
            address_gate,
            now,
        )
        .await?
        {
            return Err(too_many("Too many failed log-ins from your address.", wait));
        }
        tx.commit().await?;
        Ok(attempt)
    }

    /// The password was right: the failures from this address are forgiven, the address becomes
    /// a known one for the account, and the other counters get their slot back.
    pub async fn succeeded(self, pool: &Pool, now: i64) -> Result<(), AppError> {
        sqlx::query(
            "UPDATE attempt_counters SET attempts = 0, known_until = $2 WHERE subject = $1",
        )
        .bind(&self.pair)
        .bind(now + KNOWN_ADDRESS_SECS)
        .execute(pool)
        .await?;
        give_back(pool, &[&self.account, &self.address]).await?;
        Ok(())
    }

    /// The log-in failed: the slots stay taken. Also sweeps counters that have run out.
    pub async fn failed(self, pool: &Pool, now: i64) -> Result<(), AppError> {
        sweep(pool, now).await?;
        Ok(())
    }
}

/// Takes one of `per_hour` slots an hour from `subject`'s count (such as `report:USER_ID`), or
/// answers 429 with `refusal` and when to try again.
pub async fn take_hourly(
    pool: &Pool,
    subject: &str,
    per_hour: i64,
    now: i64,
    refusal: &str,
) -> Result<(), AppError> {
    let mut conn = pool.acquire().await?;
    let taken = take_slot(
        &mut conn,
        subject,
        REGISTRATION_WINDOW_SECS,
        Gate::AtMost(per_hour),
        now,
    )
    .await?;
    drop(conn);
    match taken {
        Ok(()) => Ok(sweep(pool, now).await?),
        Err(wait) => Err(too_many(refusal, wait)),
    }
}

/// A registration's slot in its address's hourly count; give it back with
/// [`RegistrationSlot::release`] when no account was created.
#[derive(Debug)]
pub struct RegistrationSlot {
    subject: String,
}

impl RegistrationSlot {
    /// Takes a slot from `address`'s count of `per_hour` new accounts, or answers 429.
    pub async fn take(
        pool: &Pool,
        address: Option<IpAddr>,
        per_hour: i64,
        now: i64,
    ) -> Result<RegistrationSlot, AppError> {
        let subject = format!("register:{}", address_key(address));
        take_hourly(
            pool,
            &subject,
            per_hour,
            now,
            "Too many new accounts from your address.",
        )
        .await?;
        Ok(RegistrationSlot { subject })
    }

    /// No account was created (a taken name, a bad field): the slot is free again.
    pub async fn release(self, pool: &Pool) -> Result<(), AppError> {
        give_back(pool, &[&self.subject]).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_counts_per_64_network() {
        let a = "2001:db8:1:2:aaaa::1".parse().ok();
        let b = "2001:db8:1:2:bbbb::2".parse().ok();
        let c = "2001:db8:1:3::1".parse().ok();
        assert_eq!(address_key(a), "2001:db8:1:2::/64");
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        assert_eq!(address_key("::ffff:192.0.2.1".parse().ok()), "192.0.2.1");
        assert_eq!(address_key(None), "unknown");
    }

    #[test]
    fn the_account_delay_grows_up_to_its_cap() {
        let gate = Gate::Slowing {
            free: ACCOUNT_FAILURES_BEFORE_DELAY,
            step: ACCOUNT_DELAY_STEP_SECS,
            cap: ACCOUNT_MAX_DELAY_SECS,
        };
        let wait = |attempts| gate.wait_secs(attempts, 10_000, 0, 0);
        assert_eq!(wait(ACCOUNT_FAILURES_BEFORE_DELAY), ACCOUNT_DELAY_STEP_SECS);
        assert_eq!(
            wait(ACCOUNT_FAILURES_BEFORE_DELAY + 1),
            2 * ACCOUNT_DELAY_STEP_SECS
        );
        assert_eq!(wait(1_000), ACCOUNT_MAX_DELAY_SECS);
        // Never past the end of the window, never less than a second.
        assert_eq!(gate.wait_secs(1_000, 30, 0, 0), 30);
        assert_eq!(Gate::AtMost(5).wait_secs(5, 100, 0, 100), 1);
    }

    #[test]
    fn waits_read_as_seconds_or_minutes() {
        assert_eq!(wait_phrase(1), "1 second");
        assert_eq!(wait_phrase(45), "45 seconds");
        assert_eq!(wait_phrase(900), "15 minutes");
        assert_eq!(wait_phrase(121), "3 minutes");
    }
}
