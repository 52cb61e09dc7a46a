-- Drop user_sessions (its indexes, trigger and comments go with it).
DROP TABLE IF EXISTS user_sessions;
