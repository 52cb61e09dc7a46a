-- Drops api_keys (with its indexes and comments).
DROP TABLE IF EXISTS api_keys;
