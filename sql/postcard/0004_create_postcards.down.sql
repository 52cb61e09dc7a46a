-- Drops postcards (with its identity sequence, indexes and comments).
DROP TABLE IF EXISTS postcards;
