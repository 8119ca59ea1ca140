-- A small search index of the names and titles alone, beside the full one (`search`, migration
-- 20261126000010), for the first tiers of a search's ranking (see Filters::push_match and list in
-- src/resources/service.rs). A search ranked by relevance first looks for its page among names
-- and titles: with weights, `search` would answer that only by reading and rechecking the whole
-- vector, descriptions included, of every resource that mentions the word anywhere.
-- The same tokens as `search` (see migrations/postgres/20261126000010_search.sql).

ALTER TABLE resources ADD COLUMN search_head tsvector GENERATED ALWAYS AS (
    to_tsvector('simple', regexp_replace(name, '[^[:alnum:]]+', ' ', 'g')) ||
    to_tsvector('simple', regexp_replace(title, '[^[:alnum:]]+', ' ', 'g'))
) STORED;

CREATE INDEX resources_search_head ON resources USING GIN (search_head);
