-- Drops agents (with its indexes, trigger and comments).
DROP TABLE IF EXISTS agents;
