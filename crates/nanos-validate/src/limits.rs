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
