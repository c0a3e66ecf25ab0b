-- A GET by id reads only a candidate's version (its JSON is kept in memory):
-- this index answers it without the row, whose pages are most of the file.
-- SQLite takes the primary key's index for `id = ?` whatever else there is,
-- so the query names this one (`db::candidates::listed`).
CREATE INDEX candidates_versions ON candidates (id, version, updated_at);
