-- Drop the shared updated_at trigger function.
DROP FUNCTION IF EXISTS genesis_set_updated_at();
