-- Drops image_generation_batches (with its indexes and comments).
DROP TABLE IF EXISTS image_generation_batches;
