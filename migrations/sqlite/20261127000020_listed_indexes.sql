-- The twin of migrations/postgres/20261127000020_listed_indexes.sql, which makes Postgres's listing
-- indexes partial (the listed resources only). SQLite's plans already walk its listing indexes in
-- order and stop at a page's last row (scripts/bench-listings), and need nothing.
SELECT 1;
