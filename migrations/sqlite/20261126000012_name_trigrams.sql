-- Finding resources whose name contains a query (`car` in `racecar`) from an index instead of a
-- `LIKE '%car%'` scan of every name: an FTS5 `trigram` index of the names, keyed like the search
-- index (resource_search_keys), kept current by the same triggers. The same search as
-- migrations/postgres/20261126000012_name_trigrams.sql (see push_name_contains in
-- src/resources/service.rs). Trigrams find a query of 3 characters or more.

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
    INSERT INTO resource_search_keys (resource_id) VALUES (NEW.id);
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
