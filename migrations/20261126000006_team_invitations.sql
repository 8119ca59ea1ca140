-- Invitations to join a team: a team admin invites a user with a role, and membership starts only
-- when that user accepts. One pending invitation per user and team; accepting or declining removes
-- it. Portable SQL: the same statements run on SQLite and Postgres. Times are Unix seconds.

CREATE TABLE team_invitations (
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    -- The inviter's username, copied so the invitation reads the same later.
    invited_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_invitations_by_user ON team_invitations (user_id);
