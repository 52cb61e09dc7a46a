-- Drop chat_messages (its indexes and comments go with it).
DROP TABLE IF EXISTS chat_messages;
