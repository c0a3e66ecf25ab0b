-- Custom fields the practice defines on candidates, needs and assignments
-- (for every organization, or for one), and their values. A record's row
-- holds its values (a candidate's in `lists`, the others' in `custom_fields`,
-- JSON); the value tables serve the list filters, one row per value (per
-- option of a multi-choice), as text.
CREATE TABLE custom_fields (
    resource TEXT NOT NULL,
    key TEXT NOT NULL,
    label TEXT NOT NULL,
    description TEXT,
    field_type TEXT NOT NULL,
    options TEXT NOT NULL,
    required BOOLEAN NOT NULL,
    organization_id TEXT REFERENCES organizations (id) ON DELETE CASCADE,
    active BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (resource, key)
);
CREATE TABLE candidate_custom_values (
    candidate_id TEXT NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (candidate_id, key, value)
);
CREATE INDEX candidate_custom_values_by_value ON candidate_custom_values (key, value, candidate_id);
CREATE TABLE need_custom_values (
    need_id TEXT NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (need_id, key, value)
);
CREATE INDEX need_custom_values_by_value ON need_custom_values (key, value, need_id);
CREATE TABLE assignment_custom_values (
    assignment_id TEXT NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (assignment_id, key, value)
);
CREATE INDEX assignment_custom_values_by_value ON assignment_custom_values (key, value, assignment_id);
ALTER TABLE needs ADD COLUMN custom_fields TEXT NOT NULL DEFAULT '{}';
ALTER TABLE assignments ADD COLUMN custom_fields TEXT NOT NULL DEFAULT '{}';
