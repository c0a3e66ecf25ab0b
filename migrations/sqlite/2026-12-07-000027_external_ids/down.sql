ALTER TABLE needs DROP COLUMN external_ids;
DROP TABLE need_external_ids;
DROP TABLE candidate_external_ids;
