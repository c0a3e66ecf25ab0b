-- Notes on candidates, needs and assignments (`subject` names which), each
-- kept for the practice only or shared with an organization: the need's or
-- assignment's own, or one a candidate note is shared with.
CREATE TABLE notes (
    id TEXT PRIMARY KEY NOT NULL,
    subject TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    visibility TEXT NOT NULL,
    organization_id TEXT REFERENCES organizations (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notes_by_subject ON notes (subject, subject_id, created_at, id);
