PRAGMA foreign_keys = OFF;
BEGIN;
DROP TABLE occupation_skills;
DROP TABLE occupations;
DROP TABLE taxonomy_revision;
DROP TABLE skill_relations;
DROP TABLE skill_labels;
CREATE TABLE skills_rebuilt (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    description TEXT,
    builtin BOOLEAN NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- Skills without a category (imported ones) get the broadest one back.
INSERT INTO skills_rebuilt (key, name, category, description, builtin, version, created_at, updated_at)
    SELECT key, name, COALESCE(category, 'operations'), description, builtin, version, created_at, updated_at FROM skills;
DROP TABLE skills;
ALTER TABLE skills_rebuilt RENAME TO skills;
COMMIT;
PRAGMA foreign_keys = ON;
