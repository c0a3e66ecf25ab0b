-- The pipeline: a candidate considered for a need, one entry per (need,
-- candidate), with every stage move and the notes on it. Kept column for
-- column in step with migrations/postgres.
-- organization_id is the need's, copied so lists confine organization
-- members to their own without a join.
CREATE TABLE pipeline_entries (
    id TEXT PRIMARY KEY,
    need_id TEXT NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
    candidate_id TEXT NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    rejection_reason TEXT,
    -- The match when shortlisted: score 0-100, the skillset and its version
    -- it was computed with, and the explanation as JSON text.
    match_score REAL,
    match_skillset_id TEXT,
    match_skillset_version BIGINT,
    match_explanation TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (need_id, candidate_id)
);
CREATE INDEX pipeline_entries_need_created ON pipeline_entries (need_id, created_at, id);
CREATE INDEX pipeline_entries_candidate_created ON pipeline_entries (candidate_id, created_at, id);
CREATE INDEX pipeline_entries_organization ON pipeline_entries (organization_id, stage);

-- Every move of an entry, the first being its addition (no from_stage).
-- actor is the caller's subject (user:<id>, api_key:<id>), never personal data.
CREATE TABLE pipeline_moves (
    id TEXT PRIMARY KEY,
    entry_id TEXT NOT NULL REFERENCES pipeline_entries (id) ON DELETE CASCADE,
    from_stage TEXT,
    to_stage TEXT NOT NULL,
    reason TEXT,
    note TEXT,
    actor TEXT NOT NULL,
    moved_at TIMESTAMP NOT NULL
);
CREATE INDEX pipeline_moves_entry ON pipeline_moves (entry_id, moved_at, id);

CREATE TABLE pipeline_notes (
    id TEXT PRIMARY KEY,
    entry_id TEXT NOT NULL REFERENCES pipeline_entries (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX pipeline_notes_entry ON pipeline_notes (entry_id, created_at, id);
