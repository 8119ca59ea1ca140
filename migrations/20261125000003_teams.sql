-- Teams hold resources; members have a role: owner, admin, developer or member.

CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE team_members (
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_by_user ON team_members (user_id);

-- Who added, removed or changed whom. Names are copied so the log reads the same later.
CREATE TABLE team_audit (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT,
    detail TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX team_audit_by_team ON team_audit (team_id, created_at);

-- Resources (packages and asset packs) belong to a team; their releases arrive with the upload
-- pipeline. A team that holds resources cannot be deleted.
CREATE TABLE resources (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    team_id TEXT NOT NULL REFERENCES teams (id),
    title TEXT NOT NULL,
    short_description TEXT NOT NULL,
    description TEXT NOT NULL,
    category TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    download_count BIGINT NOT NULL DEFAULT 0,
    UNIQUE (kind, name)
);
CREATE INDEX resources_by_team ON resources (team_id);
