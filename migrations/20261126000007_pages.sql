-- What the resource pages show beyond the description: license, links, icons, READMEs, screenshots,
-- and each release's requirements (for "required by" lookups).
-- Portable SQL: the same statements run on SQLite and Postgres. Times are Unix seconds.

-- An SPDX license expression (e.g. `MIT`, `Apache-2.0 OR MIT`), or NULL when not given.
ALTER TABLE resources ADD COLUMN license TEXT;
-- http(s) links, NULL when not given.
ALTER TABLE resources ADD COLUMN source_url TEXT;
ALTER TABLE resources ADD COLUMN issues_url TEXT;
ALTER TABLE resources ADD COLUMN wiki_url TEXT;
ALTER TABLE resources ADD COLUMN discord_url TEXT;
-- The icon a team member uploaded: the stored image files (SHA-256 of each size). Without one,
-- pages show the image of the newest public release that had one (release_media).
ALTER TABLE resources ADD COLUMN icon_small TEXT;
ALTER TABLE resources ADD COLUMN icon_large TEXT;

-- What each release's zip brought for the pages, taken when it was uploaded: its Package.jpg /
-- Assets.jpg as an icon, and its README.md rendered. Pages use the newest public release's, so a
-- draft's never shows before it is published.
CREATE TABLE release_media (
    release_id TEXT PRIMARY KEY REFERENCES releases (id) ON DELETE CASCADE,
    icon_small TEXT,
    icon_large TEXT,
    readme_html TEXT
);

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
    -- `package` or `asset-pack`, and the required resource's name.
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (release_id, kind, name)
);
CREATE INDEX release_requirements_by_target ON release_requirements (kind, name);
