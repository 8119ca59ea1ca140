-- Listings and search at scale (issue #13): an index for every filter and sort, and the tags of
-- each resource in one column for the search index and the listing cards.
-- Portable SQL: the same statements run on SQLite and Postgres.

-- The resource's tags, sorted and separated by spaces. Written with the tags (resource_tags stays
-- the table filters use); the search index of each backend reads it.
ALTER TABLE resources ADD COLUMN search_tags TEXT NOT NULL DEFAULT '';
UPDATE resources SET search_tags = COALESCE((SELECT string_agg(g.tag, ' ' ORDER BY g.tag)
    FROM resource_tags g WHERE g.resource_id = resources.id), '');

-- One index per sort of a listing (always of one kind), ending in the name (the tie-break) and
-- the id, so that finding a page's ids walks the index alone, deep pages included. Sorting by
-- name uses UNIQUE (kind, name).
CREATE INDEX resources_by_updated ON resources (kind, updated_at DESC, name, id);
CREATE INDEX resources_by_downloads ON resources (kind, download_count DESC, name, id);
CREATE INDEX resources_by_category ON resources (kind, category, updated_at DESC, name, id);
-- A team's resources of a kind; replaces resources_by_team, its prefix.
CREATE INDEX resources_by_team_kind ON resources (team_id, kind, name);
DROP INDEX resources_by_team;
-- The resources of a tag, without reading the table.
CREATE INDEX resource_tags_by_tag_resource ON resource_tags (tag, resource_id);
DROP INDEX resource_tags_by_tag;
