-- Removes the shared updated_at trigger function.
DROP FUNCTION IF EXISTS video_studio_set_updated_at();
