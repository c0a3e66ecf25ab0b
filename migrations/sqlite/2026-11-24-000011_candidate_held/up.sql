-- The days a candidate's proposed, active and extended assignments hold them
-- are also kept on the candidate's row, as JSON in start order: reading a
-- candidate is one statement. Assignment writes keep it up to date.
ALTER TABLE candidates ADD COLUMN held TEXT NOT NULL DEFAULT '[]';
UPDATE candidates SET held = json((SELECT json_group_array(json_object(
        'start', start_date, 'end', max(coalesce(actual_end, planned_end), start_date)) ORDER BY start_date, id)
    FROM assignments WHERE candidate_id = candidates.id AND status IN ('proposed', 'active', 'extended')));
