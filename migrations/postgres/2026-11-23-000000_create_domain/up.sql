-- The domain of interim-tracker. Kept column for column in step with
-- migrations/sqlite; a test compares the two schemas.
-- Ids are UUIDs stored as text and times are UTC timestamps, the types both
-- backends share. Short descriptive lists are JSON text; lists that are
-- filtered on (skills, industries, languages) are child tables.

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    industry TEXT,
    size TEXT,
    region TEXT,
    country TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX organizations_name ON organizations (name, id);
CREATE INDEX organizations_updated_at ON organizations (updated_at, id);

CREATE TABLE skills (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    description TEXT,
    builtin BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE candidates (
    id TEXT PRIMARY KEY,
    external_id TEXT UNIQUE,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    phone TEXT,
    headline TEXT,
    summary TEXT,
    city TEXT,
    country TEXT,
    remote_preference TEXT NOT NULL,
    willing_to_travel BOOLEAN NOT NULL,
    day_rate_amount BIGINT,
    day_rate_currency TEXT,
    available_from DATE,
    available_until DATE,
    max_engagement_months INTEGER,
    years_experience INTEGER NOT NULL,
    executive_roles TEXT NOT NULL,
    crisis_experience TEXT NOT NULL,
    background TEXT NOT NULL,
    training TEXT NOT NULL,
    status TEXT NOT NULL,
    consent_given BOOLEAN NOT NULL,
    consent_recorded_at TIMESTAMP,
    retention_until DATE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX candidates_status ON candidates (status, id);
CREATE INDEX candidates_name ON candidates (last_name, id);
CREATE INDEX candidates_updated_at ON candidates (updated_at, id);

CREATE TABLE candidate_skills (
    candidate_id TEXT NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    skill_key TEXT NOT NULL REFERENCES skills (key),
    level INTEGER NOT NULL,
    years INTEGER NOT NULL,
    PRIMARY KEY (candidate_id, skill_key)
);
CREATE INDEX candidate_skills_skill ON candidate_skills (skill_key, level);

CREATE TABLE candidate_industries (
    candidate_id TEXT NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    industry TEXT NOT NULL,
    PRIMARY KEY (candidate_id, industry)
);
CREATE INDEX candidate_industries_industry ON candidate_industries (industry);

CREATE TABLE candidate_languages (
    candidate_id TEXT NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    proficiency TEXT NOT NULL,
    PRIMARY KEY (candidate_id, language)
);
CREATE INDEX candidate_languages_language ON candidate_languages (language);

CREATE TABLE skillsets (
    id TEXT PRIMARY KEY,
    organization_id TEXT REFERENCES organizations (id),
    name TEXT NOT NULL,
    role_title TEXT,
    description TEXT,
    min_years_experience INTEGER NOT NULL,
    industries TEXT NOT NULL,
    background TEXT NOT NULL,
    training TEXT NOT NULL,
    languages TEXT NOT NULL,
    crisis_experience TEXT NOT NULL,
    builtin BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX skillsets_organization ON skillsets (organization_id, id);

CREATE TABLE skillset_skills (
    skillset_id TEXT NOT NULL REFERENCES skillsets (id) ON DELETE CASCADE,
    skill_key TEXT NOT NULL REFERENCES skills (key),
    required BOOLEAN NOT NULL,
    min_level INTEGER NOT NULL,
    weight INTEGER NOT NULL,
    must_have BOOLEAN NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (skillset_id, skill_key)
);
CREATE INDEX skillset_skills_skill ON skillset_skills (skill_key);

CREATE TABLE needs (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    title TEXT NOT NULL,
    reason TEXT NOT NULL,
    crisis_signals TEXT NOT NULL,
    skillset_id TEXT REFERENCES skillsets (id),
    start_by DATE,
    duration_months INTEGER,
    budget_amount BIGINT,
    budget_currency TEXT,
    city TEXT,
    country TEXT,
    remote_policy TEXT NOT NULL,
    urgency TEXT NOT NULL,
    status TEXT NOT NULL,
    charter TEXT NOT NULL,
    opened_at TIMESTAMP,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX needs_organization ON needs (organization_id, id);
CREATE INDEX needs_status ON needs (status, id);
CREATE INDEX needs_skillset ON needs (skillset_id);
CREATE INDEX needs_updated_at ON needs (updated_at, id);
