-- Drop chat_sessions (its indexes, trigger and comments go with it).
DROP TABLE IF EXISTS chat_sessions;
