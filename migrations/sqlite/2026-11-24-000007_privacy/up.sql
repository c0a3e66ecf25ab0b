-- Privacy: consent records per candidate, erasure, and jobs that run on a
-- schedule once across every instance (the retention purge).
-- Kept column for column in step with the other backend's migration.

CREATE TABLE candidate_consents (
    id TEXT PRIMARY KEY,
    candidate_id TEXT NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    given_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    withdrawn_at TIMESTAMP,
    source TEXT,
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX candidate_consents_candidate ON candidate_consents (candidate_id, created_at);

-- Set when the candidate's personal data was erased; the row stays as an
-- anonymous placeholder so placement statistics still add up.
ALTER TABLE candidates ADD COLUMN erased_at TIMESTAMP;

-- A job runs when an instance moves next_run_at forward first: of several
-- instances, one wins each run.
CREATE TABLE scheduled_jobs (
    name TEXT PRIMARY KEY,
    next_run_at TIMESTAMP NOT NULL
);

-- Every run of a scheduled job or its CLI command, and what it did.
CREATE TABLE job_runs (
    id TEXT PRIMARY KEY,
    job TEXT NOT NULL,
    instance TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    affected INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX job_runs_job ON job_runs (job, started_at);
