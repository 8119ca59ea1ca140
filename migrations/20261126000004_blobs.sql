-- One row per stored release file (content-addressed by SHA-256). Creating a release and deleting
-- the last release of a blob both write this row first, in the same transaction as the release, so
-- that for any one blob, placing its file and removing it happen one at a time, on every instance.
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
INSERT INTO blobs (sha256, size, created_at)
    SELECT sha256, MIN(size), MIN(created_at) FROM releases GROUP BY sha256;
