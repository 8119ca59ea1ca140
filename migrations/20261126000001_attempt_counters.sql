-- Throttling counters for log-ins and registrations, replacing one row per failed log-in.
-- A request takes its slot with one conditional upsert before it does any work, so concurrent
-- requests cannot all pass a check made before any of them is recorded (see accounts::service).
-- Portable SQL: the same statements run on SQLite and Postgres. Times are Unix seconds.

DROP TABLE login_failures;

CREATE TABLE attempt_counters (
    -- `pair:ACCOUNT|ADDRESS`, `account:ACCOUNT`, `address:ADDRESS` or `register:ADDRESS`.
    subject TEXT PRIMARY KEY,
    -- Attempts in the current window; the window restarts with the first attempt after it ends.
    attempts BIGINT NOT NULL,
    window_ends_at BIGINT NOT NULL,
    last_attempt_at BIGINT NOT NULL,
    -- For `pair:` rows: until when the address counts as one the account's owner logged in from.
    known_until BIGINT
);
CREATE INDEX attempt_counters_by_window_end ON attempt_counters (window_ends_at);
