-- Listings at scale (issue #13), since takedowns (20261127000014): a listing leaves out what the
-- staff took down (`takedown IS NULL`), a column the listing indexes did not hold, so Postgres read
-- every row they found from the table to check it (a deep page read 8,000 rows). They become
-- partial indexes of the listed resources, and finding a page's ids, deep pages included, reads the
-- index alone again.
DROP INDEX resources_by_updated;
CREATE INDEX resources_by_updated ON resources (kind, updated_at DESC, name, id)
    WHERE takedown IS NULL;
DROP INDEX resources_by_downloads;
CREATE INDEX resources_by_downloads ON resources (kind, download_count DESC, name, id)
    WHERE takedown IS NULL;
DROP INDEX resources_by_category;
CREATE INDEX resources_by_category ON resources (kind, category, updated_at DESC, name, id)
    WHERE takedown IS NULL;
-- The listed resources by id, with their kind: counting a tag's resources of a kind merges the
-- tag's index with this one, without reading the table (it hashed the whole table before).
CREATE INDEX resources_listed_by_id ON resources (id, kind) WHERE takedown IS NULL;
