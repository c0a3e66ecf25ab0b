-- What full-text search reads of each candidate, a column per field so
-- that the fields weigh differently and a snippet tells where a word was
-- found: the name, headline and summary, the labels and synonyms of the
-- skills held, the pipeline notes and the text read from their documents.
-- Written by the service whenever one of these changes (db::search).
-- Kept column for column in step with migrations/postgres, where a
-- tsvector column stands for the FTS5 table below.
CREATE TABLE candidate_texts (
    seq INTEGER PRIMARY KEY,
    candidate_id TEXT NOT NULL UNIQUE REFERENCES candidates (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    headline TEXT NOT NULL,
    summary TEXT NOT NULL,
    skills TEXT NOT NULL,
    notes TEXT NOT NULL,
    documents TEXT NOT NULL
);
-- The index over it (an external-content FTS5 table: the text is kept once,
-- in candidate_texts, and the triggers keep the index in step). Porter
-- stemming, as PostgreSQL's `english` configuration does.
CREATE VIRTUAL TABLE candidate_search USING fts5 (
    name, headline, summary, skills, notes, documents,
    content = 'candidate_texts', content_rowid = 'seq',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER candidate_texts_inserted AFTER INSERT ON candidate_texts BEGIN
    INSERT INTO candidate_search (rowid, name, headline, summary, skills, notes, documents)
    VALUES (new.seq, new.name, new.headline, new.summary, new.skills, new.notes, new.documents);
END;
CREATE TRIGGER candidate_texts_deleted AFTER DELETE ON candidate_texts BEGIN
    INSERT INTO candidate_search (candidate_search, rowid, name, headline, summary, skills, notes, documents)
    VALUES ('delete', old.seq, old.name, old.headline, old.summary, old.skills, old.notes, old.documents);
END;
CREATE TRIGGER candidate_texts_updated AFTER UPDATE ON candidate_texts BEGIN
    INSERT INTO candidate_search (candidate_search, rowid, name, headline, summary, skills, notes, documents)
    VALUES ('delete', old.seq, old.name, old.headline, old.summary, old.skills, old.notes, old.documents);
    INSERT INTO candidate_search (rowid, name, headline, summary, skills, notes, documents)
    VALUES (new.seq, new.name, new.headline, new.summary, new.skills, new.notes, new.documents);
END;
