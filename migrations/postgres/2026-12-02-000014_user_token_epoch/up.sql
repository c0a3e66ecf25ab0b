-- A user's access tokens carry the epoch they were issued in; a change that
-- must end them (role, organization, deactivation, a new password) moves it
-- on, and every request compares the two.
ALTER TABLE users ADD COLUMN token_epoch BIGINT NOT NULL DEFAULT 0;
