-- Interim assignments, created by placing a candidate from a need's
-- pipeline, with their extensions, roadmap milestones and check-ins against
-- the need's success criteria. Kept column for column in step with
-- migrations/sqlite. A candidate or need with assignments cannot be deleted.
CREATE TABLE assignments (
    id TEXT PRIMARY KEY,
    candidate_id TEXT NOT NULL REFERENCES candidates (id),
    need_id TEXT NOT NULL REFERENCES needs (id),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    pipeline_entry_id TEXT REFERENCES pipeline_entries (id) ON DELETE SET NULL,
    start_date DATE NOT NULL,
    planned_end DATE NOT NULL,
    actual_end DATE,
    day_rate_amount BIGINT NOT NULL,
    day_rate_currency TEXT NOT NULL,
    status TEXT NOT NULL,
    termination_reason TEXT,
    outcome_rating INTEGER,
    evaluation TEXT,
    successor_candidate_id TEXT REFERENCES candidates (id) ON DELETE SET NULL,
    successor_name TEXT,
    hand_over_date DATE,
    hand_over_notes TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX assignments_candidate ON assignments (candidate_id, status);
CREATE INDEX assignments_need ON assignments (need_id);
CREATE INDEX assignments_organization ON assignments (organization_id, created_at, id);
CREATE INDEX assignments_created ON assignments (created_at, id);
CREATE INDEX assignments_planned_end ON assignments (planned_end, id);

CREATE TABLE assignment_extensions (
    id TEXT PRIMARY KEY,
    assignment_id TEXT NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    previous_end DATE NOT NULL,
    new_end DATE NOT NULL,
    reason TEXT NOT NULL,
    agreed_by TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX assignment_extensions_assignment ON assignment_extensions (assignment_id, created_at, id);

CREATE TABLE assignment_milestones (
    id TEXT PRIMARY KEY,
    assignment_id TEXT NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    skill_key TEXT,
    status TEXT NOT NULL,
    due_date DATE,
    notes TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX assignment_milestones_assignment ON assignment_milestones (assignment_id, position, id);

CREATE TABLE assignment_check_ins (
    id TEXT PRIMARY KEY,
    assignment_id TEXT NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    metric TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    measured_on DATE NOT NULL,
    note TEXT,
    actor TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX assignment_check_ins_assignment ON assignment_check_ins (assignment_id, measured_on, id);
