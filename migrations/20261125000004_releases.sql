-- Resource tags and releases. Release files are content-addressed blobs (by SHA-256) in storage.

CREATE TABLE resource_tags (
    resource_id TEXT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (resource_id, tag)
);
CREATE INDEX resource_tags_by_tag ON resource_tags (tag);

CREATE TABLE releases (
    id TEXT PRIMARY KEY,
    resource_id TEXT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    version TEXT NOT NULL,
    -- The version's numbers, for ordering.
    version_major BIGINT NOT NULL,
    version_minor BIGINT NOT NULL,
    version_patch BIGINT NOT NULL,
    -- private, alpha, beta or stable.
    channel TEXT NOT NULL,
    -- draft or published.
    state TEXT NOT NULL,
    changelog TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    unpacked_size BIGINT NOT NULL,
    file_count BIGINT NOT NULL,
    -- The validator's manifest summary, as JSON.
    manifest TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    published_at BIGINT,
    download_count BIGINT NOT NULL DEFAULT 0,
    UNIQUE (resource_id, version)
);
CREATE INDEX releases_by_blob ON releases (sha256);
