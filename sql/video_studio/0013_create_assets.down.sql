-- Drops assets (with its indexes, trigger and comments).
DROP TABLE IF EXISTS assets;
