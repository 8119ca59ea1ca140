-- The staff's list of recent uploads (`/admin`) reads releases newest first.
CREATE INDEX releases_created_at ON releases (created_at);
