-- Nothing to do on Postgres. On SQLite this version gives the search keys a copy of the columns a
-- search filters and sorts by (migrations/sqlite/20261126000013_search_listing_columns.sql); a
-- Postgres search reads the `search` column of `resources` itself. Every version exists for both
-- backends, so that both record the same history.
SELECT 1;
