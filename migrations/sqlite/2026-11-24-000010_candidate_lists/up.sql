-- A candidate's skills, industries and languages are also kept on its row, as
-- one JSON object in the order reads give them: reading a candidate is one
-- row, not four tables. The child tables stay, for the list filters (EXISTS).
ALTER TABLE candidates ADD COLUMN lists TEXT NOT NULL DEFAULT '{"skills":[],"industries":[],"languages":[]}';
UPDATE candidates SET lists = json_object(
    'skills', json((SELECT json_group_array(json_object('skill', skill_key, 'level', level, 'years', years)
                        ORDER BY level DESC, skill_key)
                    FROM candidate_skills WHERE candidate_id = candidates.id)),
    'industries', json((SELECT json_group_array(industry ORDER BY industry)
                        FROM candidate_industries WHERE candidate_id = candidates.id)),
    'languages', json((SELECT json_group_array(json_object('language', language, 'proficiency', proficiency)
                           ORDER BY language)
                       FROM candidate_languages WHERE candidate_id = candidates.id)));
