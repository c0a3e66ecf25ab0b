CREATE INDEX candidates_status ON candidates (status, id);
