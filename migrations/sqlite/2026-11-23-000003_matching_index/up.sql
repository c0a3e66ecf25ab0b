-- Matching weights chosen per ideal skillset (JSON; NULL: the defaults).
ALTER TABLE skillsets ADD COLUMN weights TEXT;

-- Every write to a candidate, in commit order: how each instance's in-memory
-- matching index catches up with the others' writes without a full reload.
CREATE TABLE candidate_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    candidate_id TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
