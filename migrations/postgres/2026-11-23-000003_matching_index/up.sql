-- Matching weights chosen per ideal skillset (JSON; NULL: the defaults).
ALTER TABLE skillsets ADD COLUMN weights TEXT;

-- Every write to a candidate, in commit order (writers append under an
-- advisory lock, so sequence numbers become visible in order): how each
-- instance's in-memory matching index catches up with the others' writes
-- without a full reload.
CREATE TABLE candidate_changes (
    seq BIGSERIAL PRIMARY KEY,
    candidate_id TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
