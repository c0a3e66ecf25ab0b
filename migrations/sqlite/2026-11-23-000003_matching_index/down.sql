DROP TABLE candidate_changes;
ALTER TABLE skillsets DROP COLUMN weights;
