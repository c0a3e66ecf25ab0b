ALTER TABLE skillsets DROP COLUMN match_without_required_skills;
ALTER TABLE skillsets DROP COLUMN must_have_exact;
ALTER TABLE skillsets DROP COLUMN credits;
