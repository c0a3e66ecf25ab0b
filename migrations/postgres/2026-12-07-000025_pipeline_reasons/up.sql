-- The practice's list of reasons a candidacy ends without a placement: a
-- rejection or a withdrawal names one, with free text beside it. The codes
-- stay in the pipeline's history, so a reason once used is retired (active
-- false), not deleted.
CREATE TABLE pipeline_reasons (
    code TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    description TEXT,
    for_rejection BOOLEAN NOT NULL,
    for_withdrawal BOOLEAN NOT NULL,
    active BOOLEAN NOT NULL,
    position INTEGER NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- The reasons the service knew before the list was managed, and the usual
-- reasons a candidate steps back.
INSERT INTO pipeline_reasons VALUES
    ('skills_gap', 'Skills gap', 'Skills or experience do not cover the need.', TRUE, FALSE, TRUE, 10, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('rate_too_high', 'Rate too high', 'The day rate is above the budget.', TRUE, FALSE, TRUE, 20, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('not_available', 'Not available', 'Not available for the start date or the duration.', TRUE, TRUE, TRUE, 30, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('culture_fit', 'Culture fit', 'Not a fit with the organization''s culture.', TRUE, FALSE, TRUE, 40, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('client_declined', 'Client declined', 'The client organization declined the candidate.', TRUE, FALSE, TRUE, 50, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('position_filled', 'Position filled', 'Another candidate filled the position, or the need was closed.', TRUE, FALSE, TRUE, 60, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('accepted_other_offer', 'Accepted another offer', 'The candidate took another assignment or position.', FALSE, TRUE, TRUE, 70, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('terms_not_agreed', 'Terms not agreed', 'Rate, duration or conditions could not be agreed.', TRUE, TRUE, TRUE, 80, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('personal_circumstances', 'Personal circumstances', 'The candidate stepped back for personal reasons.', FALSE, TRUE, TRUE, 90, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('other', 'Other', 'Anything else; say what in the detail.', TRUE, TRUE, TRUE, 100, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);
-- An entry's and a move's reason now covers withdrawals too.
ALTER TABLE pipeline_entries RENAME COLUMN rejection_reason TO reason;
ALTER TABLE pipeline_entries ADD COLUMN reason_detail TEXT;
ALTER TABLE pipeline_moves ADD COLUMN reason_detail TEXT;
CREATE INDEX pipeline_moves_closing ON pipeline_moves (to_stage, moved_at);
