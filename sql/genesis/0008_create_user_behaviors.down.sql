-- Drop user_behaviors (its indexes and comments go with it).
DROP TABLE IF EXISTS user_behaviors;
