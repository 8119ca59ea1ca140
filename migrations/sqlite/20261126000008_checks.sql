-- CHECK constraints: every column that holds an enum's name is limited to its names, and counts
-- and sizes cannot be negative. The same rules as migrations/postgres/20261126000008_checks.sql,
-- written for SQLite (see src/db.rs: per-backend migrations).
-- SQLite cannot add a constraint to a table, and rebuilding one would delete its children through
-- ON DELETE CASCADE (foreign keys stay on inside the migration's transaction), so each rule is a
-- pair of triggers that refuse a bad insert or update with the rule's name, as Postgres' error
-- names the constraint. Rows already stored are checked by touching the ones that break a rule
-- (`UPDATE ... SET column = column WHERE NOT rule`), which fires the update trigger: a stored
-- value outside its set stops the migration with `<name>: <rule>`. Fix or remove that row, then
-- start the store again.

CREATE TRIGGER resources_checks_insert BEFORE INSERT ON resources BEGIN
    SELECT RAISE(ABORT, 'resources_kind: kind is package or asset-pack') WHERE NOT (NEW.kind IN ('package', 'asset-pack'));
    SELECT RAISE(ABORT, 'resources_package_category: the category of a package is its type: script, game-mode, map, loading-screen or c-module') WHERE NOT (NEW.kind <> 'package' OR NEW.category IN ('script', 'game-mode', 'map', 'loading-screen', 'c-module'));
    SELECT RAISE(ABORT, 'resources_download_count: download_count is not negative') WHERE NOT (NEW.download_count >= 0);
END;
CREATE TRIGGER resources_checks_update BEFORE UPDATE OF kind, category, download_count ON resources BEGIN
    SELECT RAISE(ABORT, 'resources_kind: kind is package or asset-pack') WHERE NOT (NEW.kind IN ('package', 'asset-pack'));
    SELECT RAISE(ABORT, 'resources_package_category: the category of a package is its type: script, game-mode, map, loading-screen or c-module') WHERE NOT (NEW.kind <> 'package' OR NEW.category IN ('script', 'game-mode', 'map', 'loading-screen', 'c-module'));
    SELECT RAISE(ABORT, 'resources_download_count: download_count is not negative') WHERE NOT (NEW.download_count >= 0);
END;
UPDATE resources SET kind = kind WHERE NOT (kind IN ('package', 'asset-pack'));
UPDATE resources SET kind = kind WHERE NOT (kind <> 'package' OR category IN ('script', 'game-mode', 'map', 'loading-screen', 'c-module'));
UPDATE resources SET download_count = download_count WHERE NOT (download_count >= 0);

CREATE TRIGGER releases_checks_insert BEFORE INSERT ON releases BEGIN
    SELECT RAISE(ABORT, 'releases_channel: channel is private, alpha, beta or stable') WHERE NOT (NEW.channel IN ('private', 'alpha', 'beta', 'stable'));
    SELECT RAISE(ABORT, 'releases_state: state is draft or published') WHERE NOT (NEW.state IN ('draft', 'published'));
    SELECT RAISE(ABORT, 'releases_version_numbers: version numbers are not negative') WHERE NOT (NEW.version_major >= 0 AND NEW.version_minor >= 0 AND NEW.version_patch >= 0);
    SELECT RAISE(ABORT, 'releases_sizes: size, unpacked_size, file_count and download_count are not negative') WHERE NOT (NEW.size >= 0 AND NEW.unpacked_size >= 0 AND NEW.file_count >= 0 AND NEW.download_count >= 0);
END;
CREATE TRIGGER releases_checks_update BEFORE UPDATE OF channel, state, version_major, version_minor, version_patch, size, unpacked_size, file_count, download_count ON releases BEGIN
    SELECT RAISE(ABORT, 'releases_channel: channel is private, alpha, beta or stable') WHERE NOT (NEW.channel IN ('private', 'alpha', 'beta', 'stable'));
    SELECT RAISE(ABORT, 'releases_state: state is draft or published') WHERE NOT (NEW.state IN ('draft', 'published'));
    SELECT RAISE(ABORT, 'releases_version_numbers: version numbers are not negative') WHERE NOT (NEW.version_major >= 0 AND NEW.version_minor >= 0 AND NEW.version_patch >= 0);
    SELECT RAISE(ABORT, 'releases_sizes: size, unpacked_size, file_count and download_count are not negative') WHERE NOT (NEW.size >= 0 AND NEW.unpacked_size >= 0 AND NEW.file_count >= 0 AND NEW.download_count >= 0);
END;
UPDATE releases SET channel = channel WHERE NOT (channel IN ('private', 'alpha', 'beta', 'stable'));
UPDATE releases SET state = state WHERE NOT (state IN ('draft', 'published'));
UPDATE releases SET version_major = version_major WHERE NOT (version_major >= 0 AND version_minor >= 0 AND version_patch >= 0);
UPDATE releases SET size = size WHERE NOT (size >= 0 AND unpacked_size >= 0 AND file_count >= 0 AND download_count >= 0);

CREATE TRIGGER release_requirements_checks_insert BEFORE INSERT ON release_requirements BEGIN
    SELECT RAISE(ABORT, 'release_requirements_kind: kind is package or asset-pack') WHERE NOT (NEW.kind IN ('package', 'asset-pack'));
END;
CREATE TRIGGER release_requirements_checks_update BEFORE UPDATE OF kind ON release_requirements BEGIN
    SELECT RAISE(ABORT, 'release_requirements_kind: kind is package or asset-pack') WHERE NOT (NEW.kind IN ('package', 'asset-pack'));
END;
UPDATE release_requirements SET kind = kind WHERE NOT (kind IN ('package', 'asset-pack'));

CREATE TRIGGER team_members_checks_insert BEFORE INSERT ON team_members BEGIN
    SELECT RAISE(ABORT, 'team_members_role: role is owner, admin, developer or member') WHERE NOT (NEW.role IN ('owner', 'admin', 'developer', 'member'));
END;
CREATE TRIGGER team_members_checks_update BEFORE UPDATE OF role ON team_members BEGIN
    SELECT RAISE(ABORT, 'team_members_role: role is owner, admin, developer or member') WHERE NOT (NEW.role IN ('owner', 'admin', 'developer', 'member'));
END;
UPDATE team_members SET role = role WHERE NOT (role IN ('owner', 'admin', 'developer', 'member'));

CREATE TRIGGER team_invitations_checks_insert BEFORE INSERT ON team_invitations BEGIN
    SELECT RAISE(ABORT, 'team_invitations_role: role is owner, admin, developer or member') WHERE NOT (NEW.role IN ('owner', 'admin', 'developer', 'member'));
END;
CREATE TRIGGER team_invitations_checks_update BEFORE UPDATE OF role ON team_invitations BEGIN
    SELECT RAISE(ABORT, 'team_invitations_role: role is owner, admin, developer or member') WHERE NOT (NEW.role IN ('owner', 'admin', 'developer', 'member'));
END;
UPDATE team_invitations SET role = role WHERE NOT (role IN ('owner', 'admin', 'developer', 'member'));

CREATE TRIGGER api_tokens_checks_insert BEFORE INSERT ON api_tokens BEGIN
    SELECT RAISE(ABORT, 'api_tokens_scopes: scopes is a comma-separated list of download, publish and manage') WHERE NOT (REPLACE(REPLACE(REPLACE(',' || NEW.scopes || ',', ',download,', ','), ',publish,', ','), ',manage,', ',') IN (',', ',,'));
END;
CREATE TRIGGER api_tokens_checks_update BEFORE UPDATE OF scopes ON api_tokens BEGIN
    SELECT RAISE(ABORT, 'api_tokens_scopes: scopes is a comma-separated list of download, publish and manage') WHERE NOT (REPLACE(REPLACE(REPLACE(',' || NEW.scopes || ',', ',download,', ','), ',publish,', ','), ',manage,', ',') IN (',', ',,'));
END;
UPDATE api_tokens SET scopes = scopes WHERE NOT (REPLACE(REPLACE(REPLACE(',' || scopes || ',', ',download,', ','), ',publish,', ','), ',manage,', ',') IN (',', ',,'));

CREATE TRIGGER blobs_checks_insert BEFORE INSERT ON blobs BEGIN
    SELECT RAISE(ABORT, 'blobs_size: size is not negative') WHERE NOT (NEW.size >= 0);
END;
CREATE TRIGGER blobs_checks_update BEFORE UPDATE OF size ON blobs BEGIN
    SELECT RAISE(ABORT, 'blobs_size: size is not negative') WHERE NOT (NEW.size >= 0);
END;
UPDATE blobs SET size = size WHERE NOT (size >= 0);

CREATE TRIGGER resource_screenshots_checks_insert BEFORE INSERT ON resource_screenshots BEGIN
    SELECT RAISE(ABORT, 'resource_screenshots_numbers: position is not negative, width and height are positive') WHERE NOT (NEW.position >= 0 AND NEW.width > 0 AND NEW.height > 0);
END;
CREATE TRIGGER resource_screenshots_checks_update BEFORE UPDATE OF position, width, height ON resource_screenshots BEGIN
    SELECT RAISE(ABORT, 'resource_screenshots_numbers: position is not negative, width and height are positive') WHERE NOT (NEW.position >= 0 AND NEW.width > 0 AND NEW.height > 0);
END;
UPDATE resource_screenshots SET position = position WHERE NOT (position >= 0 AND width > 0 AND height > 0);

CREATE TRIGGER attempt_counters_checks_insert BEFORE INSERT ON attempt_counters BEGIN
    SELECT RAISE(ABORT, 'attempt_counters_attempts: attempts is not negative') WHERE NOT (NEW.attempts >= 0);
END;
CREATE TRIGGER attempt_counters_checks_update BEFORE UPDATE OF attempts ON attempt_counters BEGIN
    SELECT RAISE(ABORT, 'attempt_counters_attempts: attempts is not negative') WHERE NOT (NEW.attempts >= 0);
END;
UPDATE attempt_counters SET attempts = attempts WHERE NOT (attempts >= 0);
