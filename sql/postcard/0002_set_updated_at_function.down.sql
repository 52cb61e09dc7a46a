-- Removes the shared updated_at trigger function.
DROP FUNCTION IF EXISTS postcard_set_updated_at();
