DROP TRIGGER candidate_texts_updated;
DROP TRIGGER candidate_texts_deleted;
DROP TRIGGER candidate_texts_inserted;
DROP TABLE candidate_search;
DROP TABLE candidate_texts;
