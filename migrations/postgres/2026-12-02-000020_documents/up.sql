-- Documents of candidates (a CV, a cover letter …) and of assignments (a
-- contract, a statement of work), their bytes held in the database so that
-- every instance serves them and a backup holds them. Kept column for column
-- in step with migrations/sqlite.
-- Exactly one owner. `content_type` is the type told from the bytes;
-- `sha256` the hex digest of `content`. `text` is what was read of the
-- document (for search), `text_status` 'extracted', 'unreadable' (then
-- `text_error` says why) or 'not_applicable'. `content` is last, so reading
-- the other columns never touches the pages the bytes fill.
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    candidate_id TEXT REFERENCES candidates (id) ON DELETE CASCADE,
    assignment_id TEXT REFERENCES assignments (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL CHECK (size_bytes >= 0),
    sha256 TEXT NOT NULL,
    text_status TEXT NOT NULL,
    text_error TEXT,
    text TEXT,
    uploaded_by TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    content BYTEA NOT NULL,
    CHECK ((candidate_id IS NULL) <> (assignment_id IS NULL))
);
CREATE INDEX documents_candidate ON documents (candidate_id, created_at, id);
CREATE INDEX documents_assignment ON documents (assignment_id, created_at, id);
