DROP TABLE candidate_texts;
