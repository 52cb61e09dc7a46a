-- Drops api_clients (with its indexes, trigger and comments).
DROP TABLE IF EXISTS api_clients;
