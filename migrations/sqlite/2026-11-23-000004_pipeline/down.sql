DROP TABLE pipeline_notes;
DROP TABLE pipeline_moves;
DROP TABLE pipeline_entries;
