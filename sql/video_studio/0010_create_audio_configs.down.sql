-- Drops audio_configs (with its indexes, trigger and comments).
DROP TABLE IF EXISTS audio_configs;
