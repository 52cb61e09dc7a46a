-- Drops operations (with its indexes and comments).
DROP TABLE IF EXISTS operations;
