-- Reports (src/moderation/reports.rs): a logged-in user reports a resource, or one of its
-- releases, to the store's staff, who assign, dismiss or act on it; the reporter sees the outcome.
-- Portable SQL: the same statements run on SQLite and Postgres. Times are Unix seconds.

CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    -- NULL once the reporter's account is deleted; the report stays for the staff.
    reporter_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    resource_id TEXT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    -- The release reported, or NULL for the whole resource.
    version TEXT,
    -- malware, stolen-content, broken, spam or other.
    reason TEXT NOT NULL,
    details TEXT NOT NULL,
    -- open, dismissed or acted-on.
    status TEXT NOT NULL,
    -- The staff member handling it (a username, as it was).
    assignee TEXT,
    resolution_note TEXT,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT
);
CREATE INDEX reports_by_status ON reports (status, created_at);
CREATE INDEX reports_by_reporter ON reports (reporter_id, created_at);
