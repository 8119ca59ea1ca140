//! The validator's limits, the same in the browser, on the server and on the command line.

use serde::{Deserialize, Serialize};

/// One GiB.
pub const GIB: u64 = 1024 * 1024 * 1024;
/// One MiB.
pub const MIB: u64 = 1024 * 1024;

/// Bounds on what a release zip may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Largest archive, in bytes (`too-large`).
    pub max_archive_size: u64,
    /// Most entries (`too-many-entries`).
    pub max_entries: u64,
    /// Largest total unpacked size, in bytes (`unpacked-too-large`).
    pub max_unpacked_size: u64,
    /// Entries smaller than this, unpacked, are never called bombs.
    pub bomb_min_size: u64,
    /// Highest allowed ratio of unpacked to packed size for larger entries (`zip-bomb`).
    pub bomb_max_ratio: u64,
    /// Largest manifest, unpacked, in bytes.
    pub max_manifest_size: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_archive_size: GIB,
            max_entries: 50_000,
            max_unpacked_size: 8 * GIB,
            bomb_min_size: MIB,
            bomb_max_ratio: 200,
            max_manifest_size: MIB,
        }
    }
}

impl Limits {
    /// The limits for a store that accepts uploads of up to `max_upload_size` bytes (its
    /// `max_upload_size` setting): the archive limit is that size, so that what the store accepts
    /// over HTTP is never refused as `too-large` by the validator, and a zip the validator passes
    /// is never refused by HTTP. The unpacked limit grows with it (to at least 8 times the archive
    /// limit) so that a large archive of stored, uncompressed files is not refused for its unpacked
    /// size; the other limits stay as they are.
    pub fn for_upload_size(max_upload_size: u64) -> Limits {
        let default = Limits::default();
        Limits {
            max_archive_size: max_upload_size,
            max_unpacked_size: default
                .max_unpacked_size
                .max(max_upload_size.saturating_mul(8)),
            ..default
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_archive_limit_follows_the_upload_size() {
        let small = Limits::for_upload_size(100);
        assert_eq!(small.max_archive_size, 100);
        assert_eq!(small.max_unpacked_size, Limits::default().max_unpacked_size);
        // Raised above the built-in 1 GiB: the validator's limit follows.
        let large = Limits::for_upload_size(5 * GIB);
        assert_eq!(large.max_archive_size, 5 * GIB);
        assert!(large.max_archive_size > Limits::default().max_archive_size);
        assert_eq!(large.max_unpacked_size, 40 * GIB);
        assert_eq!(large.max_entries, Limits::default().max_entries);
    }
}
