-- Drop intent_analyses (its indexes and comments go with it).
DROP TABLE IF EXISTS intent_analyses;
