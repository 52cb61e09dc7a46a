-- Drops conversations (with its indexes and comments).
DROP TABLE IF EXISTS conversations;
