-- Drop llm_calls (its indexes and comments go with it).
DROP TABLE IF EXISTS llm_calls;
