-- Drops sessions (with its indexes and comments).
DROP TABLE IF EXISTS sessions;
