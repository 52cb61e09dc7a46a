-- Drop audit_logs (its indexes and comments go with it).
DROP TABLE IF EXISTS audit_logs;
