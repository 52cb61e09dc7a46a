-- Drops candidates (with its indexes and comments).
DROP TABLE IF EXISTS candidates;
