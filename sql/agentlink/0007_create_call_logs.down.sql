-- Drops call_logs (with its indexes and comments).
DROP TABLE IF EXISTS call_logs;
