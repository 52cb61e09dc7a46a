-- Drops users (with its indexes, trigger and comments).
DROP TABLE IF EXISTS users;
