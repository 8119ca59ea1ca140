-- API tokens for game servers, the command line and CI. Only the SHA-256 of a token is stored.

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    -- Comma-separated: download, publish, manage.
    scopes TEXT NOT NULL,
    -- When set, the token acts only on this team's resources.
    team_id TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);
