-- Drops projects (with its indexes, trigger and comments).
DROP TABLE IF EXISTS projects;
