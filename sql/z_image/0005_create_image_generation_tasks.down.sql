-- Drops image_generation_tasks (with its indexes and comments).
DROP TABLE IF EXISTS image_generation_tasks;
