-- The twin of migrations/postgres/20261126000013_search_head.sql, which gives Postgres a search
-- index of the names and titles alone. SQLite needs none: its FTS5 index answers a search of the
-- name and title columns (`{name title} : …`) from the same entries, without reading the rows.
SELECT 1;
