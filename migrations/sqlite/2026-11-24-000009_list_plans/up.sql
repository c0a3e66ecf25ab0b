-- A candidate's status splits the table in two or three: as an index it only
-- tempted the planner away from the sort order's index, then to sort tens of
-- thousands of rows for a page of 20.
DROP INDEX candidates_status;
