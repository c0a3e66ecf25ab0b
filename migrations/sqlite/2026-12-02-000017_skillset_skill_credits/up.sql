-- How a skillset credits skills related to the ones it asks for: the credit
-- of each relation (JSON, null for the defaults), whether must-haves accept
-- only the skill itself, and whether a candidate holding none of the required
-- skills can still be a match.
ALTER TABLE skillsets ADD COLUMN credits TEXT;
ALTER TABLE skillsets ADD COLUMN must_have_exact BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE skillsets ADD COLUMN match_without_required_skills BOOLEAN NOT NULL DEFAULT 0;
