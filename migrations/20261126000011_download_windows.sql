-- Download counting (src/download_counts.rs): one row per release and client address, holding
-- when that address's download of the release last counted. A download counts when its pair has
-- no row or the row is older than the counting window; rows past the window are deleted.
-- No foreign key: a release deleted before its downloads are written leaves rows that expire.
-- Portable SQL: the same statements run on SQLite and Postgres. Times are Unix seconds.

CREATE TABLE download_windows (
    release_id TEXT NOT NULL,
    -- The SHA-256 (hex) of the address, not the address itself.
    address_key TEXT NOT NULL,
    counted_at BIGINT NOT NULL,
    PRIMARY KEY (release_id, address_key)
);
CREATE INDEX download_windows_by_time ON download_windows (counted_at);
