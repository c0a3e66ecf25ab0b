-- The ids a merged duplicate had in source systems where the survivor has
-- its own: they still name the survivor (lookups, imports, `external_ref`),
-- so a source system's next sync updates the person instead of creating
-- them again, but they are not the survivor's id there. `merged_id` is the
-- duplicate's id; `candidate_id` follows later merges of the survivor.
CREATE TABLE candidate_former_external_ids (
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    candidate_id TEXT NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    merged_id TEXT NOT NULL,
    PRIMARY KEY (source, external_id)
);
CREATE INDEX candidate_former_external_ids_of ON candidate_former_external_ids (candidate_id);
