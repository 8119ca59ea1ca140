-- Who yanked a release: 'team' or 'staff'. A yank by the staff is the staff's to take back.
-- Portable SQL: the same statements run on SQLite and Postgres.
ALTER TABLE releases ADD COLUMN yanked_by TEXT;
UPDATE releases SET yanked_by = 'team' WHERE yanked_at IS NOT NULL;
