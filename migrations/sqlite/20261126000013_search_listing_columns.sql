-- A search on SQLite filters and sorts by the columns of its search keys, not of `resources`:
-- each key carries a copy of the resource's kind, name, team, category, download count and update
-- time, kept current by triggers. A search that matches thousands of resources then reads one
-- narrow row per match (found by the integer key the search indexes give) instead of following
-- each match to its resource by text id; only the page's rows are read from `resources`
-- (resources::service::Filters). Postgres reads the `search` column of `resources` itself.

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

DROP TRIGGER resource_search_insert;
CREATE TRIGGER resource_search_insert AFTER INSERT ON resources BEGIN
    INSERT INTO resource_search_keys (resource_id, kind, name, team_id, category, download_count, updated_at)
        VALUES (NEW.id, NEW.kind, NEW.name, NEW.team_id, NEW.category, NEW.download_count, NEW.updated_at);
    INSERT INTO resource_search (rowid, name, title, tags, body)
        SELECT key, NEW.name, NEW.title, NEW.search_tags, NEW.short_description || ' ' || NEW.description
        FROM resource_search_keys WHERE resource_id = NEW.id;
    INSERT INTO resource_names (rowid, name)
        SELECT key, NEW.name FROM resource_search_keys WHERE resource_id = NEW.id;
END;

CREATE TRIGGER resource_search_listing AFTER UPDATE OF kind, name, team_id, category, download_count, updated_at
ON resources BEGIN
    UPDATE resource_search_keys
    SET kind = NEW.kind, name = NEW.name, team_id = NEW.team_id, category = NEW.category,
        download_count = NEW.download_count, updated_at = NEW.updated_at
    WHERE resource_id = NEW.id;
END;
