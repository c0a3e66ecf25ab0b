DROP TABLE assignment_check_ins;
DROP TABLE assignment_milestones;
DROP TABLE assignment_extensions;
DROP TABLE assignments;
