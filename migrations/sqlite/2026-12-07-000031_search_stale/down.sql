DROP TABLE candidate_search_stale;
