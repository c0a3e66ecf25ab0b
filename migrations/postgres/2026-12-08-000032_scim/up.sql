-- SCIM 2.0 provisioning (RFC 7643/7644). A user's SCIM userName is kept as
-- given; `user_name_key` is its lowercase form (userName is not case-exact),
-- or the e-mail of a user created here, so one namespace holds both. A
-- provisioned user's role and organization come from the mapped groups they
-- are in; `idp_active` is what the identity provider says, and `active`
-- is whether they may log in (provider says so and a group grants a role).
ALTER TABLE users ADD COLUMN user_name TEXT;
ALTER TABLE users ADD COLUMN user_name_key TEXT;
ALTER TABLE users ADD COLUMN external_id TEXT;
ALTER TABLE users ADD COLUMN given_name TEXT;
ALTER TABLE users ADD COLUMN family_name TEXT;
ALTER TABLE users ADD COLUMN provisioned BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN idp_active BOOLEAN NOT NULL DEFAULT TRUE;
UPDATE users SET user_name_key = email;
CREATE UNIQUE INDEX users_user_name_key ON users (user_name_key);
CREATE INDEX users_external_id ON users (external_id);

-- Groups of the identity provider, each optionally mapped to a role (and,
-- for organization members, an organization).
CREATE TABLE scim_groups (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    display_name_key TEXT NOT NULL UNIQUE,
    external_id TEXT,
    role TEXT,
    organization_id TEXT REFERENCES organizations (id) ON DELETE SET NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE scim_group_members (
    group_id TEXT NOT NULL REFERENCES scim_groups (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX scim_group_members_of ON scim_group_members (user_id);
