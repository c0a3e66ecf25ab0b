-- The ids candidates and needs have in the client organizations' systems, one
-- per source system. A candidate's row lists its own (in `lists`) and a need's
-- row its own (`external_ids`, JSON); these tables keep each (source, id)
-- unique (a need's within its organization) and serve lookups and upserts.
CREATE TABLE candidate_external_ids (
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    candidate_id TEXT NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    PRIMARY KEY (source, external_id)
);
CREATE INDEX candidate_external_ids_of ON candidate_external_ids (candidate_id);
CREATE TABLE need_external_ids (
    organization_id TEXT NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    need_id TEXT NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
    PRIMARY KEY (organization_id, source, external_id)
);
CREATE INDEX need_external_ids_of ON need_external_ids (need_id);
ALTER TABLE needs ADD COLUMN external_ids TEXT NOT NULL DEFAULT '{}';
