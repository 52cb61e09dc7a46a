-- Drop system_config (its indexes, trigger and comments go with it).
DROP TABLE IF EXISTS system_config;
