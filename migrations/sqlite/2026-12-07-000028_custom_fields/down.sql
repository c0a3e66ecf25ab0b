ALTER TABLE assignments DROP COLUMN custom_fields;
ALTER TABLE needs DROP COLUMN custom_fields;
DROP TABLE assignment_custom_values;
DROP TABLE need_custom_values;
DROP TABLE candidate_custom_values;
DROP TABLE custom_fields;
