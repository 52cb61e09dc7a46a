-- schemactl:idempotent
-- api_clients: maps an X-Auth-Key (stored only as its SHA-256 hash) to a stable client id and role.
CREATE TABLE IF NOT EXISTS api_clients (
    id           text        NOT NULL,
    display_name text        NOT NULL,
    role         text        NOT NULL,
    api_key_hash text        NOT NULL,
    is_active    boolean     NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT api_clients_pkey PRIMARY KEY (id),
    CONSTRAINT api_clients_role_check CHECK (role IN ('admin', 'first_party', 'third_party'))
);

-- Unique: the design wants this index to stop the same key being inserted twice, which only a
-- unique index can do.
CREATE UNIQUE INDEX IF NOT EXISTS idx_api_clients_key_hash ON api_clients (api_key_hash);

CREATE OR REPLACE TRIGGER api_clients_set_updated_at
    BEFORE UPDATE ON api_clients
    FOR EACH ROW EXECUTE FUNCTION z_image_set_updated_at();

COMMENT ON TABLE api_clients IS 'API callers (the front end, third-party applications, ...): maps an X-Auth-Key to a stable client id without storing the key in clear. A row is inserted the first time a key is seen: the admin key becomes id ''admin'' with role admin, any other key ''key_<first 8 hash chars>'' with role first_party.';
COMMENT ON COLUMN api_clients.id IS 'Logical client id, e.g. admin or key_ab12cd34.';
COMMENT ON COLUMN api_clients.display_name IS 'Display name, e.g. Admin or API Key ab12cd34.';
COMMENT ON COLUMN api_clients.role IS 'Client role: admin (admin key, may see all history), first_party (this product''s own front end or internal services) or third_party (external integrations).';
COMMENT ON COLUMN api_clients.api_key_hash IS 'SHA-256 hash of the X-Auth-Key; unique.';
COMMENT ON COLUMN api_clients.is_active IS 'Whether the client is enabled.';
COMMENT ON COLUMN api_clients.created_at IS 'Creation time.';
COMMENT ON COLUMN api_clients.updated_at IS 'Last update time (maintained by trigger).';
