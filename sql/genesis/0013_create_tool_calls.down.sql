-- Drop tool_calls (its indexes and comments go with it).
DROP TABLE IF EXISTS tool_calls;
