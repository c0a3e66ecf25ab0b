-- Webhook subscriptions, the outbox of events and their deliveries.
-- Kept column for column in step with the other backend's migration.

CREATE TABLE webhook_subscriptions (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    description TEXT,
    -- JSON array of event types.
    events TEXT NOT NULL,
    -- Events of this organization only; NULL: every event (the practice's own systems).
    organization_id TEXT REFERENCES organizations (id),
    active BOOLEAN NOT NULL,
    -- Kept in clear: signing needs it. The previous one signs too until it expires (rotation).
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_expires_at TIMESTAMP,
    version BIGINT NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The outbox: written in the same transaction as the change it announces.
-- Thin events (ids and versions, no personal data): receivers fetch what they need.
CREATE TABLE webhook_events (
    id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    organization_id TEXT,
    payload TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL
);

-- One delivery of one event to one subscription; claimed by an instance
-- through claimed_until, so several instances never send it twice.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id TEXT NOT NULL REFERENCES webhook_events (id),
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP,
    claimed_until TIMESTAMP,
    last_attempt_at TIMESTAMP,
    last_status_code INTEGER,
    last_error TEXT,
    delivered_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, created_at, id);
