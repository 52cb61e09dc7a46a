-- Drops users (with its trigger and comments).
DROP TABLE IF EXISTS users;
