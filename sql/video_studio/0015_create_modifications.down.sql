-- Drops modifications (with its indexes and comments).
DROP TABLE IF EXISTS modifications;
