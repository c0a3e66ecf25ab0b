-- Exchange rates the practice maintains: 1 base = rate quote from valid_from
-- on, until a later rate of the pair. Kept column for column in step with
-- migrations/postgres.
-- `key` is 'BASE/QUOTE/valid_from' (fixed widths, so it sorts as the three
-- do); it orders the list's pages. The rate is an 8-byte IEEE double on both
-- backends, so it reads back exactly as written.
CREATE TABLE exchange_rates (
    key TEXT PRIMARY KEY,
    base TEXT NOT NULL,
    quote TEXT NOT NULL,
    valid_from DATE NOT NULL,
    rate REAL NOT NULL CHECK (rate > 0),
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (base <> quote),
    UNIQUE (base, quote, valid_from)
);

-- One row: moved on by every write to exchange_rates, in the same
-- transaction, so a reader that keeps the table can tell with one lookup by
-- key whether it changed (deletes included, whatever the clocks say).
CREATE TABLE exchange_rates_revision (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO exchange_rates_revision (id, revision) VALUES (1, 0);
