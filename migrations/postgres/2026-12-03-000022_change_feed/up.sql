-- The change feed (GET /api/v1/changes): every event announced (candidate,
-- need, pipeline entry, assignment, document: created, updated, deleted,
-- merged)
-- in commit order, kept for CHANGES_KEPT_DAYS. Writers append under
-- the advisory lock of candidate_changes, so sequence numbers become visible
-- in order and a reader never skips one still being committed.
CREATE TABLE changes (
    seq BIGSERIAL PRIMARY KEY,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    resource TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    organization_id TEXT,
    -- The scope a caller needs to see the change (candidates:read …).
    read_scope TEXT NOT NULL,
    data TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL
);
CREATE INDEX changes_by_organization ON changes (organization_id, seq);
CREATE INDEX changes_by_time ON changes (occurred_at);

-- The last sequence number forgotten: a reader whose cursor is older has
-- missed changes and must sync again from the lists (410).
CREATE TABLE changes_horizon (
    id INTEGER PRIMARY KEY,
    forgotten_through BIGINT NOT NULL
);
INSERT INTO changes_horizon (id, forgotten_through) VALUES (1, 0);
