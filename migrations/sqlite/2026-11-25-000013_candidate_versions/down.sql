DROP INDEX candidates_versions;
