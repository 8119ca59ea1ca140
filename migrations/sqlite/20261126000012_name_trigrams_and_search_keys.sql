-- Two things that make searches on SQLite read little (see resources::service::Filters). The same
-- search as migrations/postgres/20261126000012_name_trigrams.sql.
--
-- 1. Names that contain a query (`car` in `racecar`) come from an FTS5 `trigram` index of the
--    names instead of a `LIKE '%car%'` scan of every name. Trigrams find a query of 3 characters
--    or more; a shorter one finds the names that start with it (`resource_search_keys_by_name`).
-- 2. The search keys carry a copy of the columns a search filters and sorts by (kind, name, team,
--    category, download count, update time). A search that matches thousands of resources then
--    reads one narrow row per match, found by the integer key the search indexes give, instead of
--    following each match to its resource by text id; only the page's rows are read from
--    `resources`.
--
-- The triggers keep both current on every write.

ALTER TABLE resource_search_keys ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE resource_search_keys ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE resource_search_keys ADD COLUMN team_id TEXT NOT NULL DEFAULT '';
ALTER TABLE resource_search_keys ADD COLUMN category TEXT NOT NULL DEFAULT '';
ALTER TABLE resource_search_keys ADD COLUMN download_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE resource_search_keys ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;

UPDATE resource_search_keys SET (kind, name, team_id, category, download_count, updated_at) =
    (SELECT r.kind, r.name, r.team_id, r.category, r.download_count, r.updated_at
     FROM resources r WHERE r.id = resource_search_keys.resource_id);

-- Names that start with a short query (see push_name_contains).
CREATE INDEX resource_search_keys_by_name ON resource_search_keys (kind, name);

CREATE VIRTUAL TABLE resource_names USING fts5(
    name,
    content = '', contentless_delete = 1,
    tokenize = 'trigram'
);

INSERT INTO resource_names (rowid, name)
    SELECT k.key, r.name FROM resource_search_keys k JOIN resources r ON r.id = k.resource_id;

DROP TRIGGER resource_search_insert;
DROP TRIGGER resource_search_update;
DROP TRIGGER resource_search_delete;

CREATE TRIGGER resource_search_insert AFTER INSERT ON resources BEGIN
    INSERT INTO resource_search_keys (resource_id, kind, name, team_id, category, download_count, updated_at)
        VALUES (NEW.id, NEW.kind, NEW.name, NEW.team_id, NEW.category, NEW.download_count, NEW.updated_at);
    INSERT INTO resource_search (rowid, name, title, tags, body)
        SELECT key, NEW.name, NEW.title, NEW.search_tags, NEW.short_description || ' ' || NEW.description
        FROM resource_search_keys WHERE resource_id = NEW.id;
    INSERT INTO resource_names (rowid, name)
        SELECT key, NEW.name FROM resource_search_keys WHERE resource_id = NEW.id;
END;

-- Download counts and times do not change the text: only these columns reindex.
CREATE TRIGGER resource_search_update AFTER UPDATE OF name, title, short_description, description, search_tags
ON resources BEGIN
    DELETE FROM resource_search WHERE rowid = (SELECT key FROM resource_search_keys WHERE resource_id = OLD.id);
    INSERT INTO resource_search (rowid, name, title, tags, body)
        SELECT key, NEW.name, NEW.title, NEW.search_tags, NEW.short_description || ' ' || NEW.description
        FROM resource_search_keys WHERE resource_id = NEW.id;
    DELETE FROM resource_names WHERE rowid = (SELECT key FROM resource_search_keys WHERE resource_id = OLD.id);
    INSERT INTO resource_names (rowid, name)
        SELECT key, NEW.name FROM resource_search_keys WHERE resource_id = NEW.id;
END;

CREATE TRIGGER resource_search_delete AFTER DELETE ON resources BEGIN
    DELETE FROM resource_search WHERE rowid = (SELECT key FROM resource_search_keys WHERE resource_id = OLD.id);
    DELETE FROM resource_names WHERE rowid = (SELECT key FROM resource_search_keys WHERE resource_id = OLD.id);
    DELETE FROM resource_search_keys WHERE resource_id = OLD.id;
END;

CREATE TRIGGER resource_search_listing AFTER UPDATE OF kind, name, team_id, category, download_count, updated_at
ON resources BEGIN
    UPDATE resource_search_keys
    SET kind = NEW.kind, name = NEW.name, team_id = NEW.team_id, category = NEW.category,
        download_count = NEW.download_count, updated_at = NEW.updated_at
    WHERE resource_id = NEW.id;
END;
