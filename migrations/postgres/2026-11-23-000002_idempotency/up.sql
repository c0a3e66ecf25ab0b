-- Idempotency-Key: the first response to each (caller, key), kept 24 hours,
-- so a retried POST is answered from here instead of writing twice. A row
-- without a status is a request still in progress.
CREATE TABLE idempotency_keys (
    caller TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER,
    response_body TEXT,
    location TEXT,
    etag TEXT,
    content_type TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (caller, idempotency_key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
