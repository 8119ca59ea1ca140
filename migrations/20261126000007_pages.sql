-- What the resource pages show beyond the description: license, links, icon, README, screenshots,
-- and each release's requirements (for "required by" lookups).
-- Portable SQL: the same statements run on SQLite and Postgres. Times are Unix seconds.

-- An SPDX license expression (e.g. `MIT`, `Apache-2.0 OR MIT`), or NULL when not given.
ALTER TABLE resources ADD COLUMN license TEXT;
-- http(s) links, NULL when not given.
ALTER TABLE resources ADD COLUMN source_url TEXT;
ALTER TABLE resources ADD COLUMN issues_url TEXT;
ALTER TABLE resources ADD COLUMN wiki_url TEXT;
ALTER TABLE resources ADD COLUMN discord_url TEXT;
-- The icon: the stored image files (SHA-256 of each size) and where it came from (`zip` when
-- taken from a release's Package.jpg / Assets.jpg, `upload` when a team member chose it; a zip's
-- image never replaces an uploaded one).
ALTER TABLE resources ADD COLUMN icon_small TEXT;
ALTER TABLE resources ADD COLUMN icon_large TEXT;
ALTER TABLE resources ADD COLUMN icon_source TEXT;
-- The README.md of the newest uploaded release that had one, rendered: shown while the resource's
-- own description is empty.
ALTER TABLE resources ADD COLUMN readme_html TEXT;

-- Screenshots, shown in `position` order. Each size is a stored image file (by SHA-256).
CREATE TABLE resource_screenshots (
    id TEXT PRIMARY KEY,
    resource_id TEXT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    caption TEXT NOT NULL,
    image TEXT NOT NULL,
    thumbnail TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX resource_screenshots_by_resource ON resource_screenshots (resource_id, position);

-- Each release's requirements, from its manifest, written with the release: what requires a
-- resource is one indexed lookup instead of a scan of every manifest.
CREATE TABLE release_requirements (
    release_id TEXT NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    -- `package` or `assets`, and the required resource's name.
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (release_id, kind, name)
);
CREATE INDEX release_requirements_by_target ON release_requirements (kind, name);
