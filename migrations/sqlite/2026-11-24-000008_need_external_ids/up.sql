-- Needs carry the id they have in the client's own system, so imports can
-- update them; unique within an organization.
ALTER TABLE needs ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX needs_external_id ON needs (organization_id, external_id);

-- The default list order (and the matching index's load): by creation, then id.
CREATE INDEX candidates_created ON candidates (created_at, id);
