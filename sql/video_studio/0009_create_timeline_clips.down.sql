-- Drops timeline_clips (with its indexes, trigger and comments).
DROP TABLE IF EXISTS timeline_clips;
