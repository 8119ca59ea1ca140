-- Finding resources whose name contains a query (`car` in `racecar`) from an index instead of a
-- scan of every name: a trigram (pg_trgm) GIN index of the names, which `name LIKE '%car%'` uses.
-- The same search as migrations/sqlite/20261126000012_name_trigrams_and_search_keys.sql (see
-- push_name_contains in src/resources/service.rs). Trigrams find a query of 3 characters or more;
-- a shorter one finds the names that start with it.
--
-- pg_trgm ships with Postgres (contrib) and is a trusted extension: the database's owner may
-- create it without being a superuser.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX resources_name_trigrams ON resources USING GIN (name gin_trgm_ops);
