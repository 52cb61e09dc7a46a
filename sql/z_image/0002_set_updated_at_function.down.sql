-- Removes the shared updated_at trigger function.
DROP FUNCTION IF EXISTS z_image_set_updated_at();
