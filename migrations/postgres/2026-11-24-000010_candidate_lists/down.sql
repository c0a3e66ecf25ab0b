ALTER TABLE candidates DROP COLUMN lists;
