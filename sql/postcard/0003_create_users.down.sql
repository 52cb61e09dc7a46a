-- Drops users (with its identity sequence, trigger and comments).
DROP TABLE IF EXISTS users;
