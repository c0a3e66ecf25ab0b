DROP TABLE job_runs;
DROP TABLE scheduled_jobs;
ALTER TABLE candidates DROP COLUMN erased_at;
DROP TABLE candidate_consents;
