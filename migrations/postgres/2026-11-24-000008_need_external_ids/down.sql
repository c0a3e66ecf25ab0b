DROP INDEX candidates_created;
DROP INDEX needs_external_id;
ALTER TABLE needs DROP COLUMN external_id;
