-- The twin of migrations/sqlite/20261127000015_search_keys_takedown.sql, which copies a resource's
-- takedown into SQLite's search keys. Postgres searches `resources` itself and needs nothing.
SELECT 1;
