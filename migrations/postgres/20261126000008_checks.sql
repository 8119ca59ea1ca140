-- CHECK constraints: every column that holds an enum's name is limited to its names, and counts
-- and sizes cannot be negative. The same rules as migrations/sqlite/20261126000008_checks.sql,
-- written for Postgres (see src/db.rs: per-backend migrations).
-- Postgres checks the rows already stored when a constraint is added: a stored value outside its
-- set stops the migration with `check constraint "<name>" of relation "<table>" is violated by
-- some row`. Fix or remove that row, then start the store again.

ALTER TABLE resources
    ADD CONSTRAINT resources_kind CHECK (kind IN ('package', 'asset-pack')),
    ADD CONSTRAINT resources_package_category CHECK (kind <> 'package' OR category IN ('script', 'game-mode', 'map', 'loading-screen', 'c-module')),
    ADD CONSTRAINT resources_download_count CHECK (download_count >= 0);

ALTER TABLE releases
    ADD CONSTRAINT releases_channel CHECK (channel IN ('private', 'alpha', 'beta', 'stable')),
    ADD CONSTRAINT releases_state CHECK (state IN ('draft', 'published')),
    ADD CONSTRAINT releases_version_numbers CHECK (version_major >= 0 AND version_minor >= 0 AND version_patch >= 0),
    ADD CONSTRAINT releases_sizes CHECK (size >= 0 AND unpacked_size >= 0 AND file_count >= 0 AND download_count >= 0);

ALTER TABLE release_requirements
    ADD CONSTRAINT release_requirements_kind CHECK (kind IN ('package', 'asset-pack'));

ALTER TABLE team_members
    ADD CONSTRAINT team_members_role CHECK (role IN ('owner', 'admin', 'developer', 'member'));

ALTER TABLE team_invitations
    ADD CONSTRAINT team_invitations_role CHECK (role IN ('owner', 'admin', 'developer', 'member'));

ALTER TABLE api_tokens
    ADD CONSTRAINT api_tokens_scopes CHECK (REPLACE(REPLACE(REPLACE(',' || scopes || ',', ',download,', ','), ',publish,', ','), ',manage,', ',') IN (',', ',,'));

ALTER TABLE blobs
    ADD CONSTRAINT blobs_size CHECK (size >= 0);

ALTER TABLE resource_screenshots
    ADD CONSTRAINT resource_screenshots_numbers CHECK (position >= 0 AND width > 0 AND height > 0);

ALTER TABLE attempt_counters
    ADD CONSTRAINT attempt_counters_attempts CHECK (attempts >= 0);
