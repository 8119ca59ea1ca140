-- Review (NANOS_STORE_REVIEW_POLICY): under the store's review policy, publishing a release puts
-- it in review (it stays a draft) until a moderator approves it, which publishes it, or declines
-- it with a reason its team reads.
-- Portable SQL: the same statements run on SQLite and Postgres.

-- NULL (no review asked), 'pending' or 'declined'.
ALTER TABLE releases ADD COLUMN review TEXT;
-- Why it was declined.
ALTER TABLE releases ADD COLUMN review_reason TEXT;
