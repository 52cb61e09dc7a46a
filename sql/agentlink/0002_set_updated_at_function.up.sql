-- The shared trigger function that keeps updated_at current on every UPDATE (users, agents,
-- quotas).
CREATE OR REPLACE FUNCTION agentlink_set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION agentlink_set_updated_at() IS 'BEFORE UPDATE trigger function: sets updated_at to now().';
