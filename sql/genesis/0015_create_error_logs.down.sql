-- Drop error_logs (its indexes and comments go with it).
DROP TABLE IF EXISTS error_logs;
