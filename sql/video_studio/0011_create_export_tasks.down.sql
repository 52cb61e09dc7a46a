-- Drops export_tasks (with its indexes, trigger and comments).
DROP TABLE IF EXISTS export_tasks;
