-- Drops tasks (with its indexes, trigger and comments).
DROP TABLE IF EXISTS tasks;
