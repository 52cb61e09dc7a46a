-- schemactl:idempotent
-- The shared trigger function that keeps updated_at current on every UPDATE (api_clients).
CREATE OR REPLACE FUNCTION z_image_set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION z_image_set_updated_at() IS 'BEFORE UPDATE trigger function: sets updated_at to now().';
