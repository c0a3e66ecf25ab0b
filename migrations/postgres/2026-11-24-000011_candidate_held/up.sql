-- The days a candidate's proposed, active and extended assignments hold them
-- are also kept on the candidate's row, as JSON in start order: reading a
-- candidate is one statement. Assignment writes keep it up to date.
ALTER TABLE candidates ADD COLUMN held TEXT NOT NULL DEFAULT '[]';
UPDATE candidates c SET held = COALESCE((SELECT json_agg(json_build_object(
        'start', a.start_date, 'end', GREATEST(COALESCE(a.actual_end, a.planned_end), a.start_date))
        ORDER BY a.start_date, a.id COLLATE "C")
    FROM assignments a WHERE a.candidate_id = c.id AND a.status IN ('proposed', 'active', 'extended')), '[]'::json)::text;
