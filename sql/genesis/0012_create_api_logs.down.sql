-- Drop api_logs (its indexes and comments go with it).
DROP TABLE IF EXISTS api_logs;
