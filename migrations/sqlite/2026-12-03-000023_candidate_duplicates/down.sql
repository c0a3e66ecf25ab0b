DROP TABLE candidate_merges;
DROP TABLE candidate_distinct_pairs;
DROP TABLE candidate_keys;
