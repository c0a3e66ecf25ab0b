DROP TABLE occupation_skills;
DROP TABLE occupations;
DROP TABLE taxonomy_revision;
DROP TABLE skill_relations;
DROP TABLE skill_labels;
ALTER TABLE skills DROP COLUMN taxonomy_version;
ALTER TABLE skills DROP COLUMN taxonomy;
ALTER TABLE skills DROP COLUMN reuse_level;
ALTER TABLE skills DROP COLUMN skill_type;
ALTER TABLE skills DROP COLUMN uri;
-- Skills without a category (imported ones) get the broadest one back.
UPDATE skills SET category = 'operations' WHERE category IS NULL;
ALTER TABLE skills ALTER COLUMN category SET NOT NULL;
