-- Full-text search of resources on SQLite: an FTS5 index of the name, title, tags and
-- descriptions, kept current by triggers, so that every way a resource is written (services,
-- command line, direct SQL) is indexed. The same search as migrations/postgres/20261126000010_search.sql
-- (see src/resources/search.rs).
--
-- The index is contentless (no second copy of the descriptions) and keyed by a small table with an
-- INTEGER PRIMARY KEY, because a resource's key is text and its rowid may change on VACUUM.
-- The tokenizer splits on every character that is not a letter or a digit, lowercases, and keeps
-- accents, like the Postgres side. Prefix indexes of 2 and 3 characters make searching as you type
-- cheap.

CREATE TABLE resource_search_keys (
    key INTEGER PRIMARY KEY,
    resource_id TEXT NOT NULL UNIQUE
);

CREATE VIRTUAL TABLE resource_search USING fts5(
    name, title, tags, body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0',
    prefix = '2 3'
);

INSERT INTO resource_search_keys (resource_id) SELECT id FROM resources ORDER BY created_at, id;
INSERT INTO resource_search (rowid, name, title, tags, body)
    SELECT k.key, r.name, r.title, r.search_tags, r.short_description || ' ' || r.description
    FROM resource_search_keys k JOIN resources r ON r.id = k.resource_id;

CREATE TRIGGER resource_search_insert AFTER INSERT ON resources BEGIN
    INSERT INTO resource_search_keys (resource_id) VALUES (NEW.id);
    INSERT INTO resource_search (rowid, name, title, tags, body)
        SELECT key, NEW.name, NEW.title, NEW.search_tags, NEW.short_description || ' ' || NEW.description
        FROM resource_search_keys WHERE resource_id = NEW.id;
END;

-- Download counts and times do not change the text: only these columns reindex.
CREATE TRIGGER resource_search_update AFTER UPDATE OF name, title, short_description, description, search_tags
ON resources BEGIN
    DELETE FROM resource_search WHERE rowid = (SELECT key FROM resource_search_keys WHERE resource_id = OLD.id);
    INSERT INTO resource_search (rowid, name, title, tags, body)
        SELECT key, NEW.name, NEW.title, NEW.search_tags, NEW.short_description || ' ' || NEW.description
        FROM resource_search_keys WHERE resource_id = NEW.id;
END;

CREATE TRIGGER resource_search_delete AFTER DELETE ON resources BEGIN
    DELETE FROM resource_search WHERE rowid = (SELECT key FROM resource_search_keys WHERE resource_id = OLD.id);
    DELETE FROM resource_search_keys WHERE resource_id = OLD.id;
END;
