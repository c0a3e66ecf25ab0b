-- Candidates whose search text must be written again because something it
-- quotes changed elsewhere (a skill's name or synonyms): the instances'
-- follower rewrites them in batches, off the request that renamed the skill.
CREATE TABLE candidate_search_stale (
    candidate_id TEXT PRIMARY KEY REFERENCES candidates (id) ON DELETE CASCADE
);
