-- A note may be corrected or removed by its author (or an admin): it gets a
-- version for If-Match, and the time of its last change.
ALTER TABLE notes ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE notes ADD COLUMN updated_at TIMESTAMP;
