//! Download counting off the request path: a download is noted in memory, and a background task
//! writes the notes to the database in batches.
//!
//! A download counts as peers count it: once per client address and release within a window
//! ([`Settings::download_count_window`](crate::config::Settings), a day by default). Which
//! requests are downloads (a public release, a fetch from the first byte) is the caller's rule;
//! this module dedupes and writes.
//!
//! - **In memory:** [`DownloadCounts::note`] adds `(release, address)` to a set and returns at
//!   once; the same pair noted twice before a flush is one entry.
//! - **In the database:** [`DownloadCounts::flush`] writes the set in one transaction. Each pair
//!   upserts its row of `download_windows` (the client as a SHA-256, see [`address_key`]), which only
//!   takes when the pair has no row or its last counted download is older than the window; the
//!   pairs that took are added to `releases.download_count` and `resources.download_count`. The
//!   upsert decides, so several store instances on one database, or a note that reaches the
//!   database twice, still count once per window.
//! - **Nothing lost:** a flush that fails puts its notes back for the next one (up to
//!   [`MAX_PENDING`]); the server flushes every [`FLUSH_INTERVAL`], when the set grows to
//!   [`FLUSH_AT`], and once more when it stops.

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::sync::Notify;

use crate::db::{self, Pool};

/// How often the server writes the noted downloads.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(5);
/// Noted downloads that make the server write them before the interval is over.
pub const FLUSH_AT: usize = 10_000;
/// Noted downloads kept in memory at most (while the database does not answer); past it, new
/// notes are dropped with a warning.
pub const MAX_PENDING: usize = 200_000;
/// Pairs written in one statement.
const ROWS_PER_STATEMENT: usize = 200;

/// One download to count: a release of a resource, fetched by an address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Note {
    release_id: String,
    resource_id: String,
    address: IpAddr,
}

/// The downloads noted since the last flush, shared by every handler of one process.
#[derive(Clone)]
pub struct DownloadCounts {
    pending: Arc<Mutex<HashSet<Note>>>,
    grown: Arc<Notify>,
    window: Duration,
}

impl DownloadCounts {
    /// An empty tally that counts one download per address and release within `window`.
    pub fn new(window: Duration) -> DownloadCounts {
        DownloadCounts {
            pending: Arc::default(),
            grown: Arc::new(Notify::new()),
            window,
        }
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, HashSet<Note>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Notes a download of `release_id` (of `resource_id`) by `address`, to be counted at the
    /// next flush. Never waits for the database.
    pub fn note(&self, release_id: &str, resource_id: &str, address: IpAddr) {
        let mut pending = self.pending();
        if pending.len() >= MAX_PENDING {
            tracing::warn!(
                "{MAX_PENDING} downloads are waiting to be counted: the database does not take \
                 them; this download is not counted"
            );
            return;
        }
        pending.insert(Note {
            release_id: release_id.to_owned(),
            resource_id: resource_id.to_owned(),
            address,
        });
        if pending.len() == FLUSH_AT {
            self.grown.notify_one();
        }
    }

    /// Downloads noted and not yet written.
    pub fn pending_len(&self) -> usize {
        self.pending().len()
    }

    /// Writes the noted downloads as of now; returns how many counted (were not already counted
    /// for their address within the window). On failure the notes are kept for the next flush.
    pub async fn flush(&self, pool: &Pool) -> Result<u64, sqlx::Error> {
        self.flush_at(pool, db::now()).await
    }

    /// [`flush`](Self::flush) as if the time were `now` (Unix seconds).
    pub async fn flush_at(&self, pool: &Pool, now: i64) -> Result<u64, sqlx::Error> {
        let notes: Vec<Note> = std::mem::take(&mut *self.pending()).into_iter().collect();
        if notes.is_empty() {
            return Ok(0);
        }
        match write(pool, &notes, now, self.window.as_secs() as i64).await {
            Ok(counted) => Ok(counted),
            Err(error) => {
                let mut pending = self.pending();
                let room = MAX_PENDING.saturating_sub(pending.len());
                if notes.len() > room {
                    tracing::warn!(
                        dropped = notes.len() - room,
                        "{MAX_PENDING} downloads are waiting to be counted: some of them are not"
                    );
                }
                pending.extend(notes.into_iter().take(room));
                Err(error)
            }
        }
    }

    /// Flushes every [`FLUSH_INTERVAL`] (or sooner when [`FLUSH_AT`] downloads wait) until
    /// `stop` completes, then once more. Failures are logged and retried at the next flush.
    pub async fn run(&self, pool: Pool, stop: impl std::future::Future<Output = ()>) {
        let mut stop = std::pin::pin!(stop);
        loop {
            let stopping = tokio::select! {
                () = &mut stop => true,
                () = tokio::time::sleep(FLUSH_INTERVAL) => false,
                () = self.grown.notified() => false,
            };
            if let Err(error) = self.flush(&pool).await {
                tracing::warn!(%error, waiting = self.pending_len(), "cannot count downloads yet");
            }
            if stopping {
                return;
            }
        }
    }
}

/// The stored form of an address: the SHA-256 (hex) of the client, which is the IPv4 address (an
/// IPv4-mapped IPv6 address counts as its IPv4 one) or the IPv6 /64 network, since one IPv6 host
/// commonly has a whole /64 to rotate through. The hash keeps the table from being a list of
/// addresses at a glance; it is not anonymous (IPv4 can be enumerated), so the table is personal
/// data for as long as a row lives (one window).
fn address_key(address: IpAddr) -> String {
    let client = match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
        v4 => v4,
    };
    hex::encode(Sha256::digest(client.to_string().as_bytes()))
}

/// Upserts each note's window row and adds the ones that took to the counts, in one transaction.
async fn write(pool: &Pool, notes: &[Note], now: i64, window: i64) -> Result<u64, sqlx::Error> {
    let cutoff = now - window;
    // One order for every writer, so that two instances flushing at once take their row locks in
    // the same order (Postgres) and cannot deadlock.
    let mut notes: Vec<(&Note, String)> = notes
        .iter()
        .map(|note| (note, address_key(note.address)))
        .collect();
    notes.sort_by(|a, b| (&a.0.release_id, &a.1).cmp(&(&b.0.release_id, &b.1)));
    // Addresses of one IPv6 network are one client: one row each, or Postgres refuses a statement
    // that would update a row twice.
    notes.dedup_by(|a, b| a.0.release_id == b.0.release_id && a.1 == b.1);
    let resource_of: BTreeMap<&str, &str> = notes
        .iter()
        .map(|(note, _)| (note.release_id.as_str(), note.resource_id.as_str()))
        .collect();
    let mut counted_by_release: BTreeMap<String, i64> = BTreeMap::new();
    let mut transaction = pool.begin().await?;
    for chunk in notes.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${}, ${})", 3 * i + 2, 3 * i + 3, 3 * i + 4))
            .collect();
        let sql = format!(
            "INSERT INTO download_windows (release_id, address_key, counted_at) VALUES {} \
             ON CONFLICT (release_id, address_key) DO UPDATE SET counted_at = excluded.counted_at \
             WHERE download_windows.counted_at <= $1 \
             RETURNING release_id",
            rows.join(", ")
        );
        let mut query = sqlx::query_scalar::<_, String>(&sql).bind(cutoff);
        for (note, key) in chunk {
            query = query
                .bind(note.release_id.as_str())
                .bind(key.as_str())
                .bind(now);
        }
        for release_id in query.fetch_all(&mut *transaction).await? {
            *counted_by_release.entry(release_id).or_default() += 1;
        }
    }
    let mut counted_by_resource: BTreeMap<&str, i64> = BTreeMap::new();
    for (release_id, counted) in &counted_by_release {
        sqlx::query("UPDATE releases SET download_count = download_count + $1 WHERE id = $2")
            .bind(*counted)
            .bind(release_id.as_str())
            .execute(&mut *transaction)
            .await?;
        if let Some(resource_id) = resource_of.get(release_id.as_str()) {
            *counted_by_resource.entry(resource_id).or_default() += counted;
        }
    }
    for (resource_id, counted) in counted_by_resource {
        sqlx::query("UPDATE resources SET download_count = download_count + $1 WHERE id = $2")
            .bind(counted)
            .bind(resource_id)
            .execute(&mut *transaction)
            .await?;
    }
    transaction.commit().await?;
    // Rows whose window is over count again anyway: drop them, so the table stays the size of a
    // window's traffic. Apart from the counting transaction, so that two instances renewing rows
    // at once never wait on each other's deletions; a failure here loses nothing.
    if let Err(error) = sqlx::query("DELETE FROM download_windows WHERE counted_at <= $1")
        .bind(cutoff)
        .execute(pool)
        .await
    {
        tracing::warn!(%error, "cannot remove expired download windows yet");
    }
    Ok(counted_by_release.values().sum::<i64>() as u64)
}

#[cfg(test)]
mod tests {
    use super::address_key;

    #[test]
    fn a_client_is_an_ipv4_address_or_an_ipv6_network() {
        let key = |text: &str| address_key(text.parse().unwrap());
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:10.0.0.1"), key("10.0.0.1"));
        assert_ne!(key("10.0.0.1"), key("10.0.0.2"));
    }
}
