-- What candidates are compared by to find possible duplicates (one row per
-- key: the e-mail as compared, the phone's last digits, city and the start
-- of the last name), kept in the transaction of every write of a candidate.
CREATE TABLE candidate_keys (
    candidate_id TEXT NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    rule TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (candidate_id, rule, value)
);
CREATE INDEX candidate_keys_by_value ON candidate_keys (rule, value);

-- Pairs someone reviewed and found to be two people (the smaller id first).
CREATE TABLE candidate_distinct_pairs (
    candidate_id TEXT NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    other_id TEXT NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    decided_by TEXT NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    PRIMARY KEY (candidate_id, other_id)
);

-- Candidates merged into another: the old id leads to the survivor (no
-- foreign key: the survivor may be merged or deleted in turn).
CREATE TABLE candidate_merges (
    merged_id TEXT PRIMARY KEY NOT NULL,
    survivor_id TEXT NOT NULL,
    merged_by TEXT NOT NULL,
    merged_at TIMESTAMP NOT NULL
);
CREATE INDEX candidate_merges_by_survivor ON candidate_merges (survivor_id);
