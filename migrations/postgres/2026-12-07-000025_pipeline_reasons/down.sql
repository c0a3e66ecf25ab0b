DROP INDEX pipeline_moves_closing;
ALTER TABLE pipeline_moves DROP COLUMN reason_detail;
ALTER TABLE pipeline_entries DROP COLUMN reason_detail;
ALTER TABLE pipeline_entries RENAME COLUMN reason TO rejection_reason;
DROP TABLE pipeline_reasons;
