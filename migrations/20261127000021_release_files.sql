-- Each release's files, from its zip's central directory, kept at upload time (and, for releases
-- uploaded before this table, the first time their files are asked for): the file browser lists
-- them, comparisons read their sizes and CRCs, and one file is read from the zip by its own byte
-- range (`header_offset` up to `data_limit`, where the next entry or the central directory starts)
-- without reading the directory again.
CREATE TABLE release_files (
    release_id TEXT NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    -- The entry's name in the zip (UTF-8, `/`-separated, no directory entries).
    path TEXT NOT NULL,
    size BIGINT NOT NULL,
    compressed_size BIGINT NOT NULL,
    crc32 BIGINT NOT NULL,
    -- The zip's compression method (0 stored, 8 deflate) and general-purpose flags.
    method BIGINT NOT NULL,
    flags BIGINT NOT NULL,
    header_offset BIGINT NOT NULL,
    data_limit BIGINT NOT NULL,
    PRIMARY KEY (release_id, path)
);

