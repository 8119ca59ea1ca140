-- Moderation (src/moderation): the store's staff, the log of what they do, suspended accounts,
-- yanked releases and taken-down resources and releases.
-- Portable SQL: the same statements run on SQLite and Postgres. Times are Unix seconds.

-- Site-wide roles ('moderator' or 'admin'); a user without a row has none.
CREATE TABLE site_roles (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    granted_at BIGINT NOT NULL
);

-- A suspended account, until `ends_at` (NULL: for good). Lifting a suspension deletes its row.
CREATE TABLE suspensions (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    ends_at BIGINT,
    suspended_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- A yanked release stays downloadable by its exact version, but is never the latest.
ALTER TABLE releases ADD COLUMN yanked_at BIGINT;
ALTER TABLE releases ADD COLUMN yank_reason TEXT;

-- A takedown hides a resource or a release from everyone but its team and the staff:
-- 'gone' (410) or 'legal' (451), with the reason they are shown.
ALTER TABLE resources ADD COLUMN takedown TEXT;
ALTER TABLE resources ADD COLUMN takedown_reason TEXT;
ALTER TABLE releases ADD COLUMN takedown TEXT;
ALTER TABLE releases ADD COLUMN takedown_reason TEXT;

-- What staff did, and why. `team_id` names the team an entry concerns, which sees that entry.
-- `actor` and `subject` are names as they were, so entries outlive renames and deletions.
CREATE TABLE moderation_log (
    id TEXT PRIMARY KEY,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    team_id TEXT,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX moderation_log_by_time ON moderation_log (created_at);
CREATE INDEX moderation_log_by_team ON moderation_log (team_id, created_at);
