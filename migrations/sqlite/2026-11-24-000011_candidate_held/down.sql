ALTER TABLE candidates DROP COLUMN held;
