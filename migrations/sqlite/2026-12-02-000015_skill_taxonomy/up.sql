-- Skills as a taxonomy (ESCO, O*NET or the practice's own): a stable URI,
-- synonyms, a type and reuse level, broader and related skills, and the
-- taxonomy and version a skill came from. Imported skills have no category.
-- SQLite cannot relax NOT NULL in place: the table is rebuilt as SQLite
-- documents (foreign keys off, one transaction); the rows come
-- back under the same keys. See metadata.toml.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE skills_rebuilt (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT,
    description TEXT,
    builtin BOOLEAN NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    uri TEXT UNIQUE,
    skill_type TEXT,
    reuse_level TEXT,
    taxonomy TEXT,
    taxonomy_version TEXT
);
INSERT INTO skills_rebuilt (key, name, category, description, builtin, version, created_at, updated_at)
    SELECT key, name, category, description, builtin, version, created_at, updated_at FROM skills;
DROP TABLE skills;
ALTER TABLE skills_rebuilt RENAME TO skills;

-- Synonyms (ESCO's altLabels), in order, each also normalised for lookups.
CREATE TABLE skill_labels (
    skill_key TEXT NOT NULL REFERENCES skills (key) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    normalised TEXT NOT NULL,
    PRIMARY KEY (skill_key, position)
);
CREATE INDEX skill_labels_normalised ON skill_labels (normalised);

-- `kind` is `broader` (other_key is a parent of skill_key; several parents
-- allowed) or `related`.
CREATE TABLE skill_relations (
    skill_key TEXT NOT NULL REFERENCES skills (key) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    other_key TEXT NOT NULL REFERENCES skills (key) ON DELETE CASCADE,
    PRIMARY KEY (skill_key, kind, other_key)
);
CREATE INDEX skill_relations_other ON skill_relations (other_key);

-- One row, moved on by every write to skills, labels or relations: readers
-- of the whole taxonomy know cheaply whether what they hold is current.
CREATE TABLE taxonomy_revision (
    id INTEGER PRIMARY KEY,
    revision BIGINT NOT NULL
);
INSERT INTO taxonomy_revision (id, revision) VALUES (1, 1);

-- ESCO occupations and the skills each needs (essential or optional).
CREATE TABLE occupations (
    key TEXT PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    alt_labels TEXT NOT NULL DEFAULT '',
    isco_group TEXT,
    code TEXT,
    description TEXT,
    taxonomy TEXT,
    taxonomy_version TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX occupations_name ON occupations (name, key);

CREATE TABLE occupation_skills (
    occupation_key TEXT NOT NULL REFERENCES occupations (key) ON DELETE CASCADE,
    skill_key TEXT NOT NULL REFERENCES skills (key) ON DELETE CASCADE,
    relation TEXT NOT NULL,
    PRIMARY KEY (occupation_key, skill_key)
);
CREATE INDEX occupation_skills_skill ON occupation_skills (skill_key);
COMMIT;
PRAGMA foreign_keys = ON;
