-- The practice's labels on candidates and needs. A candidate's row lists its
-- tags (in `lists`) and a need's row its own (`tags`, JSON); these tables
-- serve the list filters and the tag counts.
CREATE TABLE candidate_tags (
    candidate_id TEXT NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (candidate_id, tag)
);
CREATE INDEX candidate_tags_by_tag ON candidate_tags (tag, candidate_id);
CREATE TABLE need_tags (
    need_id TEXT NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (need_id, tag)
);
CREATE INDEX need_tags_by_tag ON need_tags (tag, need_id);
ALTER TABLE needs ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
