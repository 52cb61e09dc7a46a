-- Drops quotas (with its indexes, trigger and comments).
DROP TABLE IF EXISTS quotas;
