-- A candidate's skills, industries and languages are also kept on its row, as
-- one JSON object in the order reads give them: reading a candidate is one
-- row, not four tables. The child tables stay, for the list filters (EXISTS).
-- COLLATE "C" orders by bytes, as the service does when it writes the lists.
ALTER TABLE candidates ADD COLUMN lists TEXT NOT NULL DEFAULT '{"skills":[],"industries":[],"languages":[]}';
UPDATE candidates c SET lists = json_build_object(
    'skills', COALESCE((SELECT json_agg(json_build_object('skill', s.skill_key, 'level', s.level, 'years', s.years)
                            ORDER BY s.level DESC, s.skill_key COLLATE "C")
                        FROM candidate_skills s WHERE s.candidate_id = c.id), '[]'::json),
    'industries', COALESCE((SELECT json_agg(i.industry ORDER BY i.industry COLLATE "C")
                            FROM candidate_industries i WHERE i.candidate_id = c.id), '[]'::json),
    'languages', COALESCE((SELECT json_agg(json_build_object('language', l.language, 'proficiency', l.proficiency)
                               ORDER BY l.language COLLATE "C")
                           FROM candidate_languages l WHERE l.candidate_id = c.id), '[]'::json))::text;
