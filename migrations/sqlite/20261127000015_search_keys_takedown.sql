-- A SQLite search reads the search keys, not `resources` (see 20261126000012): they carry a copy
-- of `takedown` too, so that a search leaves out what the staff took down (20261127000014).
ALTER TABLE resource_search_keys ADD COLUMN takedown TEXT;

UPDATE resource_search_keys SET takedown =
    (SELECT r.takedown FROM resources r WHERE r.id = resource_search_keys.resource_id);

CREATE TRIGGER resource_search_takedown AFTER UPDATE OF takedown ON resources BEGIN
    UPDATE resource_search_keys SET takedown = NEW.takedown WHERE resource_id = NEW.id;
END;
