-- Drops generation_tasks (with its indexes and comments).
DROP TABLE IF EXISTS generation_tasks;
