DROP INDEX candidates_country;
