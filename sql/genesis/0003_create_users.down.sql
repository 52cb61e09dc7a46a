-- Drop users (its indexes, trigger and comments go with it).
DROP TABLE IF EXISTS users;
