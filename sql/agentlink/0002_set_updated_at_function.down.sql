-- Removes the shared updated_at trigger function.
DROP FUNCTION IF EXISTS agentlink_set_updated_at();
