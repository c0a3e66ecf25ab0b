-- What full-text search reads of each candidate, a column per field so
-- that the fields weigh differently and a snippet tells where a word was
-- found: the name, headline and summary, the labels and synonyms of the
-- skills held, the pipeline notes and the text read from their documents.
-- Written by the service whenever one of these changes (db::search).
-- Kept column for column in step with migrations/sqlite, where an FTS5
-- table stands for the `search` column below.
CREATE TABLE candidate_texts (
    seq BIGSERIAL NOT NULL UNIQUE,
    candidate_id TEXT PRIMARY KEY REFERENCES candidates (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    headline TEXT NOT NULL,
    summary TEXT NOT NULL,
    skills TEXT NOT NULL,
    notes TEXT NOT NULL,
    documents TEXT NOT NULL,
    -- Weighted as the FTS5 ranking weighs the columns: the name and the
    -- headline most, then the skills, the summary, the notes and documents.
    search TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('english', name), 'A')
        || setweight(to_tsvector('english', headline), 'A')
        || setweight(to_tsvector('english', skills), 'B')
        || setweight(to_tsvector('english', summary), 'C')
        || setweight(to_tsvector('english', notes), 'D')
        || setweight(to_tsvector('english', documents), 'D')
    ) STORED
);
CREATE INDEX candidate_texts_search ON candidate_texts USING GIN (search);
