-- Full-text search of resources on Postgres: a generated tsvector of the name (weight A), title
-- (B), tags (C) and descriptions (D) with a GIN index. Postgres keeps it current on every write.
-- The same search as migrations/sqlite/20261126000010_search.sql (see src/resources/search.rs).
--
-- Every character that is not a letter or a digit becomes a space first, and the `simple`
-- configuration lowercases without stemming or stop words, like SQLite's unicode61 tokenizer.
-- (Letters beyond ASCII follow the database's locale: create it with a UTF-8 one.)
-- The column is never selected: the Any driver cannot decode a tsvector.

ALTER TABLE resources ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', regexp_replace(name, '[^[:alnum:]]+', ' ', 'g')), 'A') ||
    setweight(to_tsvector('simple', regexp_replace(title, '[^[:alnum:]]+', ' ', 'g')), 'B') ||
    setweight(to_tsvector('simple', regexp_replace(search_tags, '[^[:alnum:]]+', ' ', 'g')), 'C') ||
    setweight(to_tsvector('simple', regexp_replace(short_description || ' ' || description, '[^[:alnum:]]+', ' ', 'g')), 'D')
) STORED;

CREATE INDEX resources_search ON resources USING GIN (search);
