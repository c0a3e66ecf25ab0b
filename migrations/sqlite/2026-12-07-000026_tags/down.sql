ALTER TABLE needs DROP COLUMN tags;
DROP TABLE need_tags;
DROP TABLE candidate_tags;
